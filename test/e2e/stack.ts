/**
 * The payment stack as separate processes, the way it is deployed: the mock WeChat Pay platform,
 * the gateway with the paysidecar agent loaded (`node --require paysidecar/agent`), and the
 * sidecar in front of the gateway. Loopback ports, a temp keys directory, logs kept for failure
 * messages, everything killed by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './tools';
import { freePort, sleep, waitFor } from './servers';

const CLI = join(ROOT, 'dist/src/cli/main.js');
const AGENT = join(ROOT, 'dist/agent/paysidecar-agent.js');

interface Child {
  name: string;
  child: ChildProcess;
  log: () => string;
  exited: () => boolean;
}

function startNode(name: string, args: string[], env: Record<string, string>): Child {
  // Only what the process needs: a stray PAYSIDECAR_* from the test runner would change behaviour.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PAYSIDECAR_') && !k.startsWith('OTEL_') && k !== 'NODE_OPTIONS'));
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (c: Buffer) => {
    out += c.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  child.on('exit', () => (exited = true));
  return { name, child, log: () => out, exited: () => exited };
}

async function stopChild(c: Child): Promise<void> {
  if (c.exited()) return;
  c.child.kill('SIGTERM');
  const deadline = Date.now() + 8000;
  while (!c.exited() && Date.now() < deadline) await sleep(50);
  if (!c.exited()) c.child.kill('SIGKILL');
}

export interface Stack {
  /** The sidecar's proxy: clients call the gateway through it. */
  readonly proxy: string;
  /** host:port scrape targets. */
  readonly sidecarAdmin: string;
  readonly agentAdmin: string;
  readonly gateway: string;
  readonly platform: string;
  readonly stressSecret: string;
  logs(): string;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'paysidecar-stack-'));
  const keys = join(dir, 'keys');
  const [platformPort, gatewayPort, agentPort, proxyPort, adminPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const platform = `http://127.0.0.1:${platformPort}`;
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  const proxy = `http://127.0.0.1:${proxyPort}`;
  const stressSecret = 'e2e-stress-secret';
  const children: Child[] = [];
  const logs = () => children.map((c) => `--- ${c.name}${c.exited() ? ` (exited ${c.child.exitCode ?? c.child.signalCode})` : ''}\n${c.log()}`).join('\n');
  const stop = async () => {
    for (const c of [...children].reverse()) await stopChild(c);
    rmSync(dir, { recursive: true, force: true });
  };
  const up = async (name: string, url: string) =>
    waitFor(`${name} at ${url}`, 30_000, async () => {
      const dead = children.find((c) => c.exited());
      if (dead) throw new Error(`${dead.name} exited`);
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return true;
    });
  try {
    children.push(startNode('platform', [CLI, 'platform', '--listen', `127.0.0.1:${platformPort}`, '--keys-dir', keys, '--log-level', 'warn'], {}));
    await up('platform', `${platform}/healthz`);
    const gw = startNode(
      'gateway+agent',
      // With a journal, so the example dashboard's journal panels have writes and fsyncs to draw.
      ['--require', AGENT, CLI, 'gateway', '--listen', `127.0.0.1:${gatewayPort}`, '--platform', platform, '--keys-dir', keys, '--journal', join(dir, 'gateway.journal'), '--notify-url', proxy, '--log-level', 'warn'],
      { PAYSIDECAR_AGENT_ADMIN: `127.0.0.1:${agentPort}`, OTEL_SERVICE_NAME: 'paysidecar-e2e-gateway' },
    );
    children.push(gw);
    await up('gateway', `${gateway}/admin/faults`);
    await up('agent', `http://127.0.0.1:${agentPort}/metrics`);
    children.push(
      startNode(
        'sidecar',
        [
          CLI, 'run',
          '--listen', `127.0.0.1:${proxyPort}`,
          '--admin', `127.0.0.1:${adminPort}`,
          '--upstream', gateway,
          '--trust-cidr', '127.0.0.1/32',
          '--upstream-timeout', '15s',
          '--access-log', 'off',
          '--log-level', 'warn',
          '--host-interval', '2s',
          '--watch-process', String(gw.child.pid),
        ],
        { PAYSIDECAR_STRESS_SECRET: stressSecret },
      ),
    );
    await up('sidecar', `http://127.0.0.1:${adminPort}/ready`);
  } catch (err) {
    const text = logs();
    await stop();
    throw new Error(`${(err as Error).message}\n${text}`);
  }
  return {
    proxy,
    sidecarAdmin: `127.0.0.1:${adminPort}`,
    agentAdmin: `127.0.0.1:${agentPort}`,
    gateway,
    platform,
    stressSecret,
    logs,
    stop,
  };
}
