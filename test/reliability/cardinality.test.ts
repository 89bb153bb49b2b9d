/**
 * Label values come from fixed sets whatever clients send. test/proxy/streaming.test.ts sends 10k
 * random paths and checks the route label; here every method node's parser accepts, random
 * paths, random trace ids, random scenarios and random status codes from the upstream go through
 * together, and the request series stay a small, fixed product of known values.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startUpstream, type TestUpstream } from '../helpers/upstream';
import { metricValue, startTestSidecar, type TestSidecar } from '../helpers/sidecar';
import { KNOWN_METHODS, METHOD_OTHER } from '../../src/telemetry/names';

const N = 3000;
const STATUSES = [200, 201, 204, 404, 409, 500, 503];

describe('series cardinality under hostile variety', { timeout: 60_000 }, () => {
  let up: TestUpstream;
  let sc: TestSidecar;
  before(async () => {
    up = await startUpstream((req, res) => {
      res.writeHead(STATUSES[Number(req.headers['x-pick'] ?? 0) % STATUSES.length]);
      res.end();
    });
    sc = await startTestSidecar({ upstream: up.url.href });
  });
  after(async () => {
    await sc.shutdown();
    await up.close();
  });

  it(`keeps method, route, status and traffic labels bounded across ${N} requests of random shape`, async () => {
    // CONNECT opens tunnels, not requests; every other method node's parser accepts is fair game.
    const methods = http.METHODS.filter((m) => m !== 'CONNECT');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const rand = (n: number) => Math.floor(Math.random() * n);
    let sent = 0;
    for (let i = 0; i < N; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) => {
          const k = i + j;
          const method = methods[k % methods.length];
          const path = `/${Math.random().toString(36).slice(2)}/${k}${k % 3 === 0 ? `/v3/pay/transactions/id/${k}` : ''}?q=${k}`;
          const headers: Record<string, string> = {
            'x-pick': String(rand(1000)),
            traceparent: `00-${[...Array(32)].map(() => rand(16).toString(16)).join('')}-${[...Array(16)].map(() => rand(16).toString(16)).join('')}-01`,
            'x-test-env': `scenario-${rand(1e6)}`,
            baggage: `stress=s${rand(1e6)},user=${rand(1e6)}`,
          };
          return new Promise<void>((resolve) => {
            const req = http.request(`${sc.base}${path}`, { method, agent, headers }, (res) => res.resume().on('end', resolve));
            req.on('error', () => resolve());
            req.end();
            sent++;
          });
        }),
      );
    }
    agent.destroy();
    const m = await sc.metricsText();
    const lines = m.split('\n').filter((l) => l.startsWith('http_server_request_duration_count{'));
    const label = (name: string) => new Set(lines.map((l) => new RegExp(`${name}="([^"]*)"`).exec(l)?.[1]));
    const allowedMethods = new Set<string | undefined>([...KNOWN_METHODS, METHOD_OTHER]);
    for (const v of label('http_request_method')) assert.ok(allowedMethods.has(v), `method label ${v}`);
    assert.ok(label('http_request_method').has(METHOD_OTHER), 'non-standard methods fold into _OTHER');
    assert.deepEqual([...label('traffic')], ['prod'], 'random scenarios from an untrusted peer never make a stress series');
    assert.ok(label('http_route').size <= 3, `routes: ${[...label('http_route')].join(' ')}`);
    for (const s of label('http_response_status_code')) assert.ok(STATUSES.includes(Number(s)), `status ${s}`);
    // methods (≤ 10) × routes (≤ 3) × statuses (7) × error.type (≤ 2): far below the 2000 the SDK allows per instrument.
    assert.ok(lines.length <= 10 * 3 * STATUSES.length * 2, `${lines.length} duration series`);
    assert.equal(metricValue(m, 'http_server_request_duration_count'), sent, 'every request counted once');
    assert.doesNotMatch(m, /otel_metric_overflow/);
    assert.ok(metricValue(m, 'paysidecar_stress_rejections_total') >= N, 'each stress claim was refused and counted');
  });
});
