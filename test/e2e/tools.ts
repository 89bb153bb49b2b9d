/**
 * The Debian tools the e2e tests drive (promtool, prometheus, amtool, prometheus-alertmanager).
 * Missing ones are installed once through scripts/ensure-test-tools.sh, as `npm test` does; if
 * that fails the test fails with the reason — never a skip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

const PACKAGES: Record<string, string> = {
  prometheus: 'prometheus',
  promtool: 'prometheus',
  'prometheus-alertmanager': 'prometheus-alertmanager',
  amtool: 'prometheus-alertmanager',
  'systemd-analyze': 'systemd',
};

function find(bin: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/usr/sbin', '/usr/local/bin']) {
    if (dir && existsSync(join(dir, bin))) return join(dir, bin);
  }
  return undefined;
}

let installAttempted = false;

/** Absolute path of `bin`, installing it from Debian when missing; throws a clear error otherwise. */
export function requireTool(bin: string): string {
  let path = find(bin);
  if (!path && !installAttempted) {
    installAttempted = true;
    const r = spawnSync('bash', [join(ROOT, 'scripts/ensure-test-tools.sh')], { encoding: 'utf8', timeout: 15 * 60_000 });
    if (r.status !== 0) {
      throw new Error(`${bin} is missing and scripts/ensure-test-tools.sh could not install it:\n${r.stdout}${r.stderr}`);
    }
    path = find(bin);
  }
  if (!path) {
    throw new Error(`${bin} is missing: install Debian's ${PACKAGES[bin] ?? bin} package (apt-get install -y ${PACKAGES[bin] ?? bin}) or run scripts/ensure-test-tools.sh`);
  }
  return path;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(bin: string, args: readonly string[], opts: { cwd?: string; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(requireTool(bin), args, { encoding: 'utf8', cwd: opts.cwd ?? ROOT, timeout: opts.timeoutMs ?? 120_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
