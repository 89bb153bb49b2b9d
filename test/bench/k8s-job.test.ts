/** The distributed-bench Job manifest stays in step with itself and with the bench's flags. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO, runCli } from './helpers';

interface K8sDoc {
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown> & { template?: { spec: { containers: { command: string[]; args: string[]; env?: { name: string; value?: string }[] }[] } } };
}

const docs = parseAllDocuments(readFileSync(join(REPO, 'deploy', 'kubernetes', 'bench-job.yaml'), 'utf8')).map((d) => d.toJS() as K8sDoc);

test('workers: an indexed Job with parallelism N, each writing its own report', () => {
  const job = docs.find((d) => d.kind === 'Job' && d.metadata.name === 'paysidecar-bench');
  assert.ok(job, 'worker Job present');
  assert.equal(job.spec.completionMode, 'Indexed');
  assert.equal(typeof job.spec.parallelism, 'number');
  assert.equal(job.spec.parallelism, job.spec.completions, 'every worker runs at once');
  const merge = docs.find((d) => d.metadata.name === 'paysidecar-bench-merge');
  assert.ok(merge);
  const workers = merge.spec.template?.spec.containers[0].env?.find((e) => e.name === 'WORKERS')?.value;
  assert.equal(Number(workers), job.spec.parallelism, 'the merge waits for as many reports as there are workers');
  const args = job.spec.template?.spec.containers[0].args ?? [];
  assert.ok(args.includes('--json=/results/worker-$(WORKER).json'), 'one report per worker index');
  assert.ok(!args.some((a) => a.startsWith('--stress-secret')), 'the secret comes from the env, never from args');
  assert.ok(docs.some((d) => d.kind === 'PersistentVolumeClaim'));
});

test("the workers' and the merge's flags are flags bench accepts", async () => {
  const help = await runCli(['bench', '--help']);
  const mergeHelp = await runCli(['bench', 'merge', '--help']);
  assert.equal(help.code, 0);
  const job = docs.find((d) => d.metadata.name === 'paysidecar-bench');
  for (const a of job?.spec.template?.spec.containers[0].args ?? []) {
    const flag = a.split('=')[0];
    assert.ok(help.stdout.includes(flag), `${flag} is a bench flag`);
  }
  const script = docs.find((d) => d.metadata.name === 'paysidecar-bench-merge')?.spec.template?.spec.containers[0].args.join('\n') ?? '';
  for (const flag of script.match(/--[a-z-]+/g) ?? []) assert.ok(mergeHelp.stdout.includes(flag), `${flag} is a bench merge flag`);
  assert.match(script, /bench merge \/results\/worker-\*\.json/);
});
