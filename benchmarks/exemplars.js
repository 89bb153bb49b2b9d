#!/usr/bin/env node
// What exemplars cost, in one run, alternating A B A B so the machine's noise hits both alike:
//   per request: the record stage's histogram.record() alone (A) against record() + the exemplar
//   offer() (B), over the same 40 series and realistic durations;
//   per scrape: the Prometheus text (A) against the same text rewritten as OpenMetrics with
//   exemplars (B), for an exposition holding those series.
//   node benchmarks/exemplars.js [--rounds 6] [--requests 200000]
// Needs `npm run build` first. Prints ns per request, ms per scrape, and the same-run ratios.
'use strict';
const { join } = require('node:path');
const dist = join(__dirname, '..', 'dist', 'src');
const { createMetrics } = require(join(dist, 'telemetry', 'metrics'));
const { toOpenMetrics } = require(join(dist, 'telemetry', 'exemplars', 'openmetrics'));
const { exemplarRank } = require(join(dist, 'telemetry', 'exemplars', 'request-exemplars'));

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return Number(i >= 0 ? args[i + 1] : def);
};
const rounds = opt('rounds', 30);
const requests = opt('requests', 50_000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const metrics = createMetrics('bench');
const histogram = metrics.meter.createHistogram('http.server.request.duration', { unit: 's' });
const store = metrics.requestExemplars;
const routes = ['/v3/pay/transactions/native', '/api/orders', '/api/orders/{out_trade_no}', '/notify/wxpay', '/api/accounts/{id}'];
const series = [];
for (const route of routes) for (const status of [200, 201, 404, 500]) for (const traffic of ['prod', 'stress']) series.push({ route, status, traffic, method: status === 201 ? 'POST' : 'GET' });
const hex = (n) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
// Ids and durations made up front: the request path already holds them when it records.
const ids = Array.from({ length: 1024 }, () => [hex(32), hex(16)]);
const durations = Float64Array.from({ length: 4096 }, () => Math.exp(Math.log(0.004) + Math.random() * 5));

const epochMs = Date.now();
// Two copies of one loop, so neither shares the other's JIT feedback.
const runA = () => run(false);
const runB = () => runWith();
function runWith() {
  const start = process.hrtime.bigint();
  for (let i = 0; i < requests; i++) {
    const s = series[i % series.length];
    const errorType = s.status >= 500 ? '500' : undefined;
    const attrs = { 'http.request.method': s.method, 'http.response.status_code': s.status, 'http.route': s.route, traffic: s.traffic };
    if (errorType) attrs['error.type'] = errorType;
    const seconds = durations[i & 4095];
    histogram.record(seconds, attrs);
    const pair = ids[i & 1023];
    store.offer(s.route, s.status, s.method, s.traffic, errorType ?? '', seconds, pair[0], pair[1], epochMs + i * 0.01, exemplarRank(i % 100 === 0 ? 1 : 0, errorType !== undefined, true));
  }
  return Number(process.hrtime.bigint() - start) / requests;
}
function run() {
  const start = process.hrtime.bigint();
  for (let i = 0; i < requests; i++) {
    const s = series[i % series.length];
    const errorType = s.status >= 500 ? '500' : undefined;
    const attrs = { 'http.request.method': s.method, 'http.response.status_code': s.status, 'http.route': s.route, traffic: s.traffic };
    if (errorType) attrs['error.type'] = errorType;
    const seconds = durations[i & 4095];
    histogram.record(seconds, attrs);
  }
  return Number(process.hrtime.bigint() - start) / requests;
}

async function main() {
  runA();
  runB();
  const a = [];
  const b = [];
  for (let r = 0; r < rounds; r++) {
    a.push(runA());
    b.push(runB());
  }
  const text = await metrics.exposition();
  const scrapeA = [];
  const scrapeB = [];
  const sources = metrics.exemplarSources;
  for (let r = 0; r < rounds * 5; r++) {
    let t = process.hrtime.bigint();
    await metrics.exposition();
    scrapeA.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    toOpenMetrics(await metrics.exposition(), sources);
    scrapeB.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const om = toOpenMetrics(text, sources);
  const withExemplar = om.split('\n').filter((l) => l.includes(' # {trace_id=')).length;
  console.log(`node ${process.version}, ${series.length} series, ${requests} requests per round, ${rounds} rounds (A B A B)`);
  console.log(`per request   record() ${median(a).toFixed(0)} ns   record() + exemplar offer() ${median(b).toFixed(0)} ns   ratio B/A ${(median(b) / median(a)).toFixed(3)}  (offer ≈ ${(median(b) - median(a)).toFixed(0)} ns)`);
  console.log(`per scrape    Prometheus text ${median(scrapeA).toFixed(2)} ms   OpenMetrics + exemplars ${median(scrapeB).toFixed(2)} ms   ratio B/A ${(median(scrapeB) / median(scrapeA)).toFixed(3)}  (${(text.length / 1024).toFixed(0)} KiB, ${withExemplar} bucket lines with an exemplar)`);
  await metrics.shutdown();
}
main();
