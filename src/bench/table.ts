/** The end-of-run text report: plain text (no escape codes), one aligned section per concern. */
import type { BenchReport } from './report';
import { pct } from './verdict';

function columns(rows: string[][], indent = '  '): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 2))).join('').trimEnd()).join('\n');
}

const n = (x: number, digits = 2): string => (Number.isInteger(x) ? String(x) : x.toFixed(digits));

export function describeMode(r: Pick<BenchReport, 'mode' | 'rate' | 'ramp' | 'connections'>): string {
  switch (r.mode) {
    case 'open':
      return `open loop at ${n(r.rate ?? 0)} rps (latency from intended send time), up to ${r.connections} connections`;
    case 'ramp':
      return r.ramp
        ? `ramp ${n(r.ramp.from)} → ${n(r.ramp.to)} rps in ${r.ramp.steps} steps over ${n(r.ramp.durationSeconds)} s, up to ${r.connections} connections`
        : `ramp, up to ${r.connections} connections`;
    default:
      return `closed loop, ${r.connections} connections`;
  }
}

export function formatReport(r: BenchReport): string {
  const out: string[] = [];
  const traffic = r.traffic === 'stress' ? `stress (X-Test-Env: ${r.scenario})` : r.traffic;
  out.push(`paysidecar bench: ${r.label}`);
  out.push(
    columns([
      ['target', r.target],
      ['mode', describeMode(r)],
      ['traffic', traffic],
      ['started', `${r.startedAt}, ran ${n(r.durationSeconds, 3)} s`],
    ]),
  );
  out.push('');
  out.push(
    columns([
      ['requests', 'throughput', 'errors', 'error rate'],
      [String(r.requests), `${n(r.rps)} rps`, String(r.errors), pct(r.errorRate)],
    ]),
  );
  out.push('');
  const l = r.latencyMs;
  out.push(
    columns([
      ['latency (ms)', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean'],
      ['', ...[l.p50, l.p90, l.p95, l.p99, l.p999, l.max, l.mean].map((x) => n(x, 3))],
    ]),
  );
  out.push('');
  const codes = Object.entries(r.statusCodes);
  out.push(columns([['status codes', codes.length ? codes.map(([c, k]) => `${c} × ${k}`).join(', ') : 'none']]));
  const transport = Object.entries(r.transportErrors);
  out.push(columns([['transport errors', transport.length ? transport.map(([c, k]) => `${c} × ${k}`).join(', ') : 'none']]));
  const ops = Object.entries(r.operations);
  if (ops.length > 1) {
    out.push('');
    out.push(
      columns([
        ['operation', 'requests', 'errors', 'p50 ms', 'p99 ms', 'max ms'],
        ...ops.map(([name, o]) => [name, String(o.requests), String(o.errors), n(o.latencyMs.p50, 3), n(o.latencyMs.p99, 3), n(o.latencyMs.max, 3)]),
      ]),
    );
  }
  if (r.steps?.length) {
    out.push('');
    out.push(
      columns([
        ['step rate', 'achieved rps', 'requests', 'errors', 'p50 ms', 'p99 ms'],
        ...r.steps.map((s) => [n(s.rate), n(s.rps), String(s.requests), String(s.errors), n(s.latencyMs.p50, 3), n(s.latencyMs.p99, 3)]),
      ]),
    );
  }
  if (r.runs?.length) {
    out.push('');
    out.push(
      columns([
        ['run', 'started', 'seconds', 'requests', 'rps'],
        ...r.runs.map((x) => [x.label, x.startedAt, n(x.durationSeconds, 3), String(x.requests), n(x.rps)]),
      ]),
    );
  }
  out.push('');
  const v = r.verdict;
  const t = v.thresholds;
  out.push(
    columns([
      ['verdict', v.level.toUpperCase() + (v.reasons.length ? `: ${v.reasons.join('; ')}` : '')],
      ['  p99', `${n(v.p99.valueMs, 3)} ms → ${v.p99.level} (normal ≤ ${n(t.p99NormalMs)} ms, warning ≤ ${n(t.p99WarningMs)} ms)`],
      ['  error rate', `${pct(v.errorRate.value)} → ${v.errorRate.level} (normal < ${pct(t.errorRateNormal)}, warning ≤ ${pct(t.errorRateWarning)})`],
      ["Little's law", r.littlesLaw.note],
    ]),
  );
  const traces = [...r.traces.slowest.slice(0, 3), ...r.traces.sample.slice(0, 2)];
  if (traces.length) {
    out.push('');
    out.push(
      columns([
        ['trace id', 'latency', 'status', 'operation'],
        ...traces.map((x, i) => [x.traceId, `${n(x.latencyMs, 3)} ms`, String(x.status), `${x.operation}${i < Math.min(3, r.traces.slowest.length) ? '  (slowest)' : ''}`]),
      ]),
    );
  }
  return out.join('\n') + '\n';
}
