/**
 * `--html FILE`: one self-contained page (inline CSS and SVG; no CDN, nothing fetched — its
 * Content-Security-Policy forbids it) with throughput and latency over time, the percentile
 * distribution curve, the status breakdown and, for a ramp, latency by offered rate. A watched
 * run adds the diagnosis, the server-side series and the flame graphs (server-html.ts); their one
 * inline script is allowed by its hash, no other script can run.
 */
import { createHash } from 'node:crypto';
import { diagnosisSection, serverSections, timeAxis } from './server-html';
import { FLAME_SCRIPT } from './flamegraph';
import { decodeHistogram, percentileCurve } from './histogram';
import type { BenchReport } from './report';
import { barChart, escapeXml as esc, formatNumber, lineChart, type Series } from './svg-chart';
import { describeMode } from './table';
import { pct, type Level } from './verdict';

const COLORS = { rps: '#2563eb', errors: '#dc2626', target: '#6b7280', p50: '#16a34a', p90: '#ca8a04', p99: '#ea580c', max: '#7c3aed' };
const LEVEL_COLORS: Record<Level, string> = { normal: '#16a34a', warning: '#d97706', danger: '#dc2626' };

function throughputChart(r: BenchReport): string {
  const series: Series[] = [
    { name: 'achieved rps', color: COLORS.rps, points: r.timeline.map((p) => [p.t, p.seconds > 0 ? p.requests / p.seconds : 0]) },
    { name: 'errors/s', color: COLORS.errors, points: r.timeline.map((p) => [p.t, p.seconds > 0 ? p.errors / p.seconds : 0]) },
  ];
  if (r.timeline.some((p) => p.targetRate !== undefined)) {
    series.push({ name: 'target rps', color: COLORS.target, dashed: true, points: r.timeline.map((p) => [p.t, p.targetRate ?? null]) });
  }
  return lineChart({ title: 'Throughput over time', series, x: r.server ? timeAxis(r) : { label: 'seconds into the run' }, y: { label: 'requests / s' } });
}

function latencyChart(r: BenchReport): string {
  const pick = (k: 'p50' | 'p90' | 'p99' | 'max'): [number, number | null][] => r.timeline.map((p) => [p.t, p.requests > 0 && p.latencyMs.max > 0 ? p.latencyMs[k] : null]);
  return lineChart({
    title: 'Latency percentiles over time',
    series: [
      { name: 'p50', color: COLORS.p50, points: pick('p50') },
      { name: 'p90', color: COLORS.p90, points: pick('p90') },
      { name: 'p99', color: COLORS.p99, points: pick('p99') },
      { name: 'max', color: COLORS.max, points: pick('max') },
    ],
    x: r.server ? timeAxis(r) : { label: 'seconds into the run' },
    y: { label: 'latency, ms (log)', log: true },
  });
}

const PERCENTILE_TICKS = [50, 90, 99, 99.9, 99.99, 99.999];
const nines = (p: number) => Math.log10(100 / (100 - p));

function distributionChart(r: BenchReport): string {
  const h = decodeHistogram(r.histogram);
  const curve = percentileCurve(h);
  h.destroy();
  const maxX = curve.length ? nines(curve[curve.length - 1].percentile) : 1;
  return lineChart({
    title: 'Latency by percentile',
    series: [{ name: 'latency', color: COLORS.rps, points: curve.map((c) => [nines(c.percentile), c.ms]) }],
    x: {
      label: 'percentile',
      min: 0,
      max: Math.max(maxX, nines(90)),
      ticks: [{ value: 0, label: '0%' }, ...PERCENTILE_TICKS.filter((p) => nines(p) <= Math.max(maxX, nines(90)) + 1e-9).map((p) => ({ value: nines(p), label: `${p}%` }))],
    },
    y: { label: 'latency, ms (log)', log: true },
  });
}

function statusChart(r: BenchReport): string {
  const color = (code: string) => (code.startsWith('2') ? '#16a34a' : code.startsWith('3') ? '#0891b2' : code.startsWith('4') ? '#d97706' : '#dc2626');
  const bars = [
    ...Object.entries(r.statusCodes).map(([code, n]) => ({ label: `HTTP ${code}`, value: n, color: color(code) })),
    ...Object.entries(r.transportErrors).map(([name, n]) => ({ label: name, value: n, color: '#7f1d1d' })),
  ];
  if (bars.length === 0) bars.push({ label: 'no responses', value: 0, color: '#9ca3af' });
  return barChart('Status breakdown', bars);
}

function rampChart(r: BenchReport): string {
  const steps = r.steps ?? [];
  return lineChart({
    title: 'Latency by offered rate (the knee)',
    series: [
      { name: 'p50', color: COLORS.p50, points: steps.map((s) => [s.rate, s.requests > 0 ? s.latencyMs.p50 : null]) },
      { name: 'p99', color: COLORS.p99, points: steps.map((s) => [s.rate, s.requests > 0 ? s.latencyMs.p99 : null]) },
    ],
    x: { label: 'offered rate, requests / s' },
    y: { label: 'latency, ms (log)', log: true },
  });
}

function table(head: string[], rows: (string | number)[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const ms = (v: number) => `${formatNumber(v)} ms`;

export function renderHtml(r: BenchReport): string {
  const v = r.verdict;
  const l = r.latencyMs;
  const cards = [
    ['requests', String(r.requests)],
    ['throughput', `${formatNumber(r.rps)} rps`],
    ['p50', ms(l.p50)],
    ['p99', ms(l.p99)],
    ['max', ms(l.max)],
    ['error rate', pct(r.errorRate)],
  ]
    .map(([k, x]) => `<div class="card"><div class="k">${esc(k)}</div><div class="v">${esc(x)}</div></div>`)
    .join('');
  const traffic = r.traffic === 'stress' ? `stress (X-Test-Env: ${r.scenario ?? ''})` : r.traffic;
  const sections: string[] = [];
  sections.push(`<section class="chart">${throughputChart(r)}</section>`);
  sections.push(`<section class="chart">${latencyChart(r)}</section>`);
  sections.push(`<section class="chart">${distributionChart(r)}</section>`);
  sections.push(`<section class="chart">${statusChart(r)}</section>`);
  if (r.steps?.length) {
    sections.push(`<section class="chart">${rampChart(r)}</section>`);
    sections.push(
      `<section><h2>Ramp steps</h2>${table(
        ['offered rps', 'achieved rps', 'requests', 'errors', 'p50', 'p99'],
        r.steps.map((s) => [formatNumber(s.rate), formatNumber(s.rps), s.requests, s.errors, ms(s.latencyMs.p50), ms(s.latencyMs.p99)]),
      )}</section>`,
    );
  }
  sections.push(
    `<section><h2>Latency</h2>${table(['p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean'], [[l.p50, l.p90, l.p95, l.p99, l.p999, l.max, l.mean].map(ms)])}</section>`,
  );
  const ops = Object.entries(r.operations);
  if (ops.length) {
    sections.push(
      `<section><h2>Operations</h2>${table(
        ['operation', 'requests', 'errors', 'p50', 'p99', 'max'],
        ops.map(([name, o]) => [name, o.requests, o.errors, ms(o.latencyMs.p50), ms(o.latencyMs.p99), ms(o.latencyMs.max)]),
      )}</section>`,
    );
  }
  if (r.runs?.length) {
    sections.push(
      `<section><h2>Runs merged</h2>${table(['run', 'started', 'seconds', 'requests', 'rps'], r.runs.map((x) => [x.label, x.startedAt, x.durationSeconds, x.requests, formatNumber(x.rps)]))}</section>`,
    );
  }
  const traces = [...r.traces.slowest.map((t) => ({ ...t, why: 'slowest' })), ...r.traces.sample.map((t) => ({ ...t, why: 'sample' }))];
  if (traces.length) {
    sections.push(
      `<section><h2>Trace ids</h2><p>Look these up in the sidecar's access log (<code>trace_id</code>) or your tracing backend.</p>${table(
        ['trace id', 'latency', 'status', 'operation', 'traffic', 'why'],
        traces.map((t) => [t.traceId, ms(t.latencyMs), t.status, t.operation, t.traffic, t.why]),
      )}</section>`,
    );
  }
  sections.splice(2, 0, ...serverSections(r));
  const script = r.server?.targets.some((x) => x.cpu) ? FLAME_SCRIPT : '';
  const scriptSrc = script ? `; script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'` : '';
  const t = v.thresholds;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'${scriptSrc}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>paysidecar bench: ${esc(r.label)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1000px;color:#111827;padding:0 16px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#4b5563;margin:0 0 16px}.meta b{color:#111827;font-weight:600}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}.card{border:1px solid #e5e7eb;border-radius:6px;padding:8px 12px;min-width:110px}
.k{color:#6b7280;font-size:12px}.v{font-size:18px;font-weight:600}
.verdict{display:inline-block;color:#fff;border-radius:4px;padding:2px 10px;font-weight:700;letter-spacing:.04em}
section.chart{margin:16px 0}svg{max-width:100%;height:auto}
svg .title{font-size:14px;font-weight:600;fill:#111827}svg .legend,svg .tick{font-size:11px;fill:#374151}svg .axis-label{font-size:12px;fill:#4b5563}
svg .grid{stroke:#e5e7eb}svg .axis{stroke:#9ca3af}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}th,td{border-bottom:1px solid #e5e7eb;padding:4px 10px;text-align:left}th{color:#4b5563;font-weight:600}
code{background:#f3f4f6;padding:0 4px;border-radius:3px}footer{color:#9ca3af;margin-top:32px;font-size:12px}
.diagnosis ul{padding-left:18px}.finding.bottleneck b{color:#b91c1c}.finding.info b{color:#4b5563}.warnings{color:#92400e}
.profile-grid{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:12px;align-items:start}
.flame svg{display:block;border:1px solid #e5e7eb;cursor:pointer}.flame text{font:11px ui-monospace,monospace;fill:#111827;pointer-events:none}
.flame g.match rect{fill:#e11d48}.flame-bar{display:flex;gap:8px;align-items:center;margin:4px 0}.flame-bar input{flex:1;padding:3px 6px}
table.top td{font-size:12px;word-break:break-all}td.num{text-align:right;white-space:nowrap}
</style></head><body>
<h1>paysidecar bench: ${esc(r.label)}</h1>
<p class="meta"><b>${esc(r.target)}</b><br>${esc(describeMode(r))} · traffic ${esc(traffic)} · started ${esc(r.startedAt)} · ran ${esc(String(r.durationSeconds))} s</p>
<p><span class="verdict" style="background:${LEVEL_COLORS[v.level]}">${esc(v.level.toUpperCase())}</span>
${esc(v.reasons.join('; ') || 'p99 and error rate within the normal thresholds')}
<br><small>normal: p99 ≤ ${esc(formatNumber(t.p99NormalMs))} ms and error rate &lt; ${esc(pct(t.errorRateNormal))}; warning: p99 ≤ ${esc(formatNumber(t.p99WarningMs))} ms and error rate ≤ ${esc(pct(t.errorRateWarning))}; danger above.
Little's law: ${esc(r.littlesLaw.note)}.</small></p>
<div class="cards">${cards}</div>
${diagnosisSection(r)}
${sections.join('\n')}
<footer>${esc(r.tool)} · ${esc(r.format)}</footer>
${script ? `<script>${script}</script>` : ''}
</body></html>
`;
}
