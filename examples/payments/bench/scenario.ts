/**
 * `--scenario payment`: a mix against the included gateway's API, shaped like a shop's traffic:
 *   create  POST /api/orders                 a new order (the gateway places it with the platform)
 *   query   GET  /api/orders/{out_trade_no}  a recently created order
 *   refund  POST /api/orders/{out_trade_no}/refund   a paid order, once
 * After each create, the payer "pays" on the mock platform (POST /mock/pay, not timed: it is the
 * customer, not the service under test), and the platform delivers the payment notify to the
 * gateway. A refund needs a paid order the gateway has heard about; until one exists the refund
 * slot creates an order instead.
 */
import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import type { BenchFlags, Scenario } from '../../../src/bench/options';
import { benchTargetUrl, parseHeaders } from '../../../src/bench/options';
import { collect, expecting, valueType } from '../../../src/config/values';
import type { PlannedRequest, RequestSource } from '../../../src/bench/request';

export const PAYMENT_OPERATIONS = ['create', 'query', 'refund'] as const;
export type PaymentOperation = (typeof PAYMENT_OPERATIONS)[number];
export type Mix = Record<PaymentOperation, number>;

export const DEFAULT_MIX: Mix = { create: 5, query: 4, refund: 1 };
export const DEFAULT_PLATFORM_URL = 'http://127.0.0.1:8090';
export const MIX_EXPECTED = 'weights like create=5,query=4,refund=1 (non-negative integers, at least one above zero)';

export const OP_CREATE = 'POST /api/orders';
export const OP_QUERY = 'GET /api/orders/{out_trade_no}';
export const OP_REFUND = 'POST /api/orders/{out_trade_no}/refund';

/** Known orders kept for queries; a ring so memory stays flat on long runs. */
const KNOWN_ORDERS = 4096;
/** Paid orders waiting for a refund, likewise bounded. */
const REFUNDABLE = 4096;
/**
 * The gateway refunds only orders it knows are paid, which it learns from the platform's notify,
 * delivered asynchronously after the payer pays: wait this long before refunding a paid order.
 */
const REFUND_AFTER_MS = 1000;
/** Payer calls to the platform at once; more are skipped (the order just stays unpaid). */
const MAX_PAYS_IN_FLIGHT = 64;

export function parseMix(text: string): Mix | undefined {
  const mix: Mix = { create: 0, query: 0, refund: 0 };
  for (const part of text.split(',')) {
    const m = /^\s*(create|query|refund)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m) return undefined;
    mix[m[1] as PaymentOperation] = Number(m[2]);
  }
  return mix.create + mix.query + mix.refund > 0 ? mix : undefined;
}

/** Pulls the order number out of the gateway's answer (it answers the order record). */
export function orderNumberOf(body: Buffer): string | undefined {
  try {
    const doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const order = (doc.order ?? doc) as Record<string, unknown>;
    const no = order.out_trade_no;
    return typeof no === 'string' && no.length > 0 ? no : undefined;
  } catch {
    return undefined;
  }
}

export interface PaymentScenarioOptions {
  gateway: URL;
  platform: URL;
  mix: Mix;
  /** Extra headers on every gateway request (flat list). */
  headers?: string[];
}

export class PaymentScenario implements RequestSource {
  readonly description: string;
  private readonly o: PaymentScenarioOptions;
  private readonly origin: string;
  private readonly base: string;
  private readonly wheel: PaymentOperation[];
  private readonly known: string[] = [];
  private knownNext = 0;
  /** Paid orders and when the gateway will have had their payment notify (see REFUND_AFTER_MS). */
  private readonly refundable: { no: string; readyAt: number }[] = [];
  private readonly payer: Pool;
  private paysInFlight = 0;
  private turn = 0;
  private readonly runId = randomBytes(4).toString('hex');
  private seq = 0;
  /** Counters for tests and the demo's summary. */
  readonly stats = { created: 0, paid: 0, payFailed: 0, paySkipped: 0, refundsRequested: 0 };

  constructor(o: PaymentScenarioOptions) {
    this.o = o;
    this.origin = o.gateway.origin;
    this.base = o.gateway.pathname.replace(/\/+$/, '');
    this.description = `payment scenario (${PAYMENT_OPERATIONS.map((k) => `${k}=${o.mix[k]}`).join(',')}) against ${o.gateway.origin}${this.base}, payer on ${o.platform.origin}`;
    // Interleave the weights so a short run still sees every operation (not 5 creates, then 4 queries…).
    this.wheel = [];
    const left = { ...o.mix };
    while (left.create + left.query + left.refund > 0) {
      for (const k of PAYMENT_OPERATIONS) if (left[k]-- > 0) this.wheel.push(k);
    }
    this.payer = new Pool(o.platform.origin, { connections: 8 });
  }

  next(): PlannedRequest {
    const op = this.wheel[this.turn++ % this.wheel.length];
    if (op === 'refund' && this.refundable.length > 0 && this.refundable[0].readyAt <= Date.now()) {
      return this.refund((this.refundable.shift() as { no: string }).no);
    }
    if (op === 'query' && this.known.length > 0) return this.query(this.known[Math.floor(Math.random() * this.known.length)]);
    return this.create();
  }

  /** Stops the payer pool (the run's own client is closed by runBench). */
  async close(): Promise<void> {
    await this.payer.close().catch(() => undefined);
  }

  private headers(extra: string[] = []): string[] {
    return [...(this.o.headers ?? []), ...extra];
  }

  private create(): PlannedRequest {
    const n = ++this.seq;
    const body = JSON.stringify({
      amount: 100 + Math.floor(Math.random() * 9900),
      description: `bench order ${n}`,
      type: 'native',
    });
    return {
      origin: this.origin,
      method: 'POST',
      path: `${this.base}/api/orders`,
      headers: this.headers(['content-type', 'application/json', 'idempotency-key', `bench-${this.runId}-${n}`]),
      body,
      operation: OP_CREATE,
      onResponse: (status, resBody) => {
        if (status < 200 || status >= 300) return;
        const no = orderNumberOf(resBody);
        if (!no) return;
        this.stats.created++;
        this.remember(no);
        this.pay(no);
      },
    };
  }

  private query(no: string): PlannedRequest {
    return {
      origin: this.origin,
      method: 'GET',
      path: `${this.base}/api/orders/${encodeURIComponent(no)}`,
      headers: this.headers(),
      operation: OP_QUERY,
      onResponse: () => undefined,
    };
  }

  private refund(no: string): PlannedRequest {
    const n = ++this.seq;
    this.stats.refundsRequested++;
    return {
      origin: this.origin,
      method: 'POST',
      path: `${this.base}/api/orders/${encodeURIComponent(no)}/refund`,
      headers: this.headers(['content-type', 'application/json', 'idempotency-key', `bench-${this.runId}-r${n}`]),
      body: JSON.stringify({ reason: 'bench refund' }),
      operation: OP_REFUND,
    };
  }

  private remember(no: string): void {
    if (this.known.length < KNOWN_ORDERS) this.known.push(no);
    else this.known[this.knownNext++ % KNOWN_ORDERS] = no;
  }

  /** The customer pays on the platform; the platform then notifies the gateway. */
  private pay(no: string): void {
    if (this.paysInFlight >= MAX_PAYS_IN_FLIGHT) {
      this.stats.paySkipped++;
      return;
    }
    this.paysInFlight++;
    this.payer
      .request({ method: 'POST', path: '/mock/pay', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ out_trade_no: no }) })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode === 200) {
          this.stats.paid++;
          if (this.refundable.length < REFUNDABLE) this.refundable.push({ no, readyAt: Date.now() + REFUND_AFTER_MS });
        } else this.stats.payFailed++;
      })
      .catch(() => {
        this.stats.payFailed++;
      })
      .finally(() => {
        this.paysInFlight--;
      });
  }
}

const PLATFORM_URL = expecting(benchTargetUrl, `the mock platform's http:// URL like ${DEFAULT_PLATFORM_URL}`);

/** The factory `--scenario payment` uses: `--target` is the gateway (through its sidecar). */
export function paymentScenarioFromFlags(target: URL, flags: BenchFlags, problems: string[]): PaymentScenario | undefined {
  const platformFlag = typeof flags.platform === 'string' ? flags.platform : undefined;
  const mixFlag = typeof flags.mix === 'string' ? flags.mix : undefined;
  const platform = collect('--platform', platformFlag ?? DEFAULT_PLATFORM_URL, PLATFORM_URL, problems);
  const mix = mixFlag !== undefined ? collect('--mix', mixFlag, valueType(MIX_EXPECTED, parseMix), problems) : DEFAULT_MIX;
  const headers = parseHeaders(flags.header ?? [], problems);
  if (!platform || !mix) return undefined;
  return new PaymentScenario({ gateway: target, platform, mix, headers });
}

/** `paysidecar bench --scenario payment`, with the flags only this scenario reads. */
export const PAYMENT_SCENARIO: Scenario = {
  factory: paymentScenarioFromFlags,
  options: [
    { flags: '--mix <weights>', description: `payment mix weights (default create=${DEFAULT_MIX.create},query=${DEFAULT_MIX.query},refund=${DEFAULT_MIX.refund})` },
    { flags: '--platform <url>', description: `mock platform where the payer pays (default ${DEFAULT_PLATFORM_URL})` },
  ],
};
