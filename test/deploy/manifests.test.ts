/**
 * The deployment artefacts agree with the CLI: every manifest parses; every flag a container
 * passes exists on the command it runs; every PAYSIDECAR_* variable is declared in
 * src/config/env.ts and, for the sidecar, gateway and platform, loads through the same code the
 * commands use; ports, probes, Service, PodMonitor and scrape annotations match the defaults; the
 * sysctls are the kernel advice's; the Dockerfile exposes, runs and checks what the CLI serves.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load';
import { allEnvVars } from '../../src/config/env';
import { EXAMPLE_ENV } from '../../examples/payments/env';
import { gatewayOptionsFromFlags } from '../../examples/payments/cli/gateway';
import { platformOptionsFromFlags } from '../../examples/payments/cli/platform';
import { GATEWAY_DEFAULTS } from '../../examples/payments/gateway/server';
import { RECOMMENDED } from '../../src/telemetry/host/kernel-advice';
import { allContainers, envOf, execForm, loadManifests, manifestFiles, parseDockerfile, REPO, workloads, type Container, type Workload } from './manifests';
import { materialiseEnv } from './pod-env';

const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string> };
const docs = loadManifests();
const dockerfile = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.stages.at(-1)!;
const imageEnv = envOf(runtime);
const ENTRYPOINT = execForm(runtime, 'ENTRYPOINT') ?? [];
const CMD = execForm(runtime, 'CMD') ?? [];
const DEFAULTS = loadConfig({ env: {} }).config;
const declared = new Set([...allEnvVars(), ...Object.values(EXAMPLE_ENV)].map((e) => e.name));
const cleanups: Array<() => void> = [];
after(() => cleanups.forEach((f) => f()));

const helpCache = new Map<string, string>();
function help(path: string[]): string {
  const key = path.join(' ');
  if (!helpCache.has(key)) helpCache.set(key, execFileSync(process.execPath, [CLI, ...path, '--help'], { encoding: 'utf8' }));
  return helpCache.get(key)!;
}

/** Splits `paysidecar <command> [<subcommand>] args…` as commander would see it. */
function commandPath(argv: string[]): { path: string[]; rest: string[] } {
  const path = [argv[0]];
  let i = 1;
  while (i < argv.length && !argv[i].startsWith('-')) {
    const commands = /\nCommands:\n([\s\S]*?)(\n\n|$)/.exec(help(path))?.[1] ?? '';
    if (!new RegExp(`^\\s+${argv[i]}\\b`, 'm').test(commands)) break;
    path.push(argv[i++]);
  }
  return { path, rest: argv.slice(i) };
}

interface Invocation {
  argv: string[];
  where: string;
}

/** What paysidecar command lines a container runs: from the image entrypoint, `node <bin>`, or a shell script. */
function invocations(w: Workload, c: Container): Invocation[] {
  const where = `${w.doc.file} ${w.doc.metadata.name}/${c.name}`;
  if (!c.image.startsWith('paysidecar')) return [];
  if (!c.command) return [{ argv: [...ENTRYPOINT.slice(1), ...(c.args ?? CMD)], where }];
  if (c.command[0] === 'paysidecar') return [{ argv: [...c.command.slice(1), ...(c.args ?? [])], where }];
  if (c.command[0] === 'node') {
    assert.equal(c.command[1], `/app/${pkg.bin.paysidecar}`, `${where}: node runs the package's bin (the image links /app to the package)`);
    return [{ argv: [...c.command.slice(2), ...(c.args ?? [])], where }];
  }
  if (['sh', 'bash', '/bin/sh'].includes(c.command[0])) {
    const script = (c.args ?? []).join('\n').replace(/\\\n\s*/g, ' ');
    return [...script.matchAll(/(?:^|[\s;&|])(?:paysidecar|node\s+\/app\/dist\/src\/cli\/main\.js)\s+([^\n;&|]*)/g)].map((m) => ({
      argv: m[1].trim().split(/\s+/),
      where: `${where} (script)`,
    }));
  }
  assert.fail(`${where}: cannot tell what ${c.command.join(' ')} runs`);
}

const all = workloads(docs).flatMap((w) => allContainers(w).map((c) => ({ w, c, runs: invocations(w, c) })));
const find = (command: string) => all.filter((x) => x.runs.some((r) => r.argv[0] === command));

describe('Kubernetes manifests', () => {
  it('all parse, and the example is there: sidecar, gateway, platform, Service, PodMonitor, ConfigMap', () => {
    assert.ok(manifestFiles().length >= 3, manifestFiles().join(' '));
    for (const kind of ['Deployment', 'Service', 'ConfigMap', 'PodMonitor']) assert.ok(docs.some((d) => d.kind === kind), kind);
    assert.equal(find('run').length, 1, 'one paysidecar run container');
    assert.equal(find('gateway').length, 1);
    assert.equal(find('platform').length, 1);
  });

  it('use only flags the commands they run accept', () => {
    let checked = 0;
    for (const { runs } of all) {
      for (const r of runs) {
        const { path, rest } = commandPath(r.argv);
        const text = help(path);
        for (const token of rest.filter((t) => t.startsWith('--'))) {
          const flag = token.split('=')[0];
          assert.match(text, new RegExp(`(^|[\\s,])${flag}([\\s=,<\\[]|$)`, 'm'), `${r.where}: ${flag} is not a flag of paysidecar ${path.join(' ')}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 5, `${checked} flags checked`);
  });

  it('use only declared PAYSIDECAR_* variables', () => {
    let checked = 0;
    for (const { w, c } of all) {
      for (const e of c.env ?? []) {
        if (!e.name.startsWith('PAYSIDECAR_')) continue;
        assert.ok(declared.has(e.name), `${w.doc.file} ${c.name}: ${e.name} is not in src/config/env.ts nor examples/payments/env.ts`);
        checked++;
      }
    }
    for (const name of Object.keys(imageEnv).filter((n) => n.startsWith('PAYSIDECAR_'))) assert.ok(declared.has(name), `Dockerfile: ${name}`);
    assert.ok(checked > 10, `${checked} variables checked`);
  });

  it("give the sidecar an environment and config file that `paysidecar run` loads, with the default ports", () => {
    const [{ w, c }] = find('run');
    const m = materialiseEnv(docs, w, c, imageEnv);
    cleanups.push(m.cleanup);
    const { config, sources } = loadConfig({ env: m.env });
    // Env wins over the file: a key set in both would make the ConfigMap's value (and its reload) dead.
    const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'paysidecar-config')!;
    const fileKeys = Object.keys((parseYaml(Object.values(cm.data ?? {})[0]) ?? {}) as Record<string, unknown>);
    assert.ok(fileKeys.length >= 5, fileKeys.join(' '));
    for (const key of fileKeys) assert.equal(sources[key as keyof typeof sources], 'file', `${key} in the ConfigMap is what runs (not shadowed by an env var)`);
    assert.equal(config.listen.port, DEFAULTS.listen.port);
    assert.equal(config.admin.port, DEFAULTS.admin.port);
    const port = (name: string) => c.ports?.find((p) => p.name === name)?.containerPort;
    assert.equal(port('proxy'), DEFAULTS.listen.port);
    assert.equal(port('admin'), DEFAULTS.admin.port);
    assert.equal(config.admin.host, '0.0.0.0', 'probes and Prometheus reach the admin port from outside the pod');
    assert.ok(config.stressSecretFile, 'the stress secret comes from a file, so it can rotate');
    assert.equal(config.stressSecret, undefined);
    // A native sidecar: started first, restarted on its own, stopped last.
    assert.ok(w.pod.initContainers?.includes(c));
    assert.equal(c.restartPolicy, 'Always');
    assert.equal(c.startupProbe?.httpGet?.path, '/live', '/ready would wait for the app, which starts after this probe');
    assert.equal(c.livenessProbe?.httpGet?.path, '/live');
    assert.equal(c.readinessProbe?.httpGet?.path, '/ready');
    for (const p of [c.startupProbe, c.livenessProbe, c.readinessProbe]) assert.ok(p?.httpGet?.port === 'admin' || p?.httpGet?.port === DEFAULTS.admin.port);
    // The drain fits in the grace period, after the app's preStop pause.
    const gateway = find('gateway')[0].c as Container & { lifecycle?: { preStop?: { exec?: { command: string[] } } } };
    const pause = Number(gateway.lifecycle?.preStop?.exec?.command.at(-1) ?? 0);
    assert.ok((w.pod.terminationGracePeriodSeconds ?? 30) * 1000 > config.drainTimeout + pause * 1000, 'grace period covers preStop + drain');
  });

  it('give the gateway and the platform settings their commands accept, on ports that meet', () => {
    const run = find('run')[0];
    const runEnv = materialiseEnv(docs, run.w, run.c, imageEnv);
    cleanups.push(runEnv.cleanup);
    const sidecar = loadConfig({ env: runEnv.env }).config;
    const gw = find('gateway')[0];
    const gwEnv = materialiseEnv(docs, gw.w, gw.c, imageEnv);
    cleanups.push(gwEnv.cleanup);
    const gateway = gatewayOptionsFromFlags({}, gwEnv.env);
    assert.equal(gateway.port, GATEWAY_DEFAULTS.port);
    assert.equal(gateway.host, '127.0.0.1', 'the app listens on loopback: no way around the sidecar');
    assert.equal(Number(sidecar.upstream.port), gateway.port, 'the sidecar forwards to the gateway');
    assert.equal(gw.w, run.w, 'in the same pod');
    const agentAdmin = gwEnv.env.PAYSIDECAR_AGENT_ADMIN;
    assert.equal(sidecar.agentMetrics?.host, agentAdmin, 'the sidecar merges the agent the gateway runs');
    assert.match(gwEnv.env.NODE_OPTIONS ?? '', /--(import|require)[= ]paysidecar\/agent/);

    const pf = find('platform')[0];
    const pfEnv = materialiseEnv(docs, pf.w, pf.c, imageEnv);
    cleanups.push(pfEnv.cleanup);
    const platform = platformOptionsFromFlags({}, pfEnv.env);
    assert.equal(pf.c.ports?.[0].containerPort, platform.port);
    // Service DNS names resolve to Services in these manifests, on the ports the pods listen on.
    for (const url of [gateway.platformUrl, gateway.notifyUrl]) {
      const u = new URL(String(url));
      const [svcName, namespace] = u.hostname.split('.');
      const svc = docs.find((d) => d.kind === 'Service' && d.metadata.name === svcName && d.metadata.namespace === namespace);
      assert.ok(svc, `a Service for ${u.hostname}`);
      assert.ok((svc.spec as { ports: Array<{ port: number }> }).ports.some((p) => p.port === Number(u.port)), `${u.hostname} serves port ${u.port}`);
    }
  });

  it('point the Service, the PodMonitor and the scrape annotations at the sidecar', () => {
    const { w, c } = find('run')[0];
    const svc = docs.find((d) => d.kind === 'Service' && d.metadata.name === 'payment-gateway')!;
    const spec = svc.spec as { selector: Record<string, string>; ports: Array<{ port: number; targetPort: string | number }> };
    for (const [k, v] of Object.entries(spec.selector)) assert.equal(w.labels[k], v, 'the Service selects the pods');
    const target = spec.ports[0].targetPort;
    const resolved = typeof target === 'number' ? target : c.ports?.find((p) => p.name === target)?.containerPort;
    assert.equal(resolved, DEFAULTS.listen.port, 'traffic enters through the sidecar');
    assert.equal(spec.ports[0].port, DEFAULTS.listen.port);

    const pm = docs.find((d) => d.kind === 'PodMonitor')!;
    const pmSpec = pm.spec as { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: Array<{ port: string; path: string; relabelings?: Array<{ targetLabel: string; replacement: string }> }> };
    for (const [k, v] of Object.entries(pmSpec.selector.matchLabels)) assert.equal(w.labels[k], v);
    const ep = pmSpec.podMetricsEndpoints[0];
    assert.equal(c.ports?.find((p) => p.name === ep.port)?.containerPort, DEFAULTS.admin.port);
    assert.equal(ep.path, '/metrics');
    assert.equal(ep.relabelings?.find((r) => r.targetLabel === 'job')?.replacement, 'paysidecar', 'the job the generated alerts select');

    assert.equal(w.annotations['prometheus.io/scrape'], 'true');
    assert.equal(Number(w.annotations['prometheus.io/port']), DEFAULTS.admin.port);
    assert.equal(w.annotations['prometheus.io/path'], '/metrics');
  });

  it("set the kernel advice's values as namespaced sysctls, and resources on every container", () => {
    const { w } = find('run')[0];
    const sysctls = Object.fromEntries((w.pod.securityContext?.sysctls ?? []).map((s) => [s.name, s.value]));
    assert.deepEqual(sysctls, {
      'net.ipv4.ip_local_port_range': RECOMMENDED.portRange,
      'net.core.somaxconn': String(RECOMMENDED.somaxconn),
      'net.ipv4.tcp_max_syn_backlog': String(RECOMMENDED.synBacklog),
      'net.ipv4.tcp_tw_reuse': String(RECOMMENDED.twReuse),
    });
    assert.equal(w.pod.securityContext?.runAsNonRoot, true);
    const bytes = (q: string) => Number(/^(\d+)/.exec(q)?.[1]) * ({ Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[q.replace(/^\d+/, '')] ?? 1);
    const cpu = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
    for (const { w: wl, c } of all.filter((x) => x.w.doc.file !== 'bench-job.yaml')) {
      const r = c.resources;
      assert.ok(r?.requests?.cpu && r.requests.memory && r.limits?.cpu && r.limits.memory, `${wl.doc.metadata.name}/${c.name} has requests and limits`);
      assert.ok(bytes(r.limits.memory) >= bytes(r.requests.memory) && cpu(r.limits.cpu) >= cpu(r.requests.cpu));
    }
  });

  it('include the PrometheusRule the alerts generator writes', () => {
    const rule = docs.find((d) => d.kind === 'PrometheusRule');
    assert.ok(rule, 'deploy/kubernetes holds the generated PrometheusRule');
    assert.ok(((rule.spec as { groups: unknown[] }).groups ?? []).length > 0);
  });
});

describe('Dockerfile', () => {
  it('builds in two stages and installs production dependencies only at runtime', () => {
    assert.ok(dockerfile.stages.length >= 2);
    assert.match(dockerfile.args.NODE_IMAGE ?? runtime.from, /^node:24[.-].*slim/);
    const build = dockerfile.stages[0];
    assert.ok(build.instructions.some((i) => i.op === 'RUN' && /npm ci\b/.test(i.args)), 'the build stage has the dev dependencies');
    assert.ok(build.instructions.some((i) => i.op === 'RUN' && /npm pack\b/.test(i.args)));
    const install = runtime.instructions.find((i) => i.op === 'RUN' && /npm install/.test(i.args));
    assert.match(install?.args ?? '', /npm install --omit=dev .*\/tmp\/paysidecar\.tgz/);
    assert.ok(!runtime.instructions.some((i) => i.op === 'COPY' && !/--from=build \/tmp\/paysidecar\.tgz/.test(i.args)), 'nothing but the tarball comes from outside');
    const apt = runtime.instructions.find((i) => i.op === 'RUN' && /apt-get install/.test(i.args))?.args ?? '';
    assert.match(apt, /\bprocps\b/, 'procps: the watched-process collector spawns ps');
    assert.doesNotMatch(apt, /\biproute2\b/, 'iproute2: no collector spawns ss any more (they read /proc/net/tcp)');
  });

  it('runs the package bin as non-root, exposes the default ports and checks /live', () => {
    assert.deepEqual(ENTRYPOINT, Object.keys(pkg.bin), 'the entrypoint is the package bin, in exec form (SIGTERM reaches node)');
    assert.deepEqual(CMD, ['run']);
    const user = runtime.instructions.filter((i) => i.op === 'USER').at(-1)?.args ?? '';
    assert.match(user, /^[1-9]\d*(:\d+)?$/, 'numeric non-root user');
    const exposed = runtime.instructions.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map(Number));
    assert.deepEqual(exposed.sort(), [DEFAULTS.listen.port, DEFAULTS.admin.port].sort());
    const hc = runtime.instructions.find((i) => i.op === 'HEALTHCHECK');
    assert.match(hc?.args ?? '', /CMD \[.*\/live/);
    const { config } = loadConfig({ env: imageEnv });
    assert.equal(config.listen.port, DEFAULTS.listen.port);
    assert.equal(config.admin.port, DEFAULTS.admin.port);
  });
});
