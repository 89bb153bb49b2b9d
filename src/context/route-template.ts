/** Route templates like `/v3/pay/transactions/out-trade-no/{out_trade_no}/close`. */

export const ROUTE_TEMPLATE_EXPECTED =
  'a path template starting with "/", whose segments are literals or {name}, e.g. /v1/users/{id}';

export type Segment = { kind: 'literal'; value: string } | { kind: 'param'; name: string };

const PARAM_RE = /^\{[A-Za-z_][A-Za-z0-9_]*\}$/;
const LITERAL_RE = /^[A-Za-z0-9._~!$&'()*+,;=:@%-]+$/;

export function parseRouteTemplate(template: string): Segment[] | undefined {
  if (!template.startsWith('/') || template.length > 256) return undefined;
  if (template === '/') return [];
  const parts = template.slice(1).split('/');
  const segs: Segment[] = [];
  for (const p of parts) {
    if (PARAM_RE.test(p)) segs.push({ kind: 'param', name: p.slice(1, -1) });
    else if (LITERAL_RE.test(p)) segs.push({ kind: 'literal', value: p });
    else return undefined;
  }
  return segs;
}
