/**
 * `paysidecar demo` (`npm run demo`): the whole product on one machine — mock platform, gateway
 * with the agent, sidecar in front — driven by prod and stress payment traffic, then the report,
 * a few trace ids and where to look next. Serves until Ctrl-C unless --exit.
 */
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../../src/errors';
import { formatDuration } from '../../../src/config/duration';
import type { HostPort } from '../../../src/config/address';
import { collect, expecting, fixedHostPort, positiveDuration, positiveNumber } from '../../../src/config/values';
import { renderHtml } from '../../../src/bench/html';
import { mergeReports } from '../../../src/bench/merge';
import { writeFileCreatingDir, writeReport } from '../../../src/bench/report-file';
import { formatReport } from '../../../src/bench/table';
import { attachServerSide } from '../../../src/bench/diagnose';
import { formatDiagnosis } from '../../../src/bench/diagnosis-text';
import { DEFAULT_THRESHOLDS } from '../../../src/bench/verdict';
import { checkPorts, type PortClaim } from '../demo/ports';
import { startStack, type Stack } from '../demo/stack';
import { runDemoTraffic, STACK_WARM_UP_REQUESTS, warmUpStack } from '../demo/traffic';
import { byTrafficLines, nextSteps, traceLines } from '../demo/next-steps';
import { slowestFromPrometheus, slowestFromSidecar } from '../demo/slowest-exemplar';

interface DemoFlags {
  duration: string;
  rate: string;
  stressRate: string;
  exit?: boolean;
  out: string;
  keysDir: string;
  listen: string;
  admin: string;
  gatewayListen: string;
  platformListen: string;
  agentAdmin: string;
}

/** The ports every component uses by default (sidecar, gateway, platform, agent). */
const DEFAULTS = {
  duration: '30s',
  rate: '40',
  stressRate: '20',
  out: 'paysidecar-demo',
  keysDir: '.paysidecar-keys',
  listen: '127.0.0.1:15001',
  admin: '127.0.0.1:15090',
  gatewayListen: '127.0.0.1:8080',
  platformListen: '127.0.0.1:8090',
  agentAdmin: '127.0.0.1:15091',
} as const;

/** dist/examples/payments/cli → the package root, where dist/, dashboards/ and deploy/ live. */
const ROOT = resolve(__dirname, '..', '..', '..', '..');

interface Parsed {
  durationMs: number;
  prodRate: number;
  stressRate: number;
  claims: Record<'sidecar' | 'admin' | 'gateway' | 'platform' | 'agent', PortClaim>;
}

const RATE = expecting(positiveNumber, 'a positive number of requests per second');

function parse(f: DemoFlags): Parsed {
  const problems: string[] = [];
  const durationMs = collect('--duration', f.duration, positiveDuration, problems);
  const prodRate = collect('--rate', f.rate, RATE, problems);
  const stressRate = collect('--stress-rate', f.stressRate, RATE, problems);
  const addr = (flag: string, owner: string, v: string): PortClaim => {
    const hp = collect(flag, v, fixedHostPort, problems);
    return { flag, owner, address: hp ?? ({ host: '127.0.0.1', port: 0 } as HostPort) };
  };
  const claims = {
    sidecar: addr('--listen', 'sidecar', f.listen),
    admin: addr('--admin', "sidecar's admin listener", f.admin),
    gateway: addr('--gateway-listen', 'gateway', f.gatewayListen),
    platform: addr('--platform-listen', 'mock platform', f.platformListen),
    agent: addr('--agent-admin', "gateway's agent listener", f.agentAdmin),
  };
  if (problems.length) throw new ConfigError(problems);
  return { durationMs: durationMs as number, prodRate: prodRate as number, stressRate: stressRate as number, claims };
}

function fail(problems: string[], code: number): never {
  for (const p of problems) process.stderr.write(`paysidecar demo: ${p}\n`);
  process.exit(code);
}

/** Whether the sidecar's /metrics carries the agent's series (it does when --agent-metrics is honoured). */
async function agentSeriesMerged(adminUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(3000) });
    return (await res.text()).includes('paysidecar_source="agent"');
  } catch {
    return false;
  }
}

async function demo(f: DemoFlags): Promise<void> {
  let parsed: Parsed;
  try {
    parsed = parse(f);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.problems, 2);
    throw err;
  }
  const { claims } = parsed;
  const busy = await checkPorts(Object.values(claims));
  if (busy.length) fail(busy, 2);

  const out = resolve(f.out);
  const say = (s: string) => process.stdout.write(s + '\n');
  const stressSecret = randomBytes(24).toString('base64url');
  say('paysidecar demo: starting the mock platform, the gateway with the agent, and the sidecar in front of it');
  let stack: Stack;
  try {
    stack = await startStack({
      root: ROOT,
      platform: claims.platform.address,
      gateway: claims.gateway.address,
      agent: claims.agent.address,
      sidecar: claims.sidecar.address,
      admin: claims.admin.address,
      keysDir: resolve(f.keysDir),
      logDir: join(out, 'logs'),
      stressSecret,
      onReady: (line) => say(`  ready  ${line}`),
    });
  } catch (err) {
    fail([(err as Error).message], 1);
  }

  let stopping: Promise<void> | undefined;
  const shutdown = (code: number) => {
    stopping ??= stack.stop().then(
      () => process.exit(code),
      () => process.exit(1),
    );
  };
  const traffic = new AbortController();
  // Ctrl-C during the run stops the traffic and still reports; afterwards it stops the servers.
  const onSignal = () => {
    if (!traffic.signal.aborted && !reported) traffic.abort();
    else shutdown(0);
  };
  let reported = false;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The terminal closed: nobody is left to read a report, so stop everything now.
  process.on('SIGHUP', () => shutdown(129));

  say(`\nwarming the servers up: ${STACK_WARM_UP_REQUESTS} payment requests through the sidecar, not measured`);
  try {
    await warmUpStack(stack.urls.sidecar, stack.urls.platform);
  } catch (err) {
    process.stderr.write(`paysidecar demo: the warm-up failed: ${(err as Error).message}\n`);
    shutdown(1);
    return;
  }
  const trafficStartSec = Date.now() / 1000;
  say(`sending the payment scenario through the sidecar for ${formatDuration(parsed.durationMs)}: prod at ${parsed.prodRate} rps and stress (X-Test-Env: stress-demo, signed X-Stress-Token) at ${parsed.stressRate} rps`);
  let reports;
  try {
    reports = await runDemoTraffic({
      sidecarUrl: stack.urls.sidecar,
      platformUrl: stack.urls.platform,
      durationMs: parsed.durationMs,
      prodRate: parsed.prodRate,
      stressRate: parsed.stressRate,
      stressSecret,
      stream: process.stderr,
      signal: traffic.signal,
      watch: { targets: [new URL(stack.urls.admin), ...(stack.agentLoaded ? [new URL(stack.urls.agent)] : [])], dir: out },
    });
  } catch (err) {
    process.stderr.write(`paysidecar demo: the traffic run failed: ${(err as Error).message}\n`);
    shutdown(1);
    return;
  }
  reported = true;
  const both = [reports.prod, reports.stress];
  const merged = mergeReports(both, DEFAULT_THRESHOLDS);
  if (reports.server) attachServerSide(merged, reports.server);
  const html = join(out, 'report.html');
  writeFileCreatingDir(html, renderHtml(merged));
  writeReport(join(out, 'report.json'), merged);
  writeReport(join(out, 'report-prod.json'), reports.prod);
  writeReport(join(out, 'report-stress.json'), reports.stress);

  say('');
  say(formatReport(merged) + formatDiagnosis(merged));
  say('By traffic');
  say(byTrafficLines(both));
  say('\nTrace ids (W3C trace id, and the X-Trace-ID the sidecar answered with)');
  say(traceLines(both));
  say('');
  // The slow request is named by its exemplar, the way an on-call engineer would find it.
  const slow = stack.urls.prometheus ? await slowestFromPrometheus(stack.urls.prometheus, trafficStartSec) : await slowestFromSidecar(stack.urls.admin);
  say(nextSteps(stack, ROOT, html, await agentSeriesMerged(stack.urls.admin), slow));
  if (f.exit || traffic.signal.aborted) {
    say('\nstopping the servers');
    shutdown(0);
    return;
  }
  say('\nThe platform, gateway and sidecar keep running: try the commands above. Ctrl-C stops them.');
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole product locally: mock platform, gateway with the agent, sidecar, prod + stress payment traffic, report')
    .option('--duration <duration>', 'how long to send traffic', DEFAULTS.duration)
    .option('--rate <rps>', 'production traffic rate (open loop)', DEFAULTS.rate)
    .option('--stress-rate <rps>', 'stress traffic rate (open loop, coloured)', DEFAULTS.stressRate)
    .option('--exit', 'stop the servers and exit after the report instead of serving until Ctrl-C')
    .option('--out <dir>', 'where the HTML/JSON reports and the servers\' logs go', DEFAULTS.out)
    .option('--keys-dir <dir>', 'demo keys shared by the gateway and the mock platform (created when missing)', DEFAULTS.keysDir)
    .option('--listen <host:port>', "the sidecar's proxy listener", DEFAULTS.listen)
    .option('--admin <host:port>', "the sidecar's admin listener (/metrics, /debug/pprof)", DEFAULTS.admin)
    .option('--gateway-listen <host:port>', 'the gateway', DEFAULTS.gatewayListen)
    .option('--platform-listen <host:port>', 'the mock platform', DEFAULTS.platformListen)
    .option('--agent-admin <host:port>', "the gateway's agent listener (/metrics, /debug/pprof)", DEFAULTS.agentAdmin)
    .action((f: DemoFlags) => demo(f));
}
