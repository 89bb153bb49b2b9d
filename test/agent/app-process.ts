/** Runs a fixture app with the agent loaded, the way users do: `node --require|--import paysidecar/agent`. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const CJS_APP = join(REPO_ROOT, 'dist', 'test', 'fixtures', 'agent', 'app.js');
export const ESM_APP = join(REPO_ROOT, 'test', 'fixtures', 'agent', 'app-esm.mjs');
/** The agent before bundling (tsc output); `paysidecar/agent` resolves to the one-file bundle. */
export const UNBUNDLED_AGENT = join(REPO_ROOT, 'dist', 'agent', 'index.js');

export interface AgentLogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export interface AppProcess {
  readonly child: ChildProcess;
  /** The app's own port. */
  readonly base: string;
  /** The agent listener, e.g. http://127.0.0.1:40123; undefined when off or not bound. */
  readonly agent?: string;
  /** What the fixture printed when it was ready. */
  readonly ready: Record<string, unknown>;
  stderr(): string;
  logs(): AgentLogLine[];
  stop(): Promise<void>;
}

export interface StartOptions {
  loader: 'require' | 'import';
  script?: string;
  /** What to pass to --require/--import; default `paysidecar/agent`, as users do. */
  agent?: string;
  env?: Record<string, string | undefined>;
  /** Wait for the agent's start-up log line (default true). */
  waitForAgent?: boolean;
  timeoutMs?: number;
}

function cleanEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('PAYSIDECAR_') || k.startsWith('OTEL_') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  env.PAYSIDECAR_AGENT_ADMIN = '127.0.0.1:0';
  env.FIXTURE_APP = '1';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function parseLogs(text: string): AgentLogLine[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as AgentLogLine];
      } catch {
        return [];
      }
    });
}

export async function startApp(opts: StartOptions): Promise<AppProcess> {
  const script = opts.script ?? (opts.loader === 'import' ? ESM_APP : CJS_APP);
  const child = spawn(process.execPath, [`--${opts.loader}`, opts.agent ?? 'paysidecar/agent', script], {
    cwd: REPO_ROOT,
    env: cleanEnv(opts.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const waitForAgent = opts.waitForAgent ?? true;
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);

  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const check = () => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      const started = parseLogs(err).some((l) => l.msg === 'paysidecar agent started');
      if (line && (!waitForAgent || started)) return resolve(JSON.parse(line) as Record<string, unknown>);
      if (child.exitCode !== null) return reject(new Error(`fixture app exited with ${child.exitCode}; stderr:\n${err}`));
      if (Date.now() > deadline) return reject(new Error(`fixture app not ready in time; stdout:\n${out}\nstderr:\n${err}`));
      setTimeout(check, 20);
    };
    check();
  });
  const started = parseLogs(err).find((l) => l.msg === 'paysidecar agent started');
  const admin = typeof started?.admin === 'string' && started.admin !== 'off' ? `http://${started.admin}` : undefined;
  return {
    child,
    base: `http://127.0.0.1:${ready.port as number}`,
    agent: admin,
    ready,
    stderr: () => err,
    logs: () => parseLogs(err),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, { headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}
