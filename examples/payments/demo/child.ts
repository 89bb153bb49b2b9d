/**
 * One server of the demo as a child process: output to a log file (the terminal belongs to the
 * progress bar and the report), readiness by polling its port, and a clean stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { formatHostPort, type HostPort } from '../../../src/config/address';

const EXIT_WITH_PARENT = join(__dirname, 'exit-with-parent.js');

export interface DemoChild {
  readonly name: string;
  readonly logFile: string;
  readonly process: ChildProcess;
  /** Resolves when `address` accepts connections; rejects when the child dies first or `timeoutMs` passes. */
  ready(address: HostPort, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

function connects(hp: HostPort): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: hp.host, port: hp.port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function startChild(name: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): DemoChild {
  const fd = openSync(logFile, 'w');
  // stdin is a pipe the demo holds open for the child's life: see exit-with-parent.ts.
  const child = spawn(process.execPath, ['--require', EXIT_WITH_PARENT, ...args], { env, stdio: ['pipe', fd, fd] });
  closeSync(fd);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.once('exit', (code, signal) => (exited = { code, signal }));
  const dead = () => {
    if (!exited) return undefined;
    return new Error(`the ${name} exited (${exited.signal ?? `code ${exited.code}`}) before it was ready; last lines of ${logFile}:\n${tail(logFile)}`);
  };
  return {
    name,
    logFile,
    process: child,
    async ready(address, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const err = dead();
        if (err) throw err;
        if (await connects(address)) return;
        if (Date.now() > deadline) {
          throw new Error(`the ${name} did not listen on ${formatHostPort(address)} within ${timeoutMs / 1000} s; last lines of ${logFile}:\n${tail(logFile)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await once(child, 'exit').catch(() => undefined);
      clearTimeout(timer);
    },
  };
}
