/** What the demo prints after its report: a few trace ids and where to look next. */
import { relative } from 'node:path';
import { TRACE_ID_PREFIX_PROD, TRACE_ID_PREFIX_STRESS } from '../../../src/context/headers';
import type { BenchReport } from '../../../src/bench/report';
import type { Stack } from './stack';

function show(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

export function traceLines(reports: BenchReport[], perReport = 3): string {
  const rows: string[] = [];
  for (const r of reports) {
    const prefix = r.traffic === 'stress' ? TRACE_ID_PREFIX_STRESS : TRACE_ID_PREFIX_PROD;
    const picks = [...r.traces.slowest.slice(0, 2), ...r.traces.sample.slice(0, perReport - 2)];
    for (const t of picks) {
      rows.push(`  ${r.traffic.padEnd(6)} ${t.traceId}  X-Trace-ID ${prefix}${t.traceId}  ${t.latencyMs.toFixed(1).padStart(7)} ms  ${String(t.status).padEnd(3)}  ${t.operation}`);
    }
  }
  return rows.join('\n');
}

export function byTrafficLines(reports: BenchReport[]): string {
  return reports
    .map((r) => `  ${r.traffic.padEnd(6)} ${String(r.requests).padStart(6)} requests  ${r.rps.toFixed(1).padStart(7)} rps  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  errors ${r.errors}  → ${r.verdict.level}`)
    .join('\n');
}

/** `agentMerged`: the sidecar's /metrics was seen carrying the agent's series. */
export function nextSteps(stack: Stack, root: string, html: string, agentMerged: boolean): string {
  const dashboards = show(`${root}/dashboards`);
  const lines = [
    'Where to look next',
    `  status page      ${stack.urls.admin}/  (live from the sidecar's memory: the last 15 minutes, no Prometheus needed)`,
    `  sidecar metrics  curl -s ${stack.urls.admin}/metrics | grep http_server_request_duration_count`,
    `                   prod and stress side by side (label traffic=)${agentMerged ? '; the gateway\'s runtime series are merged in with paysidecar_source="agent"' : ''}`,
  ];
  if (stack.agentLoaded) {
    lines.push(
      `  gateway metrics  ${stack.urls.agent}/metrics  (the agent inside the gateway: event loop, GC, heap)`,
      `  CPU profile      curl -so gateway-cpu.pb.gz '${stack.urls.agent}/debug/pprof/profile?seconds=10' && go tool pprof -http=: gateway-cpu.pb.gz`,
      `  sidecar profile  curl -so sidecar-cpu.pb.gz '${stack.urls.admin}/debug/pprof/profile?seconds=10'`,
    );
  } else {
    lines.push(`  CPU profile      curl -so sidecar-cpu.pb.gz '${stack.urls.admin}/debug/pprof/profile?seconds=10' && go tool pprof -http=: sidecar-cpu.pb.gz`);
  }
  lines.push(
    `  access log       ${show(stack.logs.access)}  (grep a trace id above)`,
    `  dashboards       ${dashboards}/  Grafana: Dashboards → New → Import, upload ${dashboards}/export/paysidecar-golden.json`,
    `                   (or provision ${dashboards}/provisioning/); Prometheus: prometheus --config.file=${show(`${root}/deploy/prometheus/prometheus.yml`)}`,
    `  HTML report      ${show(html)}`,
    `  server logs      ${show(stack.logs.platform)}, ${show(stack.logs.gateway)}, ${show(stack.logs.sidecar)}`,
  );
  return lines.join('\n');
}
