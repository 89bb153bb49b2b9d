/**
 * benchmarks/agent-overhead.js with tiny bounds: it must start the platform and the gateway in
 * every mode, load both routes, take a CPU profile in the profiling mode and report start-up and
 * throughput for each. Nothing is timed: one-second runs say nothing about overhead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScript } from './run-script';

interface ModeFigures {
  rps: number;
  drop: number;
  cpuUsPerRequest: number;
  errors: number;
}

test('agent-overhead: start-up and every mode on both gateway routes, in one run', async () => {
  const r = await runScript('agent-overhead.js', ['--duration', '1', '--warmup', '0.5', '--rounds', '1', '--startup-runs', '2', '--connections', '4', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { startup: Record<string, number>; rows: Array<{ endpoint: string } & Record<string, ModeFigures>> };
  for (const k of ['bareMs', 'withAgentMs', 'agentStartupMs']) assert.ok(report.startup[k] > 0, `startup.${k} = ${report.startup[k]}`);
  assert.deepEqual(
    report.rows.map((row) => row.endpoint),
    ['GET /api/accounts/:id (local)', 'POST /api/orders (platform call)'],
  );
  for (const row of report.rows) {
    for (const mode of ['baseline', 'sampling', 'agent', 'profiling']) {
      const m = row[mode];
      assert.ok(m.rps > 0, `${row.endpoint} ${mode}: rps ${m.rps}`);
      assert.ok(m.cpuUsPerRequest > 0, `${row.endpoint} ${mode}: CPU per request ${m.cpuUsPerRequest}`);
      assert.equal(m.errors, 0, `${row.endpoint} ${mode}: errors`);
    }
  }
});
