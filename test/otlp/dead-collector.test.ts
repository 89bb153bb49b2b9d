import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSpanExport } from '../../src/telemetry/otlp';
import { closedPort, startReceiver } from './receiver';
import { providerFor } from './tracer';
import { startMetricsEndpoint, samples, sum } from '../host/metrics-endpoint';
import { captureLogger } from '../host/capture-logger';

const SPANS = 2000;

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('a dead collector costs nothing but the dropped counter: span.end never waits, shutdown is bounded', async (t) => {
  const metrics = await startMetricsEndpoint();
  t.after(() => metrics.close());
  const log = captureLogger();
  const port = await closedPort();
  const exp = createSpanExport(
    { endpoint: `http://127.0.0.1:${port}`, logger: log, flushTimeoutMs: 1000 },
    {
      OTEL_BSP_MAX_QUEUE_SIZE: '100',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '50',
      OTEL_BSP_SCHEDULE_DELAY: '10',
      OTEL_EXPORTER_OTLP_TIMEOUT: '300',
    },
    metrics.meter,
  );
  const { tracer, provider } = providerFor(exp);

  const took: number[] = [];
  const started = performance.now();
  for (let i = 0; i < SPANS; i++) {
    const span = tracer.startSpan('GET /v1/orders/{id}', { attributes: { i } });
    const t0 = performance.now();
    span.end();
    took.push(performance.now() - t0);
  }
  const loopMs = performance.now() - started;
  // Checked before anything is awaited: no export has finished (nor could have), so span.end
  // cannot have been waiting on one.
  assert.equal(log.logged.length, 0, 'no export result yet when the loop is done');
  took.sort((a, b) => a - b);
  const p99 = took[Math.floor(SPANS * 0.99)];
  assert.ok(p99 < 5, `p99 span.end ${p99.toFixed(3)} ms`);
  assert.ok(loopMs < 2000, `${SPANS} spans took ${loopMs.toFixed(0)} ms`);

  // Every sampled span is accounted for: dropped on a full queue or lost with a failed export.
  const dropped = async () => sum((await metrics.scrape()).text, 'paysidecar_trace_spans_dropped_total');
  await until(async () => (await dropped()) >= SPANS - 100, 5000, 'failed exports to be counted');
  const shutdownStarted = performance.now();
  await provider.shutdown();
  const shutdownMs = performance.now() - shutdownStarted;
  assert.ok(shutdownMs < 2500, `shutdown took ${shutdownMs.toFixed(0)} ms`);
  await until(async () => (await dropped()) === SPANS, 3000, 'every span to be counted');

  const { text } = await metrics.scrape();
  const queueFull = sum(text, 'paysidecar_trace_spans_dropped_total', { reason: 'queue_full' });
  const exportFailed = sum(text, 'paysidecar_trace_spans_dropped_total', { reason: 'export_failed' });
  assert.ok(queueFull > 0, 'a full queue drops instead of growing');
  assert.ok(exportFailed > 0, 'failed exports are counted');
  assert.equal(queueFull + exportFailed, SPANS);
  assert.equal(samples(text, 'paysidecar_trace_spans_exported_total').reduce((a, s) => a + s.value, 0), 0);

  const warnings = log.logged.filter((l) => l.level === 'warn');
  assert.equal(warnings.length, 1, 'one line when export starts failing, not one per batch');
  assert.equal(warnings[0].obj.endpoint, `http://127.0.0.1:${port}/v1/traces`);
});

test('a collector answering 400 counts the batch as export_failed; failure and recovery are logged once each', async (t) => {
  const metrics = await startMetricsEndpoint();
  const bad = await startReceiver({ status: 400 });
  t.after(async () => {
    await bad.close();
    await metrics.close();
  });
  const log = captureLogger();
  const exp = createSpanExport({ endpoint: bad.url, logger: log }, { OTEL_BSP_SCHEDULE_DELAY: '10' }, metrics.meter);
  const { tracer, provider } = providerFor(exp);
  tracer.startSpan('a').end();
  tracer.startSpan('b').end();
  await provider.forceFlush();
  const { text } = await metrics.scrape();
  assert.equal(sum(text, 'paysidecar_trace_spans_dropped_total', { reason: 'export_failed' }), 2);
  assert.equal(log.logged.filter((l) => l.level === 'warn').length, 1);

  bad.setStatus(200);
  tracer.startSpan('c').end();
  await provider.forceFlush();
  tracer.startSpan('d').end();
  await provider.forceFlush();
  const after = (await metrics.scrape()).text;
  assert.equal(sum(after, 'paysidecar_trace_spans_exported_total'), 2);
  assert.deepEqual(bad.spans.map((s) => s.name), ['c', 'd']);
  assert.equal(log.logged.filter((l) => l.level === 'info' && l.msg.includes('recovered')).length, 1);
  await provider.shutdown();
});

test('credentials in the endpoint URL never reach the log', () => {
  const exp = createSpanExport({ endpoint: 'https://user:hunter2@collector.example:4318' }, {});
  assert.equal(exp.endpoint, 'https://redacted@collector.example:4318/v1/traces');
  void exp.shutdown();
});
