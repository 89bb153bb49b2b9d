/**
 * Progress: a cli-progress bar on a terminal, plain periodic lines (no escape codes at all) when
 * the output is a pipe or a file, as in CI.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { CLI, REPO, runCli, startTarget, type Target } from './helpers';
import { plainLine } from '../../src/bench/progress';

const targets: Target[] = [];
after(async () => {
  await Promise.all(targets.map((t) => t.close()));
});

const ESC = '\x1b';

test('not a TTY: plain progress lines and a report without escape codes', async () => {
  const t = await startTarget();
  targets.push(t);
  const r = await runCli(['bench', '--target', t.url, '--rate', '100', '--duration', '3s', '--progress-interval', '1s']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes(ESC), 'no escape codes on stdout');
  assert.ok(!r.stderr.includes(ESC), 'no escape codes on stderr');
  const lines = r.stderr.split('\n').filter((l) => / rps /.test(l));
  assert.ok(lines.length >= 2, `a progress line about every second, got:\n${r.stderr}`);
  assert.match(lines[0], /^\S+ \d+\.\ds\/3s {2}\d+ requests {2}\d+ rps \(target (99|100|101)\) {2}p99 [\d.]+ ms {2}errors 0 \(0\.00%\)$/);
  assert.match(r.stdout, /requests\s+throughput/);
  assert.match(r.stdout, /verdict\s+NORMAL/);
});

test('--quiet: no progress at all', async () => {
  const t = await startTarget();
  targets.push(t);
  const r = await runCli(['bench', '--target', t.url, '--requests', '30', '--quiet', '--progress-interval', '100ms']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
});

test('on a TTY: the progress bar is drawn', async () => {
  const script = spawnSync('script', ['--version'], { encoding: 'utf8' });
  assert.equal(script.error, undefined, 'this test needs `script` (Debian bsdutils) to give the bench a terminal');
  const t = await startTarget();
  targets.push(t);
  // `script` runs the command on a pseudo-terminal and copies what it drew to our stdout.
  const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} bench --target ${t.url} --rate 50 --duration 2s`;
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, COLUMNS: '150' } });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(text);
      else reject(new Error(`script exited ${code}: ${text}`));
    });
  });
  assert.ok(out.includes(ESC), 'the bar uses terminal control codes');
  assert.match(out, /\[[█░=\- ]*\] *\d+% \| \d+s\/2s \| \d+ rps \| p99 [\d.-]+ ms \| errors 0/);
  assert.match(out, /verdict\s+NORMAL/);
});

test('plain line format for a request-bounded run', () => {
  const line = plainLine({ name: 'w1', totalMs: Infinity, totalRequests: 1000 }, { elapsedMs: 2500, requests: 400, errors: 4, lastSecondRps: 160, lastSecondP99Ms: 12.345 });
  assert.equal(line, 'w1 2.5s  400/1000 requests  160 rps  p99 12.35 ms  errors 4 (1.00%)\n');
});
