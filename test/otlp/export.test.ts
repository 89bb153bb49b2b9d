import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { createSpanExport } from '../../src/telemetry/otlp';
import { SPAN_ATTR_TRAFFIC, TRAFFIC_STRESS } from '../../src/telemetry/names';
import { startReceiver, type Receiver } from './receiver';
import { providerFor } from './tracer';
import { startMetricsEndpoint, one, type MetricsEndpoint } from '../host/metrics-endpoint';

let receiver: Receiver;
let metrics: MetricsEndpoint;
before(async () => {
  receiver = await startReceiver();
  metrics = await startMetricsEndpoint();
});
after(async () => {
  await receiver.close();
  await metrics.close();
});

test('spans reach an OTLP/HTTP receiver with parent/child links, attributes and the resource intact', async () => {
  const env = {
    K8S_POD_NAME: 'pay-7d9f-abcde',
    POD_NAMESPACE: 'payments',
    NODE_NAME: 'node-a',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=staging,team=pay%20core',
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cret,x-tenant=acme',
    OTEL_BSP_SCHEDULE_DELAY: '20',
  };
  const exp = createSpanExport({ endpoint: receiver.url, serviceName: 'paysidecar', serviceVersion: '1.2.3', instanceId: 'inst-1' }, env, metrics.meter);
  assert.ok(exp.processor, 'an endpoint gives a processor');
  assert.equal(exp.endpoint, `${receiver.url}/v1/traces`);
  const { tracer, provider } = providerFor(exp);

  const parent = tracer.startSpan('POST /v3/pay/transactions/jsapi', {
    kind: SpanKind.SERVER,
    attributes: { [SPAN_ATTR_TRAFFIC]: TRAFFIC_STRESS, 'http.request.method': 'POST', 'http.route': '/v3/pay/transactions/jsapi' },
  });
  const child = tracer.startSpan('POST upstream', { kind: SpanKind.CLIENT, attributes: { 'server.port': 8080 } }, trace.setSpan(ROOT_CONTEXT, parent));
  child.end();
  parent.end();

  const spans = await receiver.waitForSpans(2);
  await provider.shutdown();
  const p = spans.find((s) => s.name === 'POST /v3/pay/transactions/jsapi')!;
  const c = spans.find((s) => s.name === 'POST upstream')!;
  assert.equal(c.traceId, p.traceId);
  assert.equal(c.traceId, parent.spanContext().traceId);
  assert.equal(c.parentSpanId, p.spanId);
  assert.equal(p.parentSpanId, undefined);
  assert.equal(p.kind, 2, 'SPAN_KIND_SERVER');
  assert.equal(c.kind, 3, 'SPAN_KIND_CLIENT');
  assert.equal(p.attributes[SPAN_ATTR_TRAFFIC], 'stress');
  assert.equal(p.attributes['http.route'], '/v3/pay/transactions/jsapi');
  assert.equal(c.attributes['server.port'], 8080);

  assert.equal(p.resource['service.name'], 'paysidecar');
  assert.equal(p.resource['service.version'], '1.2.3');
  assert.equal(p.resource['service.instance.id'], 'inst-1');
  assert.equal(p.resource['k8s.pod.name'], 'pay-7d9f-abcde');
  assert.equal(p.resource['k8s.namespace.name'], 'payments');
  assert.equal(p.resource['k8s.node.name'], 'node-a');
  assert.equal(p.resource['deployment.environment'], 'staging');
  assert.equal(p.resource['team'], 'pay core');
  assert.equal(p.resource['telemetry.sdk.language'], 'nodejs');

  const req = receiver.requests.at(-1)!;
  assert.equal(req.path, '/v1/traces');
  assert.equal(req.headers.authorization, 'Bearer s3cret');
  assert.equal(req.headers['x-tenant'], 'acme');

  const { text } = await metrics.scrape();
  assert.equal(one(text, 'paysidecar_trace_spans_exported_total'), 2);
});

test('OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/traces appended; _TRACES_ENDPOINT is used as given; the flag wins over both', async () => {
  const cases: [Parameters<typeof createSpanExport>[0], NodeJS.ProcessEnv, string][] = [
    [{}, { OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/otlp` }, '/otlp/v1/traces'],
    [{}, { OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/`, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/custom/traces` }, '/custom/traces'],
    [{ endpoint: new URL(`${receiver.url}/collector/v1/traces`) }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' }, '/collector/v1/traces'],
  ];
  for (const [opts, env, path] of cases) {
    const exp = createSpanExport(opts, { ...env, OTEL_BSP_SCHEDULE_DELAY: '10' });
    const { tracer, provider } = providerFor(exp);
    const before = receiver.spans.length;
    tracer.startSpan('probe').end();
    await receiver.waitForSpans(before + 1);
    await provider.shutdown();
    assert.equal(receiver.requests.at(-1)!.path, path, JSON.stringify(env));
  }
});

test('no endpoint: no exporter and no processor, but a sampler and resource for trace ids', () => {
  const exp = createSpanExport({ serviceName: 'paysidecar' }, {});
  assert.equal(exp.processor, undefined);
  assert.equal(exp.endpoint, undefined);
  assert.equal(exp.resource.attributes['service.name'], 'paysidecar');
  const { tracer } = providerFor(exp);
  const span = tracer.startSpan('x');
  assert.match(span.spanContext().traceId, /^[0-9a-f]{32}$/);
  span.end();
});

test('OTEL_TRACES_EXPORTER=none and OTEL_SDK_DISABLED=true turn export off even with an endpoint', () => {
  assert.equal(createSpanExport({}, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_EXPORTER: 'none' }).processor, undefined);
  assert.equal(createSpanExport({ endpoint: receiver.url }, { OTEL_SDK_DISABLED: 'true' }).processor, undefined);
});

test('OTEL_SERVICE_NAME beats OTEL_RESOURCE_ATTRIBUTES, which beats --service-name', () => {
  const both = createSpanExport({ serviceName: 'flag' }, { OTEL_SERVICE_NAME: 'env', OTEL_RESOURCE_ATTRIBUTES: 'service.name=attrs' });
  assert.equal(both.resource.attributes['service.name'], 'env');
  const attrs = createSpanExport({ serviceName: 'flag' }, { OTEL_RESOURCE_ATTRIBUTES: 'service.name=attrs' });
  assert.equal(attrs.resource.attributes['service.name'], 'attrs');
  const flag = createSpanExport({ serviceName: 'flag' }, {});
  assert.equal(flag.resource.attributes['service.name'], 'flag');
  assert.match(String(flag.resource.attributes['service.instance.id']), /^[0-9a-f-]{36}$/);
});
