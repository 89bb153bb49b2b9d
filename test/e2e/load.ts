/**
 * A small, bounded mixed load through the sidecar: prod orders, lookups (found and 404), payments
 * that trigger signed callbacks, trusted stress traffic, stress markers with a bad token (which
 * the sidecar strips), and oversized headers (which the sidecar refuses). A fixed request rate with a cap on requests in flight, so a slow gateway
 * cannot make the test pile up sockets.
 */
import { H_STRESS_TOKEN, H_TEST_ENV } from '../../src/context/headers';
import { signStressToken } from '../../src/context/stress-token';

export interface LoadStats {
  sent: number;
  skipped: number;
  byStatus: Record<string, number>;
  failures: number;
}

export interface Load {
  readonly stats: LoadStats;
  stop(): Promise<void>;
}

const SCENARIO = 'stress-e2e';

export function startLoad(opts: { proxy: string; platform: string; stressSecret: string; rps: number; maxInFlight: number }): Load {
  const stats: LoadStats = { sent: 0, skipped: 0, byStatus: {}, failures: 0 };
  const orders: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let n = 0;
  const json = { 'content-type': 'application/json' };
  const stress = () => ({ ...json, [H_TEST_ENV]: SCENARIO, [H_STRESS_TOKEN]: signStressToken(opts.stressSecret, SCENARIO) });

  const one = async (): Promise<void> => {
    const i = n++;
    const kind = i % 20;
    let url = `${opts.proxy}/api/orders`;
    let init: RequestInit = { method: 'POST', headers: json, body: JSON.stringify({ amount: 100 + (i % 50), description: `e2e ${i}`, type: 'native' }) };
    if (kind === 3 || kind === 11) {
      const id = orders[i % Math.max(1, orders.length)];
      if (id) init = { method: 'GET' };
      url = id ? `${opts.proxy}/api/orders/${id}` : url;
    } else if (kind === 7) {
      url = `${opts.proxy}/api/orders/no-such-order-${i}`;
      init = { method: 'GET' };
    } else if (kind === 5 || kind === 13 || kind === 17) {
      init = { ...init, headers: stress() };
    } else if (kind === 19) {
      init = { ...init, headers: { ...json, [H_TEST_ENV]: SCENARIO, [H_STRESS_TOKEN]: `${Math.floor(Date.now() / 1000)}.${'0'.repeat(64)}` } };
    } else if (kind === 15) {
      // Headers over the sidecar's limit: answered 431 by the sidecar itself (a client error).
      url = `${opts.proxy}/api/orders/oversized-${i}`;
      init = { method: 'GET', headers: { 'x-padding': 'a'.repeat(20_000) } };
    } else if (kind === 9 && orders.length) {
      // The payer pays: the platform sends a signed TRANSACTION.SUCCESS callback through the sidecar.
      url = `${opts.platform}/mock/pay`;
      init = { method: 'POST', headers: json, body: JSON.stringify({ out_trade_no: orders[orders.length - 1] }) };
    }
    stats.sent++;
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
      const text = await res.text();
      stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
      if (res.status === 201 && url.endsWith('/api/orders')) {
        const id = (JSON.parse(text) as { out_trade_no?: string }).out_trade_no;
        if (id) orders.push(id);
        if (orders.length > 200) orders.shift();
      }
    } catch {
      stats.failures++;
    }
  };

  const timer = setInterval(() => {
    if (inFlight.size >= opts.maxInFlight) {
      stats.skipped++;
      return;
    }
    const p = one().finally(() => inFlight.delete(p));
    inFlight.add(p);
  }, 1000 / opts.rps);

  return {
    stats,
    stop: async () => {
      clearInterval(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}
