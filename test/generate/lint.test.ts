/** The lint helpers catch what they exist to catch; otherwise the dashboard tests could pass vacuously. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { knownSeries, seriesIn, unaggregatedRates, windows } from './lint';

test('unaggregatedRates flags a bare rate and a rate only wrapped in a non-aggregating function', () => {
  assert.equal(unaggregatedRates('rate(x_total[5m])'), 1);
  assert.equal(unaggregatedRates('label_replace(rate(x_total[5m]), "a", "$1", "b", "(.*)")'), 1);
  assert.equal(unaggregatedRates('rate(a[1m]) / sum(rate(b[1m]))'), 1);
  assert.equal(unaggregatedRates('sum(rate(x_total[5m]))'), 0);
  assert.equal(unaggregatedRates('sum by (job, le) (rate(x_bucket{a="("}[5m]))'), 0);
  assert.equal(unaggregatedRates('histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))'), 0);
  assert.equal(unaggregatedRates('sum by (c) (label_replace(rate(x[1m]), "c", "${1}xx", "s", "([0-9])..")) or on() vector(0)'), 0);
});

test('seriesIn finds selected series and skips functions, labels, strings and keywords', () => {
  assert.deepEqual(seriesIn('sum by (job) (rate(foo_total{a="b c"}[5m])) / on (job) bar or on() vector(0)'), ['foo_total', 'bar']);
  assert.deepEqual(seriesIn('job_traffic:x:rate5m{traffic="prod"} > 0.05 and on (job, traffic) y > 2'), ['job_traffic:x:rate5m', 'y']);
  assert.deepEqual(seriesIn('absent(up{job=~"a"})'), ['up']);
  assert.deepEqual(seriesIn('sum by (job) (x_total{a="b"} unless x_total{a="b"} offset 10m)'), ['x_total', 'x_total']);
});

test('windows lists range selectors; knownSeries includes histogram suffixes and counter _total', () => {
  assert.deepEqual(windows('sum(rate(a[5m])) + sum(rate(b{x="[y]"}[$__rate_interval]))'), ['5m', '$__rate_interval']);
  const known = knownSeries();
  assert.ok(known.has('http_server_request_duration_bucket'));
  assert.ok(known.has('paysidecar_upstream_errors_total'));
  assert.ok(known.has('nodejs_eventloop_delay_p99'));
  assert.ok(!known.has('http_server_request_duration_seconds_bucket'));
});
