/**
 * `bench merge`: sums the runs of a distributed bench (N workers, one JSON each) into the report
 * one run over all their samples would give. Histograms are added bucket by bucket, so every
 * percentile is exact; timelines are aligned on each run's start, to the nearest second.
 */
import type { Histogram } from 'hdr-histogram-js';
import { decodeHistogram, newLatencyHistogram } from './histogram';
import { buildReport, round, type Aggregate, type BenchReport, type RunMeta, type RunRef, type TimelinePoint, type TraceRef } from './report';
import { encodeHistogram } from './histogram';
import type { Thresholds } from './verdict';

function addInto(target: Record<string, number>, src: Record<string, number>): void {
  for (const [k, v] of Object.entries(src)) target[k] = (target[k] ?? 0) + v;
}

function same<T>(values: T[]): T | undefined {
  return values.every((v) => v === values[0]) ? values[0] : undefined;
}

function runsOf(r: BenchReport): RunRef[] {
  return r.runs ?? [{ label: r.label, startedAt: r.startedAt, durationSeconds: r.durationSeconds, requests: r.requests, rps: r.rps }];
}

function mergedMeta(reports: BenchReport[]): RunMeta {
  const labels = reports.map((r) => r.label);
  const mode = same(reports.map((r) => r.mode)) ?? 'open';
  const traffic = same(reports.map((r) => r.traffic)) ?? 'mixed';
  const meta: RunMeta = {
    label: `merge of ${reports.length} runs (${labels.join(', ')})`,
    mode,
    target: same(reports.map((r) => r.target)) ?? [...new Set(reports.map((r) => r.target))].join(' + '),
    traffic,
    connections: reports.reduce((s, r) => s + r.connections, 0),
  };
  const scenario = same(reports.map((r) => r.scenario));
  if (scenario) meta.scenario = scenario;
  if (reports.every((r) => r.rate !== undefined)) meta.rate = reports.reduce((s, r) => s + (r.rate ?? 0), 0);
  if (mode === 'ramp' && reports.every((r) => r.ramp)) {
    const first = reports[0].ramp!;
    meta.ramp = {
      from: reports.reduce((s, r) => s + r.ramp!.from, 0),
      to: reports.reduce((s, r) => s + r.ramp!.to, 0),
      durationSeconds: first.durationSeconds,
      steps: first.steps,
    };
  }
  return meta;
}

function percentile(h: Histogram, q: number): number {
  return h.totalCount > 0 ? Math.round(h.getValueAtPercentile(q)) / 1000 : 0;
}

function mergeTimelines(reports: BenchReport[], startMs: number[], minStart: number): TimelinePoint[] {
  const slots = new Map<number, { point: TimelinePoint; h: Histogram; target: boolean }>();
  reports.forEach((r, i) => {
    const offset = Math.round((startMs[i] - minStart) / 1000);
    for (const p of r.timeline) {
      const t = p.t + offset;
      let slot = slots.get(t);
      if (!slot) {
        slot = { point: { t, seconds: 0, requests: 0, errors: 0, latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 }, concurrency: 0, histogram: '' }, h: newLatencyHistogram(), target: true };
        slots.set(t, slot);
      }
      slot.point.seconds = Math.max(slot.point.seconds, p.seconds);
      slot.point.requests += p.requests;
      slot.point.errors += p.errors;
      // Runs overlap in time, so their in-flight counts and offered rates add up.
      slot.point.concurrency = round(slot.point.concurrency + p.concurrency, 2);
      if (p.targetRate === undefined) slot.target = false;
      else slot.point.targetRate = (slot.point.targetRate ?? 0) + p.targetRate;
      const h = decodeHistogram(p.histogram);
      slot.h.add(h);
      h.destroy();
    }
  });
  return [...slots.values()]
    .sort((a, b) => a.point.t - b.point.t)
    .map(({ point, h, target }) => {
      point.latencyMs = { p50: percentile(h, 50), p90: percentile(h, 90), p99: percentile(h, 99), max: percentile(h, 100) };
      point.histogram = encodeHistogram(h);
      if (!target) delete point.targetRate;
      return point;
    });
}

export function mergeReports(reports: BenchReport[], thresholds: Thresholds): BenchReport {
  if (reports.length === 0) throw new Error('bench merge: no reports given');
  const startMs = reports.map((r) => Date.parse(r.startedAt));
  const minStart = Math.min(...startMs);
  const maxEnd = Math.max(...reports.map((r, i) => startMs[i] + r.durationSeconds * 1000));
  const spanSeconds = (maxEnd - minStart) / 1000;

  const histogram = newLatencyHistogram();
  const statusCodes: Record<string, number> = {};
  const transportErrors: Record<string, number> = {};
  const operations: Aggregate['operations'] = {};
  let concurrencyTime = 0;
  for (const r of reports) {
    const h = decodeHistogram(r.histogram);
    histogram.add(h);
    h.destroy();
    addInto(statusCodes, r.statusCodes);
    addInto(transportErrors, r.transportErrors);
    concurrencyTime += r.concurrency.mean * r.durationSeconds;
    for (const [name, op] of Object.entries(r.operations)) {
      const into = (operations[name] ??= { requests: 0, errors: 0, histogram: newLatencyHistogram() });
      into.requests += op.requests;
      into.errors += op.errors;
      const oh = decodeHistogram(op.histogram);
      into.histogram.add(oh);
      oh.destroy();
    }
  }

  const meta = mergedMeta(reports);
  const totalRequests = reports.reduce((s, r) => s + r.requests, 0);
  const allSlowest: TraceRef[] = reports.flatMap((r) => r.traces.slowest).sort((a, b) => b.latencyMs - a.latencyMs);
  const agg: Aggregate = {
    meta,
    tool: reports[0].tool,
    startedAtMs: minStart,
    durationSeconds: spanSeconds,
    requests: totalRequests,
    errors: reports.reduce((s, r) => s + r.errors, 0),
    histogram,
    statusCodes,
    transportErrors,
    meanConcurrency: spanSeconds > 0 ? concurrencyTime / spanSeconds : 0,
    meanSendLagMs: totalRequests > 0 ? reports.reduce((s, r) => s + r.sendLagMs * r.requests, 0) / totalRequests : 0,
    operations,
    traces: { sample: reports.flatMap((r) => r.traces.sample.slice(0, 2)).slice(0, 10), slowest: allSlowest.slice(0, 5) },
    runs: reports.flatMap(runsOf),
    timeline: mergeTimelines(reports, startMs, minStart),
  };
  const stepCounts = reports.map((r) => r.steps?.length ?? 0);
  if (stepCounts[0] > 0 && stepCounts.every((c) => c === stepCounts[0])) {
    agg.steps = reports[0].steps!.map((_, i) => {
      const h = newLatencyHistogram();
      let requests = 0;
      let errors = 0;
      let rate = 0;
      for (const r of reports) {
        const s = r.steps![i];
        const sh = decodeHistogram(s.histogram);
        h.add(sh);
        sh.destroy();
        requests += s.requests;
        errors += s.errors;
        rate += s.rate;
      }
      return { rate: round(rate, 2), durationSeconds: reports[0].steps![i].durationSeconds, requests, errors, histogram: h };
    });
  }
  return buildReport(agg, thresholds);
}
