/** The end-of-run text for a watched run: the diagnosis first, then what each target showed and where its profiles went. */
import type { BenchReport } from './report';
import { steadyPoints, targetStats } from './steady-stats';

const f2 = (x: number | undefined) => (x === undefined ? '-' : (Math.round(x * 100) / 100).toString());
const mb = (x: number | undefined) => (x === undefined ? '-' : `${Math.round(x / 1e6)} MB`);

export function formatDiagnosis(r: BenchReport): string {
  const server = r.server;
  if (!server) return '';
  const out: string[] = ['', 'diagnosis'];
  const findings = r.findings ?? [];
  const bottlenecks = findings.filter((f) => f.level === 'bottleneck');
  if (!bottlenecks.length) out.push('  no rule found a bottleneck in the data (see the README: bench --watch, diagnosis rules)');
  for (const f of bottlenecks) out.push(`  ! ${f.summary}`);
  for (const f of findings.filter((x) => x.level === 'info')) out.push(`  · ${f.summary}`);
  out.push('', 'watched targets (steady window)');
  for (const t of server.targets) {
    const s = targetStats(steadyPoints(t.series, server.steady));
    const rps = s.rps !== undefined ? `  ${f2(s.rps)} rps seen` : '';
    out.push(
      `  ${t.name}  ${t.url}  scrapes ${t.scrapes.ok}/${t.scrapes.tried}${rps}  loop ${f2(s.utilization)} busy, delay p99 ${f2(s.delayP99Ms)} ms  GC ${s.gcShare === undefined ? '-' : `${f2(s.gcShare * 100)}%`}  CPU ${f2(s.cpuCores)} cores  heap ${mb(s.heapUsedBytes)}  RSS ${mb(s.rssBytes)}`,
    );
    for (const p of t.profiles) out.push(`    ${p.kind.padEnd(5)} ${p.file}${p.kind === 'trace' ? '  (open in https://ui.perfetto.dev)' : `  (go tool pprof -http=: ${p.file})`}`);
    for (const w of t.warnings) out.push(`    warning: ${w}`);
  }
  return out.join('\n') + '\n';
}
