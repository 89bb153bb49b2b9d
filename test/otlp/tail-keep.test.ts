/**
 * Failed requests are always kept: at a head sampling ratio of 0.01, every failing request's
 * sidecar span reaches the collector (500, upstream reset, timeout, client abort), counted in
 * paysidecar_trace_spans_kept_failed_total, while successes stay sampled at the ratio and the
 * sampled flag sent upstream is the head sampler's.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startReceiver } from './receiver';
import { startUpstream } from '../helpers/upstream';
import { metricValue, request, startTestSidecar } from '../helpers/sidecar';

process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
process.env.OTEL_BSP_EXPORT_TIMEOUT = '1000';

const SUCCESSES = 60;

describe('tail keep: failed requests are exported whatever the head sampler said', { timeout: 30_000 }, () => {
  it('at --trace-sample-ratio 0.01 every failure has its span exported, successes stay at the ratio', async () => {
    const receiver = await startReceiver();
    const up = await startUpstream((req, res) => {
      if (req.url === '/api/orders/fail') return void res.writeHead(500).end('boom');
      if (req.url === '/api/orders/reset') return void res.socket?.destroy();
      if (req.url === '/api/orders/slow') return void setTimeout(() => res.end('late'), 3000).unref();
      res.end('ok');
    });
    const sc = await startTestSidecar({ upstream: up.url.href, otlpEndpoint: receiver.url, traceSampleRatio: 0.01, upstreamTimeout: '300ms' });
    try {
      const ids = new Map<string, string>();
      const idOf = (r: { headers: http.IncomingHttpHeaders }) => String(r.headers['x-trace-id']).slice(3);
      for (const kind of ['fail', 'reset', 'slow']) {
        const r = await request(`${sc.base}/api/orders/${kind}`);
        assert.equal(r.status, { fail: 500, reset: 502, slow: 504 }[kind]);
        ids.set(kind, idOf(r));
      }
      // A client that leaves before the answer: the sidecar records 499 client_aborted.
      const aborted = await new Promise<string>((resolve, reject) => {
        const req = http.get(`${sc.base}/api/orders/slow`, { agent: false });
        req.on('error', () => undefined);
        req.on('socket', () => setTimeout(() => req.destroy(), 100));
        req.on('close', () => resolve(''));
        setTimeout(() => reject(new Error('abort did not close')), 5000).unref();
      });
      assert.equal(aborted, '');
      const successIds = new Set<string>();
      for (let i = 0; i < SUCCESSES; i++) successIds.add(idOf(await request(`${sc.base}/api/orders/ok${i}`)));

      const deadline = Date.now() + 10_000;
      const failedSpans = () => receiver.spans.filter((s) => s.attributes['error.type'] !== undefined);
      while (failedSpans().length < 4 && Date.now() < deadline) await sleep(100);
      const failed = failedSpans();
      for (const [kind, id] of ids) assert.ok(failed.some((s) => s.traceId === id), `the ${kind} request's span was exported`);
      const abortSpan = failed.find((s) => s.attributes['error.type'] === 'client_aborted');
      assert.ok(abortSpan, 'the client abort was exported');
      assert.equal(abortSpan.attributes['http.response.status_code'], 499);
      assert.equal(failed.length, 4, 'one span per failed request');

      const exportedSuccesses = receiver.spans.filter((s) => successIds.has(s.traceId)).length;
      // Binomial(60, 0.01): more than 8 has a probability below 1e-7.
      assert.ok(exportedSuccesses <= 8, `${exportedSuccesses} of ${SUCCESSES} successes exported at ratio 0.01`);

      // Each failed request was kept by the tail rule unless the head sampler happened to sample it;
      // the upstream saw the head decision in its traceparent, not the tail one.
      const failurePaths = new Set(['/api/orders/fail', '/api/orders/reset', '/api/orders/slow']);
      const failuresSeen = up.seen.filter((s) => failurePaths.has(s.url));
      assert.equal(failuresSeen.length, 4);
      const headSampled = failuresSeen.filter((s) => String(s.headers.traceparent).split('-')[3] === '01').length;
      assert.equal(metricValue(await sc.metricsText(), 'paysidecar_trace_spans_kept_failed_total'), 4 - headSampled);
    } finally {
      await sc.shutdown();
      await up.close();
      await receiver.close();
    }
  });
});
