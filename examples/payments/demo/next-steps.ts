/** What the demo prints after its report: a few trace ids and where to look next. */
import { relative } from 'node:path';
import { TRACE_ID_PREFIX_PROD, TRACE_ID_PREFIX_STRESS } from '../../../src/context/headers';
import type { BenchReport } from '../../../src/bench/report';
import type { Stack } from './stack';
import { PROD_BUCKETS, type SlowRequest } from './slowest-exemplar';

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

/** The slow request an exemplar names, and how to find it again. */
export function slowRequestLines(stack: Stack, slow: SlowRequest | undefined): string[] {
  if (!slow) return ['  slow request     no exemplar yet (prod traffic too short?)'];
  const where =
    slow.from === 'prometheus'
      ? `from Prometheus' exemplars: curl -sG ${stack.urls.prometheus}/api/v1/query_exemplars --data-urlencode 'query=${PROD_BUCKETS}'`
      : `from the sidecar's exemplars: curl -s -H 'Accept: application/openmetrics-text' ${stack.urls.admin}/metrics | grep trace_id`;
  return [
    `  slow request     trace ${slow.traceId}  ${(slow.seconds * 1000).toFixed(1)} ms  ${slow.route}  ${slow.status}`,
    `                   ${where}`,
    `                   its access-log line: grep ${slow.traceId} ${show(stack.logs.access)}`,
  ];
}

/** `agentMerged`: the sidecar's /metrics was seen carrying the agent's series; `slow`: the slowest prod exemplar. */
export function nextSteps(stack: Stack, root: string, html: string, agentMerged: boolean, slow?: SlowRequest): string {
  const dashboards = show(`${root}/dashboards`);
  const lines = [
    'Where to look next',
    ...slowRequestLines(stack, slow),
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
