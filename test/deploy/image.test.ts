/**
 * What the image does, without a Docker engine: `npm pack`, the Dockerfile's own `npm install
 * --omit=dev` of the tarball into an empty directory, then the Kubernetes example's pod started
 * from that install — the sidecar (ENTRYPOINT + args, the image's ENV, the container's env, its
 * ConfigMap and Secret volumes laid out as the kubelet lays them out), the gateway with the agent
 * through NODE_OPTIONS, and the mock platform — with every address moved to a free loopback port.
 * A runtime dependency missing from "dependencies", a file missing from "files" or a wrong bin
 * fails here. Not replayed: USER (the test runs as whoever runs it) and the sysctls.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { metricValue, request } from '../helpers/sidecar';
import { signStressToken } from '../../src/context/stress-token';
import { projectedVolume } from '../reload/volume';
import { allContainers, envOf, execForm, loadManifests, parseDockerfile, REPO, workloads, type Container, type Workload } from './manifests';
import { materialiseEnv, remap, type AddressMap, type MaterialisedEnv } from './pod-env';
import { loadConfig } from '../../src/config/load';
import { formatHostPort } from '../../src/config/address';
import { freePort } from '../helpers/ports';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string; bin: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const dockerfile = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.stages.at(-1)!;
const WORKDIR = runtime.instructions.filter((i) => i.op === 'WORKDIR').at(-1)!.args;
const ENTRYPOINT = execForm(runtime, 'ENTRYPOINT')!;
const CMD = execForm(runtime, 'CMD')!;
const HEALTHCHECK = JSON.parse(/CMD (\[.*\])\s*$/.exec(runtime.instructions.find((i) => i.op === 'HEALTHCHECK')!.args)![1]) as string[];
const docs = loadManifests();


async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Started {
  child: ChildProcess;
  output(): string;
}

describe('the image, replayed from the packed tarball', { timeout: 300_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'paysidecar-image-'));
  const install = join(root, WORKDIR.replace(/^\//, '').replace(/\//g, '_'));
  const children: ChildProcess[] = [];
  const envs: MaterialisedEnv[] = [];
  let imageEnv: Record<string, string>;
  let map: AddressMap;

  before(async () => {
    // Build stage: `npm pack` of what is built, renamed as the Dockerfile renames it.
    const packed = await run('npm', ['pack', '--json', '--pack-destination', root], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
    const [{ filename }] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
    const tarball = join(root, 'paysidecar.tgz');
    cpSync(join(root, filename), tarball);
    // Runtime stage: the Dockerfile's own install command, in an empty directory.
    const line = runtime.instructions.find((i) => i.op === 'RUN' && /npm install/.test(i.args))!.args;
    const echo = /echo '([^']*)' > package\.json/.exec(line)?.[1];
    assert.ok(echo, 'the runtime stage writes a package.json before installing');
    const npmInstall = /npm install [^&]*/.exec(line)![0].trim().split(/\s+/);
    rmSync(install, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', install]);
    writeFileSync(join(install, 'package.json'), echo);
    const args = [...npmInstall.slice(1).map((a) => (a === '/tmp/paysidecar.tgz' ? tarball : a)), '--prefer-offline'];
    await run('npm', args, { cwd: install, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });

    const pathEnv = envOf(runtime).PATH ?? '$PATH';
    imageEnv = { ...envOf(runtime), PATH: pathEnv.split(WORKDIR).join(install).replace('$PATH', process.env.PATH ?? '') };
    const ports = new Map<number, number>();
    for (const p of [15001, 15090, 8080, 15091, 8090]) ports.set(p, await freePort());
    map = { ports, hosts: new Map([['0.0.0.0', '127.0.0.1'], ['wxpay-mock.payments.svc', '127.0.0.1'], ['payment-gateway.payments.svc', '127.0.0.1']]) };
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const e of envs) e.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('installs production dependencies only, and every module the package requires resolves from the install', () => {
    const top = new Set(readdirSync(join(install, 'node_modules')).flatMap((n) => (n.startsWith('@') ? readdirSync(join(install, 'node_modules', n)).map((m) => `${n}/${m}`) : [n])));
    for (const dev of Object.keys(pkg.devDependencies)) {
      if (!(dev in pkg.dependencies)) assert.ok(!top.has(dev), `dev dependency ${dev} was installed`);
    }
    const pkgDir = join(install, 'node_modules', pkg.name);
    const bin = join(install, 'node_modules', '.bin', ENTRYPOINT[0]);
    assert.ok(existsSync(bin), `the image's ENTRYPOINT ${ENTRYPOINT[0]} is on PATH after the install`);
    assert.ok(statSync(bin).mode & 0o111, 'and executable');
    assert.equal(readFileSync(bin, 'utf8').split('\n')[0], '#!/usr/bin/env node');
    // Lazily required modules (profilers, exporters) too: each bare require in the shipped code must resolve.
    const requireFrom = createRequire(join(pkgDir, 'package.json'));
    const builtins = new Set(builtinModules);
    const files: string[] = [];
    const walk = (d: string) => readdirSync(d).forEach((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : n.endsWith('.js') && files.push(join(d, n))));
    walk(join(pkgDir, 'dist'));
    const missing = new Set<string>();
    let checked = 0;
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)) {
        const spec = m[1];
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
        checked++;
        try {
          createRequire(f).resolve(spec);
        } catch {
          missing.add(`${spec} (from ${f.slice(pkgDir.length + 1)})`);
        }
      }
    }
    assert.ok(checked > 20, `${checked} requires checked`);
    assert.deepEqual([...missing], [], 'modules the shipped code requires but the production install lacks');
    assert.ok(requireFrom.resolve(`${pkg.name}/agent`), 'the agent entry the gateway imports');
  });

  it("the build stage runs the package's build script before packing, so the one-file agent is in the image", () => {
    const build = dockerfile.stages[0].instructions.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n');
    assert.match(build, /npm run build[\s\S]*npm pack/);
    for (const script of (pkg as unknown as { scripts: Record<string, string> }).scripts.build.matchAll(/node (scripts\/\S+)/g)) {
      assert.ok(dockerfile.stages[0].instructions.some((i) => i.op === 'COPY' && i.args.startsWith(script[1].split('/')[0])), `${script[1]} is copied into the build stage`);
    }
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: REPO }).toString()) as Array<{ files: Array<{ path: string }> }>;
    assert.ok(packed[0].files.some((f) => f.path === 'dist/agent/paysidecar-agent.js'), 'the bundle is published');
  });

  function container(name: string): { w: Workload; c: Container } {
    for (const w of workloads(docs)) for (const c of allContainers(w)) if (c.name === name && c.image.startsWith('paysidecar')) return { w, c };
    throw new Error(`no container ${name}`);
  }

  function start(c: Container, env: Record<string, string>): Started {
    // Exec form, as the image runs it: the entrypoint found on the image's PATH, no shell.
    const argv = [...ENTRYPOINT, ...(c.args ?? CMD)];
    const child = spawn(argv[0], argv.slice(1), { cwd: install, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    return { child, output: () => out };
  }

  it('runs the Kubernetes example pod from the install: /live, /ready, a payment through the sidecar, the agent merged, the secret file read, clean SIGTERMs', async () => {
    const keysDir = join(root, 'keys-created-by-the-platform');
    const port = (p: number) => map.ports.get(p)!;

    // The platform creates the keys the wxpay-keys Secret would hold.
    const pf = container('platform');
    const pfEnv = materialiseEnv(docs, pf.w, pf.c, imageEnv, { map, dirs: { '/etc/wxpay-keys': keysDir } });
    envs.push(pfEnv);
    const platform = start(pf.c, pfEnv.env);
    await until('the platform', async () => existsSync(join(keysDir, 'ids.json')) && (await request(`http://127.0.0.1:${port(8090)}/mock/orders/none`)).status > 0);

    // The native sidecar starts first; the gateway only once its startup probe (/live) passes.
    const sc = container('paysidecar');
    const stressSecret = `replayed-stress-secret-${Date.now()}`;
    const scEnv = materialiseEnv(docs, sc.w, sc.c, imageEnv, { map, secretFiles: { 'paysidecar-stress': { secret: `${stressSecret}\n` } } });
    envs.push(scEnv);
    // The image leaves the proxy address at its default (0.0.0.0:15001): moved like every other address.
    scEnv.env.PAYSIDECAR_LISTEN ??= remap(formatHostPort(loadConfig({ env: {} }).config.listen), map);
    const sidecar = start(sc.c, scEnv.env);
    const admin = `http://127.0.0.1:${port(15090)}`;
    const proxy = `http://127.0.0.1:${port(15001)}`;
    await until('the sidecar /live', async () => (await request(`${admin}${sc.c.startupProbe!.httpGet!.path}`)).status === 200);
    assert.equal((await request(`${admin}/ready`)).status, 503, 'not ready before the gateway listens');

    const gw = container('gateway');
    const keys = projectedVolume(Object.fromEntries(readdirSync(keysDir).map((f) => [f, readFileSync(join(keysDir, f), 'utf8')])), 'paysidecar-keys-');
    const gwEnv = materialiseEnv(docs, gw.w, gw.c, imageEnv, { map, dirs: { '/etc/wxpay-keys': keys.dir } });
    envs.push(gwEnv, { ...gwEnv, cleanup: keys.remove });
    const gateway = start(gw.c, gwEnv.env);
    await until('the sidecar /ready', async () => (await request(`${admin}${sc.c.readinessProbe!.httpGet!.path}`)).status === 200);

    // The image's HEALTHCHECK, run as the container would run it.
    const hc = spawnSync(HEALTHCHECK[0], HEALTHCHECK.slice(1), { env: scEnv.env, cwd: install, timeout: 10_000 });
    assert.equal(hc.status, 0, `HEALTHCHECK: ${hc.stderr}`);
    const hcDead = spawnSync(HEALTHCHECK[0], HEALTHCHECK.slice(1), { env: { ...scEnv.env, PAYSIDECAR_ADMIN: `127.0.0.1:${await freePort()}` }, cwd: install, timeout: 10_000 });
    assert.equal(hcDead.status, 1, 'the HEALTHCHECK fails when /live does not answer');

    // A payment through the Service port (the sidecar) to the gateway, which calls the platform.
    const created = await request(`${proxy}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 100, description: 'replayed image', type: 'native', account: 'alice' }),
    });
    assert.equal(created.status, 201, created.body);
    assert.match(String(created.headers['x-trace-id']), /^tr-[0-9a-f]{32}$/);
    const order = JSON.parse(created.body) as { out_trade_no: string };
    assert.equal((await request(`${proxy}/api/orders/${order.out_trade_no}`)).status, 200);
    // The stress secret came from the Secret volume.
    const stress = await request(`${proxy}/api/orders/${order.out_trade_no}`, { headers: { 'x-test-env': 'stress-image', 'x-stress-token': signStressToken(stressSecret, 'stress-image') } });
    assert.match(String(stress.headers['x-trace-id']), /^t-/);

    await until('the agent merged into /metrics', async () => metricValue((await request(`${admin}/metrics`)).body, 'paysidecar_agent_up') === 1);
    const metrics = (await request(`${admin}/metrics`)).body;
    assert.equal(metricValue(metrics, 'http_server_request_duration_count', { http_route: '/api/orders', http_response_status_code: '201' }), 1);
    assert.match(metrics, /paysidecar_source="agent"/, 'the gateway runs the agent from the install (NODE_OPTIONS)');
    const config = JSON.parse((await request(`${admin}/config`)).body) as Record<string, unknown>;
    assert.equal(config.serviceName, 'payment-gateway');
    assert.ok(String(config.stressSecretFile).startsWith(scEnv.mounts.get('/etc/paysidecar/stress')!));
    assert.equal(config.debugToken, '[redacted]');
    assert.ok(!JSON.stringify(config).includes(stressSecret) && !JSON.stringify(config).includes(scEnv.secrets.PAYSIDECAR_DEBUG_TOKEN));

    // Memory in use stays inside the limits the manifest gives each container.
    const rss = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
    const mi = (q: string) => Number(q.replace('Mi', '')) * 1024 * 1024;
    assert.ok(rss(sidecar.child.pid!) < mi(sc.c.resources!.limits!.memory), `sidecar RSS ${(rss(sidecar.child.pid!) / 1048576).toFixed(0)} MiB`);
    assert.ok(rss(gateway.child.pid!) < mi(gw.c.resources!.limits!.memory), `gateway RSS ${(rss(gateway.child.pid!) / 1048576).toFixed(0)} MiB`);

    // Pod shutdown order for native sidecars: the app first, then the sidecar. Both exit 0 on SIGTERM.
    gateway.child.kill('SIGTERM');
    const [gwCode] = await once(gateway.child, 'exit');
    assert.equal(gwCode, 0, gateway.output());
    sidecar.child.kill('SIGTERM');
    const [scCode] = await once(sidecar.child, 'exit');
    assert.equal(scCode, 0, sidecar.output());
    assert.match(sidecar.output(), /"completed":true/);
    assert.ok(!sidecar.output().includes(stressSecret), 'the secret never reached a log');
    platform.child.kill('SIGTERM');
    await once(platform.child, 'exit');
  });
});
