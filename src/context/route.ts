/**
 * Maps a raw request path onto a low-cardinality route template for the `http.route` label.
 * Literal segments win over `{param}` segments at each level, so `/v3/refund/domestic/refunds`
 * is not swallowed by a `{param}` sibling. Paths matching nothing get ROUTE_UNMATCHED.
 */
import { ROUTE_UNMATCHED } from '../telemetry/names';
import { forEachInSlices } from '../runtime/in-slices';
import { parseRouteTemplate } from './route-template';

/**
 * The WeChat Pay v3 API paths a merchant service calls or serves, known without configuration.
 * Anything else (an app's own API) comes from `--route`; the included example passes its own.
 */
const BUILTIN_ROUTES: readonly string[] = [
  '/v3/pay/transactions/jsapi',
  '/v3/pay/transactions/native',
  '/v3/pay/transactions/out-trade-no/{out_trade_no}',
  '/v3/pay/transactions/id/{transaction_id}',
  '/v3/pay/transactions/out-trade-no/{out_trade_no}/close',
  '/v3/refund/domestic/refunds',
  '/v3/refund/domestic/refunds/{out_refund_no}',
  '/',
];

interface Node {
  literals: Map<string, Node>;
  param?: Node;
  template?: string;
}

const newNode = (): Node => ({ literals: new Map() });

export class RouteTable {
  private readonly root = newNode();
  private readonly all: string[] = [];

  constructor(extra: readonly string[] = [], builtins: readonly string[] = BUILTIN_ROUTES) {
    for (const t of builtins) this.add(t);
    for (const t of extra) this.add(t);
  }

  /**
   * The same table, built a slice at a time (runtime/in-slices.ts): a reload builds it while the
   * sidecar serves, and a thousand routes in one turn would hold every request for milliseconds.
   */
  static async build(extra: readonly string[], builtins: readonly string[] = BUILTIN_ROUTES): Promise<RouteTable> {
    const table = new RouteTable([], builtins);
    await forEachInSlices(extra, (t) => table.add(t));
    return table;
  }

  get templates(): readonly string[] {
    return this.all;
  }

  private add(template: string): void {
    const segs = parseRouteTemplate(template);
    if (!segs) throw new Error(`invalid route template ${JSON.stringify(template)}`);
    let node = this.root;
    for (const s of segs) {
      if (s.kind === 'literal') {
        let next = node.literals.get(s.value);
        if (!next) node.literals.set(s.value, (next = newNode()));
        node = next;
      } else {
        node = node.param ??= newNode();
      }
    }
    node.template ??= template;
    this.all.push(template);
  }

  /** `url` may carry a query string; a trailing slash matches the same template. */
  match(url: string | undefined): string {
    if (!url || url.charCodeAt(0) !== 47 /* / */) return ROUTE_UNMATCHED;
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path === '/') return this.root.template ?? ROUTE_UNMATCHED;
    const segs = path.split('/');
    let end = segs.length;
    if (segs[end - 1] === '') end--;
    return this.walk(this.root, segs, 1, end) ?? ROUTE_UNMATCHED;
  }

  private walk(node: Node, segs: string[], i: number, end: number): string | undefined {
    if (i === end) return node.template;
    const seg = segs[i];
    if (seg === '') return undefined;
    const lit = node.literals.get(seg);
    if (lit) {
      const found = this.walk(lit, segs, i + 1, end);
      if (found) return found;
    }
    return node.param ? this.walk(node.param, segs, i + 1, end) : undefined;
  }
}
