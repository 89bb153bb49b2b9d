/**
 * Untrusted callers never get stress treatment, whatever shape the markers take: header case,
 * duplicated headers, underscore spellings (which CGI-style apps read as the real header), stress
 * hidden in baggage (spaces, properties, percent-encoding, past the parser's member limit), a
 * forged `t-` trace id, and tokens that are expired, future-dated, forged, tampered with or
 * replayed for another scenario. Each is answered normally as prod traffic, reaches the upstream
 * with every marker gone, and is counted in paysidecar_stress_rejections_total by reason.
 * HTTP request-smuggling shapes are refused with 400 before anything is forwarded.
 * (The basic missing/forged/expired/other-scenario/malformed token cases live in
 * test/proxy/request-path.test.ts.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type TestUpstream } from '../helpers/upstream';
import { metricValue, request, startTestSidecar, type TestSidecar } from '../helpers/sidecar';
import { signStressToken, TOKEN_WINDOW_SECONDS } from '../../src/context/stress-token';
import { rawRequest } from './raw-http';

const SECRET = 'spoofing-suite-secret-4242424242';
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const now = () => Math.floor(Date.now() / 1000);
const MARKERS = /^(x[-_]test[-_]env|x[-_]stress[-_]token|x[-_]trace[-_]id)$/;

/** Raw header lines, so case and duplicates reach the sidecar exactly as written. */
type Shape = { name: string; lines: string[]; reason: string | null };

function tamperedTimestamp(): string {
  const [ts, mac] = signStressToken(SECRET, 'stress-v2').split('.');
  return `${Number(ts) + 1}.${mac}`;
}

const SHAPES: Shape[] = [
  { name: 'upper-case X-TEST-ENV without a token', lines: ['X-TEST-ENV: stress-v2'], reason: 'missing_token' },
  { name: 'mixed-case headers with a forged token', lines: ['x-TeSt-EnV: stress-v2', `X-STRESS-TOKEN: ${signStressToken('not-the-secret', 'stress-v2')}`], reason: 'bad_signature' },
  { name: 'X-Test-Env twice', lines: ['X-Test-Env: stress-v2', 'X-Test-Env: stress-v2'], reason: 'bad_scenario' },
  { name: 'a valid token sent twice', lines: ['X-Test-Env: stress-v2', `X-Stress-Token: ${signStressToken(SECRET, 'stress-v2')}`, `X-Stress-Token: ${signStressToken(SECRET, 'stress-v2')}`], reason: 'malformed_token' },
  { name: 'x_test_env (underscores)', lines: ['x_test_env: stress-v2'], reason: 'untrusted_peer' },
  { name: 'X_Stress_Token and X_Test_Env with a valid token', lines: ['X_Test_Env: stress-v2', `X_Stress_Token: ${signStressToken(SECRET, 'stress-v2')}`], reason: 'untrusted_peer' },
  { name: 'x-test_env (mixed separators)', lines: ['x-test_env: stress-v2'], reason: 'untrusted_peer' },
  { name: 'x_trace_id with a t- id', lines: [`x_trace_id: t-${TRACE}`], reason: 'untrusted_peer' },
  { name: 'a forged t- X-Trace-ID', lines: [`X-Trace-ID: t-${TRACE}`], reason: 'untrusted_peer' },
  { name: 'a forged t- X-Trace-ID next to a tr- one', lines: [`X-Trace-ID: tr-${TRACE}`, `X-Trace-ID: t-${TRACE}`], reason: null },
  { name: 'stress in baggage with spaces', lines: ['baggage: a=1 ,  stress =  stress-v2 '], reason: 'untrusted_peer' },
  { name: 'stress in baggage with properties', lines: ['baggage: a=b, stress=stress-v2;ttl=60'], reason: 'untrusted_peer' },
  { name: 'a percent-encoded stress key and value', lines: ['baggage: %73tress=%73tress-v2'], reason: 'untrusted_peer' },
  { name: 'stress in a second baggage header', lines: ['baggage: a=b', 'baggage: stress=stress-v2'], reason: 'untrusted_peer' },
  { name: 'stress past the 180 members a parser reads', lines: [`baggage: ${Array.from({ length: 200 }, (_, i) => `k${i}=v`).join(',')},stress=stress-v2`], reason: 'untrusted_peer' },
  { name: 'an empty stress member', lines: ['baggage: stress=,a=b'], reason: 'untrusted_peer' },
  { name: 'a stress member that does not decode', lines: ['baggage: stress=%ZZ,a=b'], reason: 'untrusted_peer' },
  { name: 'a token expired a second ago', lines: ['X-Test-Env: stress-v2', `X-Stress-Token: ${signStressToken(SECRET, 'stress-v2', now() - TOKEN_WINDOW_SECONDS - 1)}`], reason: 'expired_token' },
  { name: 'a token dated beyond the window ahead', lines: ['X-Test-Env: stress-v2', `X-Stress-Token: ${signStressToken(SECRET, 'stress-v2', now() + TOKEN_WINDOW_SECONDS + 60)}`], reason: 'expired_token' },
  { name: 'a valid MAC with its timestamp moved', lines: ['X-Test-Env: stress-v2', `X-Stress-Token: ${tamperedTimestamp()}`], reason: 'bad_signature' },
  { name: 'a token replayed for another scenario', lines: ['X-Test-Env: stress-v3', `X-Stress-Token: ${signStressToken(SECRET, 'stress-v2')}`], reason: 'bad_signature' },
  { name: 'a token in upper-case hex', lines: ['X-Test-Env: stress-v2', `X-Stress-Token: ${signStressToken(SECRET, 'stress-v2').toUpperCase()}`], reason: 'malformed_token' },
  // The MAC covers the number, so `00<ts>` verified too: one token, many spellings.
  { name: 'a valid token with its timestamp zero-padded', lines: ['X-Test-Env: stress-v2', `X-Stress-Token: 00${signStressToken(SECRET, 'stress-v2')}`], reason: 'malformed_token' },
  { name: 'a token with a trailing field', lines: ['X-Test-Env: stress-v2', `X-Stress-Token: ${signStressToken(SECRET, 'stress-v2')}.x`], reason: 'malformed_token' },
  { name: 'an empty token', lines: ['X-Test-Env: stress-v2', 'X-Stress-Token: '], reason: 'missing_token' },
  { name: 'a token signed with the secret as a prefix', lines: ['X-Test-Env: stress-v2', `X-Stress-Token: ${signStressToken(SECRET.slice(0, -1), 'stress-v2')}`], reason: 'bad_signature' },
];

describe('stress-marker spoofing from an untrusted peer', { timeout: 30_000 }, () => {
  let up: TestUpstream;
  let sc: TestSidecar;
  before(async () => {
    up = await startUpstream();
    sc = await startTestSidecar({ upstream: up.url.href, stressSecret: SECRET });
  });
  after(async () => {
    await sc.shutdown();
    await up.close();
  });

  for (const shape of SHAPES) {
    it(`treats ${shape.name} as prod, strips every marker and counts it`, async () => {
      const m0 = await sc.metricsText();
      const seen = up.seen.length;
      const r = await rawRequest(sc.proxyAddress.port, ['GET /api/orders HTTP/1.1', 'Host: a', ...shape.lines, 'Connection: close', '', ''].join('\r\n'));
      assert.equal(r.status, 200);
      assert.match(r.headers['x-trace-id'], /^tr-[0-9a-f]{32}$/);
      assert.equal(up.seen.length, seen + 1);
      const h = up.seen[seen].headers;
      for (const name of Object.keys(h)) assert.doesNotMatch(name, /^x[-_]test[-_]env$|^x[-_]stress[-_]token$/, `${name} reached the upstream`);
      assert.match(String(h['x-trace-id']), /^tr-[0-9a-f]{32}$/, 'only the sidecar\'s own X-Trace-ID goes upstream');
      assert.equal(Object.keys(h).filter((n) => MARKERS.test(n)).length, 1, 'no underscore marker left');
      assert.doesNotMatch(decodeURIComponent(String(h.baggage ?? '')), /(^|,)\s*stress\s*=/, 'no stress member left in baggage');
      if (shape.lines.some((l) => l.startsWith('baggage: a=b'))) assert.match(String(h.baggage), /a=b/, 'the rest of the baggage is kept');
      const m1 = await sc.metricsText();
      assert.equal(
        metricValue(m1, 'http_server_request_duration_count', { traffic: 'prod', http_response_status_code: '200' }),
        metricValue(m0, 'http_server_request_duration_count', { traffic: 'prod', http_response_status_code: '200' }) + 1,
      );
      assert.equal(metricValue(m1, 'http_server_request_duration_count', { traffic: 'stress' }), 0);
      if (shape.reason === null) {
        assert.equal(metricValue(m1, 'paysidecar_stress_rejections_total'), metricValue(m0, 'paysidecar_stress_rejections_total'), 'a tr- id first is not a stress claim');
      } else {
        assert.equal(
          metricValue(m1, 'paysidecar_stress_rejections_total', { reason: shape.reason }),
          metricValue(m0, 'paysidecar_stress_rejections_total', { reason: shape.reason }) + 1,
          `counted as ${shape.reason}`,
        );
      }
    });
  }

  it('still accepts the same marker shapes when they are legitimate (the suite is not passing by refusing everything)', async () => {
    const token = signStressToken(SECRET, 'stress-v2');
    const r = await rawRequest(sc.proxyAddress.port, ['GET /api/orders HTTP/1.1', 'Host: a', 'X-TEST-ENV: stress-v2', `x-stress-token: ${token}`, 'Connection: close', '', ''].join('\r\n'));
    assert.equal(r.status, 200);
    assert.match(r.headers['x-trace-id'], /^t-/);
    assert.equal(up.seen.at(-1)?.headers['x-test-env'], 'stress-v2');
  });

  for (const [name, payload] of [
    ['Content-Length with Transfer-Encoding', 'POST /api/orders HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n'],
    ['two different Content-Lengths', 'POST /api/orders HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcd'],
    ['Transfer-Encoding: chunked, identity', 'POST /api/orders HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\nConnection: close\r\n\r\n0\r\n\r\n'],
    ['a header with a bare CR in its value', 'GET /api/orders HTTP/1.1\r\nHost: a\r\nX-Evil: a\rX-Test-Env: stress-v2\r\nConnection: close\r\n\r\n'],
    ['an obsolete folded header line', 'GET /api/orders HTTP/1.1\r\nHost: a\r\nX-Test-Env: prod\r\n stress-v2\r\nConnection: close\r\n\r\n'],
  ] as const) {
    it(`refuses a request-smuggling shape (${name}) with 400 before forwarding, and counts it`, async () => {
      const before = metricValue(await sc.metricsText(), 'paysidecar_client_errors_total', { error_type: 'bad_request' });
      const seen = up.seen.length;
      const r = await rawRequest(sc.proxyAddress.port, payload);
      assert.equal(r.status, 400);
      assert.equal(JSON.parse(r.body).code, 'PAYSIDECAR_BAD_REQUEST');
      assert.equal(up.seen.length, seen, 'nothing reached the upstream');
      assert.equal(metricValue(await sc.metricsText(), 'paysidecar_client_errors_total', { error_type: 'bad_request' }), before + 1);
    });
  }

  it('never opens a tunnel for CONNECT, and never lets an absolute-form request pick the upstream', async () => {
    const seen = up.seen.length;
    const connect = await rawRequest(sc.proxyAddress.port, 'CONNECT 169.254.169.254:80 HTTP/1.1\r\nHost: 169.254.169.254:80\r\n\r\n', 2000);
    assert.notEqual(connect.status, 200, 'no tunnel');
    assert.equal(up.seen.length, seen);
    const abs = await rawRequest(sc.proxyAddress.port, 'GET http://169.254.169.254/latest/meta-data HTTP/1.1\r\nHost: 169.254.169.254\r\nConnection: close\r\n\r\n');
    assert.equal(abs.status, 200, 'answered by the configured upstream');
    assert.equal(up.seen.at(-1)?.url, '/latest/meta-data');
    assert.equal(metricValue(await sc.metricsText(), 'http_server_request_duration_count', { http_route: '/{unmatched}', traffic: 'prod' }) >= 1, true);
  });
});
