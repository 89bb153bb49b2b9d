/**
 * The demo's servers, each in its own process as they would run in production: the mock WeChat
 * Pay platform, the payment gateway with the agent loaded (`--require dist/agent/paysidecar-agent.js`), and
 * the sidecar in front of the gateway. The platform's payment notifies are sent to the sidecar,
 * so callbacks are traced and measured like any other request.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatHostPort, type HostPort } from '../../../src/config/address';
import { ENV, ENV_PREFIX } from '../../../src/config/env';
import { GATEWAY_ROUTE_TEMPLATES } from '../gateway/route-templates';
import { startChild, type DemoChild } from './child';
import { startDemoPrometheus } from './prometheus';

export interface StackAddresses {
  platform: HostPort;
  gateway: HostPort;
  agent: HostPort;
  sidecar: HostPort;
  admin: HostPort;
}

export interface StackOptions extends StackAddresses {
  /** Repo (package) root: where dist/ lives. */
  root: string;
  keysDir: string;
  logDir: string;
  /** Shared by the sidecar (verify) and the demo's stress traffic (sign); passed by env, never argv. */
  stressSecret: string;
  /** Called as each server comes up, for the console. */
  onReady?: (line: string) => void;
}

export interface Stack {
  urls: { platform: string; gateway: string; agent: string; sidecar: string; admin: string; prometheus?: string };
  /** False when dist/agent is missing (the gateway then runs without it). */
  agentLoaded: boolean;
  logs: { platform: string; gateway: string; sidecar: string; access: string; prometheus: string };
  stop(): Promise<void>;
}

const url = (hp: HostPort) => `http://${formatHostPort(hp)}`;

/** The parent's environment without any PAYSIDECAR_* of the user's: each child gets exactly ours. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith(ENV_PREFIX)) env[k] = v;
  return { ...env, ...extra };
}

export async function startStack(o: StackOptions): Promise<Stack> {
  mkdirSync(o.logDir, { recursive: true });
  const cli = join(o.root, 'dist', 'src', 'cli', 'main.js');
  const agentEntry = join(o.root, 'dist', 'agent', 'paysidecar-agent.js');
  const agentLoaded = existsSync(agentEntry);
  const urls: Stack['urls'] = { platform: url(o.platform), gateway: url(o.gateway), agent: url(o.agent), sidecar: url(o.sidecar), admin: url(o.admin) };
  const logs = {
    platform: join(o.logDir, 'platform.log'),
    gateway: join(o.logDir, 'gateway.log'),
    sidecar: join(o.logDir, 'sidecar.log'),
    access: join(o.logDir, 'access.log'),
    prometheus: join(o.logDir, 'prometheus.log'),
  };
  const started: DemoChild[] = [];
  const stop = async () => {
    // Front to back, so nothing is left calling a server that is already gone.
    for (const c of [...started].reverse()) await c.stop();
  };
  // If the demo itself dies, do not leave servers behind holding the ports.
  const killAll = () => started.forEach((c) => c.process.kill('SIGTERM'));
  process.once('exit', killAll);

  try {
    const platform = startChild('mock platform', [cli, 'platform', '--listen', formatHostPort(o.platform), '--keys-dir', o.keysDir], childEnv({}), logs.platform);
    started.push(platform);
    await platform.ready(o.platform);
    o.onReady?.(`mock platform   ${urls.platform}`);

    const gatewayArgs = [cli, 'gateway', '--listen', formatHostPort(o.gateway), '--platform', urls.platform, '--keys-dir', o.keysDir, '--notify-url', urls.sidecar];
    const gateway = startChild(
      'gateway',
      agentLoaded ? ['--require', agentEntry, ...gatewayArgs] : gatewayArgs,
      childEnv({ [ENV.AGENT_ADMIN.name]: formatHostPort(o.agent), OTEL_SERVICE_NAME: 'payment-gateway' }),
      logs.gateway,
    );
    started.push(gateway);
    await gateway.ready(o.gateway);
    if (agentLoaded) await gateway.ready(o.agent);
    o.onReady?.(`gateway         ${urls.gateway}${agentLoaded ? ` (agent: ${urls.agent}/metrics, ${urls.agent}/debug/pprof/)` : ' (agent not built: run npm run build)'}`);

    const sidecarArgs = [
      cli, 'run',
      '--listen', formatHostPort(o.sidecar),
      '--upstream', urls.gateway,
      '--admin', formatHostPort(o.admin),
      '--access-log', 'file',
      '--access-log-file', logs.access,
      '--route', GATEWAY_ROUTE_TEMPLATES.join(','),
    ];
    if (agentLoaded) sidecarArgs.push('--agent-metrics', `${urls.agent}/metrics`);
    const sidecar = startChild('sidecar', sidecarArgs, childEnv({ [ENV.STRESS_SECRET.name]: o.stressSecret }), logs.sidecar);
    started.push(sidecar);
    await sidecar.ready(o.sidecar);
    await sidecar.ready(o.admin);
    o.onReady?.(`sidecar         ${urls.sidecar} → gateway (admin: ${urls.admin}/metrics)`);

    const prometheus = await startDemoPrometheus({ admin: o.admin, dir: join(o.logDir, '..', 'prometheus'), logFile: logs.prometheus, env: childEnv({}) });
    if (prometheus) {
      started.push(prometheus.child);
      urls.prometheus = prometheus.url;
      o.onReady?.(`prometheus      ${prometheus.url} (scrapes the sidecar every second, exemplar storage on)`);
    } else {
      o.onReady?.('prometheus      not installed: the slow request below is read from the sidecar\'s own exemplars');
    }
    o.onReady?.(`status page     ${urls.admin}/  (open it now: live prod and stress traffic, the sidecar's and the gateway's runtime)`);
  } catch (err) {
    await stop();
    process.off('exit', killAll);
    throw err;
  }
  return {
    urls,
    agentLoaded,
    logs,
    stop: async () => {
      await stop();
      process.off('exit', killAll);
    },
  };
}
