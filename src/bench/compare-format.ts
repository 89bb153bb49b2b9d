/** `bench compare` output: the aligned text table and the same table as a self-contained HTML page. */
import type { BenchReport } from './report';
import type { CompareRow } from './compare';
import { escapeXml as esc } from './svg-chart';

const num = (x: number | undefined) => (x === undefined ? '-' : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3));

export function changeText(r: CompareRow): string {
  if (r.change === undefined) return '-';
  const sign = r.change > 0 ? '+' : '';
  const good = r.change === 0 ? '' : (r.change > 0) === (r.better === 'higher') ? ' better' : ' worse';
  return `${sign}${(r.change * 100).toFixed(1)}%${r.noise === 'beyond noise' ? good : ''}`;
}

function cells(r: CompareRow): string[] {
  return [r.metric, num(r.before), num(r.after), changeText(r), r.noise];
}

const HEAD = ['metric', 'before', 'after', 'change', 'vs run-to-run noise'];
export const NOISE_RULE = "beyond noise: each run's median second lies outside the other run's interquartile range of seconds";

export function formatCompare(before: BenchReport, after: BenchReport, rows: CompareRow[], names: [string, string]): string {
  const table = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const lines = table.map((r) => '  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
  return [
    `paysidecar bench compare`,
    `  before  ${names[0]}: ${before.label}, ${before.startedAt}, ${before.durationSeconds} s`,
    `  after   ${names[1]}: ${after.label}, ${after.startedAt}, ${after.durationSeconds} s`,
    '',
    ...lines,
    '',
    `  ${NOISE_RULE}`,
    '',
  ].join('\n');
}

export function renderCompareHtml(before: BenchReport, after: BenchReport, rows: CompareRow[], names: [string, string]): string {
  const body = rows
    .map((r) => `<tr class="${r.noise === 'beyond noise' ? 'real' : ''}">${cells(r).map((c, i) => `<td${i ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>paysidecar bench compare</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;padding:0 16px;color:#111827}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}th,td{border-bottom:1px solid #e5e7eb;padding:4px 10px;text-align:left}td.num{text-align:right}
tr.real td{font-weight:600}small{color:#6b7280}</style></head><body>
<h1>paysidecar bench compare</h1>
<p>before: <code>${esc(names[0])}</code> (${esc(before.label)}, ${esc(before.startedAt)}, ${esc(String(before.durationSeconds))} s)<br>
after: <code>${esc(names[1])}</code> (${esc(after.label)}, ${esc(after.startedAt)}, ${esc(String(after.durationSeconds))} s)</p>
<table><thead><tr>${HEAD.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>
<p><small>${esc(NOISE_RULE)}; rows in bold are beyond noise.</small></p>
</body></html>
`;
}
