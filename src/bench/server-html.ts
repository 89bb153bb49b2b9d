/**
 * The watched run's part of the HTML report: the diagnosis, the targets' per-second series on the
 * client charts' time axis (seconds into the run; each point drawn at the start of the second it
 * covers, as the client's are), the steady window shaded, and each target's flame graph with its
 * top functions beside it.
 */
import type { BenchReport } from './report';
import type { ServerReport } from './server-report';
import { escapeXml as esc, lineChart, type Series } from './svg-chart';
import { flameSvg, topTable } from './flamegraph';

const PALETTE = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#0891b2', '#be123c'];

/** Seconds to add to a server point's stamp to put it on the client's axis. */
function offset(r: BenchReport, s: ServerReport): number {
  return (Date.parse(s.startedAt) - Date.parse(r.startedAt)) / 1000 - 1;
}

/** The x axis of every time chart of the page, client and server alike. */
export function timeAxis(r: BenchReport): { label: string; min: number; max: number } {
  const lastT = r.timeline.length ? r.timeline[r.timeline.length - 1].t + 1 : r.durationSeconds;
  return { label: 'seconds into the run', min: 0, max: Math.max(1, Math.ceil(lastT)) };
}

export function diagnosisSection(r: BenchReport): string {
  if (!r.server) return '';
  const findings = r.findings ?? [];
  const items = findings
    .map((f) => `<li class="finding ${f.level}" data-rule="${esc(f.rule)}"><b>${f.level === 'bottleneck' ? 'bottleneck' : 'where the CPU went'}</b> ${esc(f.summary)}</li>`)
    .join('');
  const none = findings.some((f) => f.level === 'bottleneck') ? '' : '<li class="finding none">No rule found a bottleneck in the data.</li>';
  const warnings = r.server.targets.flatMap((t) => t.warnings);
  const warn = warnings.length ? `<ul class="warnings">${warnings.map((w) => `<li>warning: ${esc(w)}</li>`).join('')}</ul>` : '';
  return `<section class="diagnosis"><h2>Diagnosis</h2><ul>${none}${items}</ul>${warn}</section>`;
}

export function serverSections(r: BenchReport): string[] {
  const s = r.server;
  if (!s) return [];
  const dx = offset(r, s);
  const x = timeAxis(r);
  const band = s.steady ? { from: s.steady.fromT + dx + 1, to: s.steady.toT + dx + 1, label: 'steady window (CPU profile)' } : undefined;
  const at = (t: number) => Math.round((t + dx) * 1000) / 1000;
  const colour = (i: number) => PALETTE[i % PALETTE.length];
  const charts: string[] = [];
  const chart = (title: string, series: Series[], y: { label: string; log?: boolean; min?: number; max?: number }) => {
    if (series.every((x) => x.points.every((p) => p[1] === null))) return;
    charts.push(`<section class="chart server">${lineChart({ title, series, x, y, band })}</section>`);
  };

  const client: Series = { name: 'client achieved rps', color: '#6b7280', dashed: true, points: r.timeline.map((p) => [p.t, p.seconds > 0 ? p.requests / p.seconds : 0]) };
  const rpsSeries: Series[] = [client];
  s.targets.forEach((t, i) => {
    if (!t.series.some((p) => p.rps)) return;
    rpsSeries.push({ name: `${t.name} prod`, color: colour(i), points: t.series.map((p) => [at(p.t), p.rps ? p.rps.prod : null]) });
    if (t.series.some((p) => (p.rps?.stress ?? 0) > 0)) rpsSeries.push({ name: `${t.name} stress`, color: '#9333ea', points: t.series.map((p) => [at(p.t), p.rps ? p.rps.stress : null]) });
    rpsSeries.push({ name: `${t.name} 5xx/s`, color: '#dc2626', points: t.series.map((p) => [at(p.t), p.errorsPerSecond ? p.errorsPerSecond.prod + p.errorsPerSecond.stress : null]) });
  });
  if (rpsSeries.length > 1) chart('Requests as the server saw them (and the client)', rpsSeries, { label: 'requests / s' });

  const lg: Series = { name: 'load generator', color: '#6b7280', dashed: true, points: s.loadGenerator.map((p) => [at(p.t), p.utilization]) };
  chart('Event-loop utilisation', [...s.targets.map((t, i) => ({ name: t.name, color: colour(i), points: t.series.map((p) => [at(p.t), p.eventLoop ? p.eventLoop.utilization : null] as [number, number | null]) })), lg], { label: 'busy share (0..1)', min: 0, max: 1 });
  chart(
    'Event-loop delay p99 (p50 dashed)',
    s.targets.flatMap((t, i) => [
      { name: `${t.name} p99`, color: colour(i), points: t.series.map((p) => [at(p.t), p.eventLoop ? Math.max(0.01, p.eventLoop.delayP99Ms) : null] as [number, number | null]) },
      { name: `${t.name} p50`, color: colour(i), dashed: true, points: t.series.map((p) => [at(p.t), p.eventLoop ? Math.max(0.01, p.eventLoop.delayP50Ms) : null] as [number, number | null]) },
    ]),
    { label: 'delay, ms (log)', log: true },
  );
  const gc: Series[] = [];
  s.targets.forEach((t, i) => {
    const kinds = [...new Set(t.series.flatMap((p) => Object.keys(p.gcMsPerSecond ?? {})))];
    kinds.forEach((k, j) => gc.push({ name: `${t.name} ${k}`, color: colour(i), dashed: j > 0, points: t.series.map((p) => [at(p.t), p.gcMsPerSecond ? (p.gcMsPerSecond[k] ?? 0) : null]) }));
  });
  chart('GC pause time per second, by kind', gc, { label: 'ms of pause / s' });
  const cpuLg: Series = { name: 'load generator', color: '#6b7280', dashed: true, points: s.loadGenerator.map((p) => [at(p.t), p.cpuCores]) };
  chart('Process CPU', [...s.targets.map((t, i) => ({ name: t.name, color: colour(i), points: t.series.map((p) => [at(p.t), p.cpuCores ?? null] as [number, number | null]) })), cpuLg], { label: 'cores' });
  chart(
    'Memory: heap used (RSS dashed)',
    s.targets.flatMap((t, i) => [
      { name: `${t.name} heap`, color: colour(i), points: t.series.map((p) => [at(p.t), p.heapUsedBytes !== undefined ? p.heapUsedBytes / 1e6 : null] as [number, number | null]) },
      { name: `${t.name} rss`, color: colour(i), dashed: true, points: t.series.map((p) => [at(p.t), p.rssBytes !== undefined ? p.rssBytes / 1e6 : null] as [number, number | null]) },
    ]),
    { label: 'MB' },
  );

  const out = [`<h2>Server side</h2><p>Scraped once a second from ${s.targets.map((t) => `<code>${esc(t.url)}/metrics</code>`).join(', ')}; the shaded span is the steady window the CPU profile covered.</p>`, ...charts];
  s.targets.forEach((t, i) => {
    if (!t.cpu) return;
    const files = t.profiles.map((p) => `<li>${esc(p.kind)}: <code>${esc(p.file)}</code> (${p.seconds} s)${p.kind === 'trace' ? ' — open in Perfetto' : ` — <code>go tool pprof -http=: ${esc(p.file)}</code>`}</li>`).join('');
    out.push(
      `<section class="profile"><h2>CPU profile: ${esc(t.name)}</h2><p>${t.cpu.samples} samples, ${Math.round(t.cpu.cpuMs)} ms of CPU. Click a frame to zoom; search by function or file.</p>` +
        `<div class="profile-grid">${flameSvg(t.cpu, `flame-${i}`)}${topTable(t.cpu.top)}</div><ul class="files">${files}</ul></section>`,
    );
  });
  return out;
}
