/** Runs `paysidecar <command>` as a child process and reads its URL from the startup log line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const MAIN = join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');

export interface CliProcess {
  child: ChildProcess;
  /** Every stdout/stderr line so far. */
  lines: string[];
  url: Promise<string>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let resolveUrl!: (u: string) => void;
  let rejectUrl!: (e: Error) => void;
  const url = new Promise<string>((res, rej) => {
    resolveUrl = res;
    rejectUrl = rej;
  });
  url.catch(() => undefined);
  const onData = (buf: Buffer) => {
    for (const line of buf.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      try {
        const rec = JSON.parse(line) as { msg?: string; url?: string };
        if ((rec.msg === 'gateway listening' || rec.msg === 'mock platform listening') && rec.url) resolveUrl(rec.url);
      } catch {
        /* not a log line */
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  void exited.then((code) => rejectUrl(new Error(`paysidecar ${args[0]} exited (${code}) before listening:\n${lines.join('\n')}`)));
  return {
    child,
    lines,
    url,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
