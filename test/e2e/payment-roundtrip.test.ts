/**
 * The whole payment path through a real sidecar: client → sidecar → gateway → mock platform →
 * signed, encrypted callback → sidecar → gateway. The gateway's notify_url points at the sidecar,
 * so the callback is a traced hop too, and every hop the sidecar sees carries one trace id.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, type RunningPlatform } from '../../examples/payments/platform/server';
import { startGateway, type RunningGateway } from '../../examples/payments/gateway/server';
import { GATEWAY_ROUTE_TEMPLATES } from '../../examples/payments/gateway/route-templates';
import { request, startTestSidecar, type TestSidecar } from '../helpers/sidecar';
import { silent, tempKeys, waitFor, type TempKeys } from '../example/platform/harness';
import { freePort } from './servers';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliProcess } from '../example/gateway/cli-process';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

let keys: TempKeys;
let platform: RunningPlatform;
let gateway: RunningGateway;
let sidecar: TestSidecar;
before(async () => {
  keys = await tempKeys('paysidecar-e2e-pay-');
  platform = await startPlatform({ keysDir: keys.dir, port: 0, logger: silent, notifyTimeScale: 0.001, signtestProbes: true });
  // The sidecar's port must be known before the gateway starts: it is the gateway's notify_url.
  const sidecarPort = await freePort();
  gateway = await startGateway({ keysDir: keys.dir, port: 0, platformUrl: platform.url, notifyUrl: `http://127.0.0.1:${sidecarPort}`, logger: silent, accounts: { erin: 50_000 } });
  sidecar = await startTestSidecar({ listen: `127.0.0.1:${sidecarPort}`, upstream: gateway.url, route: [...GATEWAY_ROUTE_TEMPLATES] });
});
after(async () => {
  await sidecar?.shutdown();
  await gateway?.close();
  await platform?.close();
  keys?.cleanup();
});

const json = (body: string) => JSON.parse(body) as Record<string, any>;
const traced = { traceparent: `00-${TRACE}-${CLIENT_SPAN}-01` };

test('order → /mock/pay → callback through the sidecar → SUCCESS, one trace id across the hops', async () => {
  const created = await request(`${sidecar.base}/api/orders`, {
    method: 'POST',
    headers: { ...traced, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 1999, description: 'e2e round trip', type: 'native', account: 'erin' }),
  });
  assert.equal(created.status, 201, created.body);
  assert.equal(created.headers['x-trace-id'], `tr-${TRACE}`);
  const no = json(created.body).out_trade_no as string;

  // The gateway carried the trace to the platform on its signed call.
  const atPlatform = platform.store.getOrder(keys.merchant.mchid, no);
  assert.ok(atPlatform);
  assert.match(atPlatform.trace.traceparent ?? '', new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
  assert.equal(atPlatform.notify_url, `${sidecar.base}/notify/wxpay`);

  const paid = await request(`${platform.url}/mock/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ out_trade_no: no }) });
  assert.equal(paid.status, 200, paid.body);
  await waitFor('callback delivered through the sidecar', () => platform.notifier.records(no).find((d) => d.outcome === 'delivered'), 10_000);
  const delivery = platform.notifier.records(no).find((d) => d.outcome === 'delivered');
  assert.equal(delivery?.status, 204);
  assert.equal(delivery?.url, `${sidecar.base}/notify/wxpay`);
  assert.equal(platform.notifier.probes()[0]?.outcome, 'refused', 'the SIGNTEST probe was refused through the sidecar too');

  const state = await request(`${sidecar.base}/api/orders/${no}`, { headers: traced });
  assert.equal(state.status, 200);
  const order = json(state.body);
  assert.equal(order.trade_state, 'SUCCESS');
  assert.equal(order.settlement, 'settled');
  const erin = json((await request(`${sidecar.base}/api/accounts/erin`)).body);
  assert.equal(erin.balance, 50_000 - 1999);

  // What the sidecar saw: the order, the callback (and its refused probe), the status read.
  await waitFor('spans exported', () => sidecar.spans.getFinishedSpans().length >= 4);
  const spans = sidecar.spans.getFinishedSpans();
  const byRoute = (method: string, route: string) => spans.filter((s) => s.attributes['http.route'] === route && s.name.startsWith(method));
  const createSpan = byRoute('POST', '/api/orders')[0];
  const notifySpans = byRoute('POST', '/notify/wxpay');
  const readSpan = byRoute('GET', '/api/orders/{out_trade_no}')[0];
  assert.ok(createSpan, `order span among ${spans.map((s) => s.name).join(', ')}`);
  assert.ok(readSpan, 'status read span');
  assert.equal(notifySpans.length, 2, 'probe + callback');
  for (const s of [createSpan, readSpan, ...notifySpans]) assert.equal(s.spanContext().traceId, TRACE, `${s.name} is in the order's trace`);
  assert.equal(createSpan.parentSpanContext?.spanId, CLIENT_SPAN);
  const statuses = notifySpans.map((s) => s.attributes['http.response.status_code']).sort();
  assert.deepEqual(statuses, [204, 401], 'the probe was refused (401), the callback accepted (204)');
  for (const s of notifySpans) assert.notEqual(s.parentSpanContext?.spanId, CLIENT_SPAN, 'the callback continues the trace from the platform hop');
});

test('the same round trip with the real commands: `paysidecar platform`, `gateway` and `run`', async () => {
  const procs: CliProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'paysidecar-e2e-cli-'));
  try {
    const keysDir = join(dir, 'keys');
    const platformCli = runCli(['platform', '--listen', '127.0.0.1:0', '--keys-dir', keysDir, '--notify-time-scale', '0.001']);
    procs.push(platformCli);
    const platformUrl = await platformCli.url;
    const sidecarPort = await freePort();
    const sidecarUrl = `http://127.0.0.1:${sidecarPort}`;
    const gatewayCli = runCli(['gateway', '--listen', '127.0.0.1:0', '--platform', platformUrl, '--keys-dir', keysDir, '--notify-url', sidecarUrl]);
    procs.push(gatewayCli);
    const gatewayUrl = await gatewayCli.url;
    const run = runCli(['run', '--listen', `127.0.0.1:${sidecarPort}`, '--admin', '127.0.0.1:0', '--upstream', gatewayUrl, '--access-log', 'stdout', '--host-interval', '0', '--route', GATEWAY_ROUTE_TEMPLATES.join(',')]);
    procs.push(run);
    await waitFor('paysidecar run listening', () => run.lines.some((l) => l.includes('paysidecar started')), 15_000);

    const created = await request(`${sidecarUrl}/api/orders`, { method: 'POST', headers: { ...traced, 'content-type': 'application/json' }, body: JSON.stringify({ amount: 500, description: 'cli round trip', type: 'native' }) });
    assert.equal(created.status, 201, created.body);
    const no = json(created.body).out_trade_no as string;
    assert.equal((await request(`${platformUrl}/mock/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ out_trade_no: no }) })).status, 200);
    await waitFor('SUCCESS', async () => json((await request(`${sidecarUrl}/api/orders/${no}`, { headers: traced })).body).trade_state === 'SUCCESS', 10_000);

    const access = () => run.lines.map((l) => { try { return JSON.parse(l) as Record<string, any>; } catch { return {}; } }).filter((r) => r.route !== undefined);
    await waitFor('callback in the access log', () => access().some((r) => r.route === '/notify/wxpay' && r.status === 204), 5000);
    const seen = access();
    const order = seen.find((r) => r.route === '/api/orders' && r.method === 'POST');
    const callback = seen.find((r) => r.route === '/notify/wxpay' && r.status === 204);
    assert.equal(order?.trace_id, TRACE);
    assert.equal(callback?.trace_id, TRACE, 'the callback through the sidecar is in the order trace');
    const deliveries = json((await request(`${platformUrl}/mock/notifications?out_trade_no=${no}`)).body).deliveries;
    assert.equal(deliveries[0].url, `${sidecarUrl}/notify/wxpay`);
  } finally {
    for (const p of procs.reverse()) await p.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
