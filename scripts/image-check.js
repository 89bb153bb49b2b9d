#!/usr/bin/env node
// Runs a built paysidecar image the way a container engine would, with `buildah run --isolation
// chroot`: the image's ENTRYPOINT + CMD, as the image's USER, with the image's ENV, admin and proxy
// moved to free loopback ports (chroot isolation shares this host's network namespace). Checks
// /live, /metrics, a request proxied to an upstream on the host, the process's uid, the image's
// HEALTHCHECK run inside the image (and failing when /live does not answer), a clean SIGTERM exit,
// and prints the image's size. Called by scripts/image-test.sh after the build:
//   node scripts/image-check.js <image> buildah [global buildah options...]
'use strict';
const assert = require('node:assert/strict');
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const { once } = require('node:events');
const { existsSync, readFileSync, readdirSync } = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const { join } = require('node:path');

const [image, ...buildah] = process.argv.slice(2);
if (!image || buildah.length === 0) {
  console.error('usage: image-check.js <image> buildah [options...]');
  process.exit(2);
}
const bh = (args, opts = {}) => execFileSync(buildah[0], [...buildah.slice(1), ...args], { encoding: 'utf8', timeout: 120_000, ...opts });
const log = (m) => console.log(`image-check: ${m}`);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function get(url, timeout = 5000) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout'))).on('error', () => resolve({ status: 0, body: '' }));
  });
}

async function until(what, check, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** Every process below `pid`, read from /proc (buildah re-executes itself before the command). */
function descendants(pid) {
  const children = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch {} // gone meanwhile
  }
  const out = [];
  const walk = (p) => (children.get(p) ?? []).forEach((c) => (out.push(c), walk(c)));
  walk(pid);
  return out;
}

// Run inside the image by its node: every require("x") of the package's dist/ that is not relative
// or built in must resolve from the file that requires it.
const RESOLVE_ALL = `
const { builtinModules, createRequire } = require('node:module');
const { readdirSync, readFileSync, realpathSync, statSync } = require('node:fs');
const { join } = require('node:path');
const root = realpathSync('/app/dist');
const files = [];
const walk = (d) => readdirSync(d).forEach((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : n.endsWith('.js') && files.push(join(d, n))));
walk(root);
const builtins = new Set(builtinModules);
const missing = [];
let checked = 0;
for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/\\brequire\\("([^"]+)"\\)/g)) {
  if (m[1].startsWith('.') || m[1].startsWith('node:') || builtins.has(m[1])) continue;
  checked++;
  try { createRequire(f).resolve(m[1]); } catch { missing.push(m[1] + ' (from ' + f + ')'); }
}
if (missing.length || checked < 20) { console.error('unresolved:', missing, 'checked', checked); process.exit(1); }
console.log(checked + ' requires in ' + files.length + ' files of ' + root + ' resolve inside the image');
`;

const statusField = (pid, field) => new RegExp(`^${field}:\\s+(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1].split(/\s+/);

async function main() {
  const started = Date.now();
  const config = JSON.parse(bh(['inspect', '--type', 'image', image])).Docker.config;
  const dockerfile = readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8');
  const runtime = dockerfile.split(/^FROM /m).at(-1);
  const healthcheck = JSON.parse(/^HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])\s*$/m.exec(runtime)[1]);
  assert.deepEqual(config.Healthcheck?.Test, ['CMD', ...healthcheck], "the image carries the Dockerfile's HEALTHCHECK");
  assert.equal(config.User, /^USER (\S+)/m.exec(runtime)[1]);
  const entrypoint = [...config.Entrypoint, ...(config.Cmd ?? [])];
  log(`image ${image}: user ${config.User}, entrypoint ${JSON.stringify(entrypoint)}, workdir ${config.WorkingDir}`);

  const ctr = bh(['from', '--pull=never', '--name', `paysidecar-image-check-${process.pid}`, image]).trim();
  try {
    // The file system as built: the watched-process collector's ps is there, the build's npm settings
    // (scripts/image-test.sh mounts them only while RUN steps run) are not.
    const root = bh(['mount', ctr]).trim();
    for (const f of ['usr/bin/ps', 'usr/local/bin/node', 'opt/paysidecar/node_modules/.bin/paysidecar']) assert.ok(existsSync(join(root, f)), `/${f} in the image`);
    for (const f of ['usr/local/etc/npmrc', 'usr/local/etc/ca.crt', 'tmp/paysidecar.tgz']) assert.ok(!existsSync(join(root, f)), `/${f} left in the image`);
    bh(['umount', ctr]);
    await runChecks(ctr, config, healthcheck, entrypoint, started);
  } finally {
    bh(['rm', ctr]);
  }
  log(`size of ${image}: ${bh(['images', '--format', '{{.Size}}', image]).trim()}`);
  const base = /^ARG NODE_IMAGE=(\S+)/m.exec(dockerfile)[1];
  log(`size of the base ${base}: ${bh(['images', '--format', '{{.Size}}', base]).trim()}`);
}

async function runChecks(ctr, config, healthcheck, entrypoint, started) {
  const upstream = http.createServer((req, res) => res.end(`upstream saw ${req.url}`));
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  const admin = `127.0.0.1:${await freePort()}`;
  const listen = `127.0.0.1:${await freePort()}`;
  const env = { PAYSIDECAR_ADMIN: admin, PAYSIDECAR_LISTEN: listen, PAYSIDECAR_UPSTREAM: `http://127.0.0.1:${upstream.address().port}` };
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  const run = (args, cmd) => [...buildah.slice(1), 'run', '--isolation', 'chroot', '--user', config.User, ...args, ctr, '--', ...cmd];

  // Its own process group, so that cleanup can end buildah and whatever it started together.
  const child = spawn(buildah[0], run(envArgs, entrypoint), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = once(child, 'exit');
  try {
    await until('/live', async () => (await get(`http://${admin}/live`)).status === 200 || child.exitCode !== null, 90_000);
    assert.equal(child.exitCode, null, `the entrypoint exited early:\n${output}`);
    log(`/live answered 200 after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const proxied = await get(`http://${listen}/v3/pay/transactions/id/image-check`);
    assert.equal(proxied.status, 200);
    assert.equal(proxied.body, 'upstream saw /v3/pay/transactions/id/image-check');
    // Recorded when the response has finished, which may be just after the client has it.
    let metrics = { status: 0, body: '' };
    let took = 0;
    const counted = /^http_server_request_duration_count\{.*http_response_status_code="200".*\} 1$/m;
    try {
      await until(
        'the proxied request in /metrics',
        async () => {
          const t = Date.now();
          metrics = await get(`http://${admin}/metrics`, 30_000);
          took = Date.now() - t;
          return metrics.status === 200 && counted.test(metrics.body);
        },
        60_000,
      );
    } catch (err) {
      const lines = metrics.body.split('\n').filter((l) => l.startsWith('http_server_request_duration_count'));
      throw new Error(`${err.message}; last /metrics: status ${metrics.status} in ${took} ms, ${lines.length ? lines.join('\n') : 'no request counts'}\n${output}`);
    }
    log(`/metrics answered 200 in ${took} ms (${metrics.body.split('\n').length} lines) and counts the proxied request`);

    // node itself, not buildah-chroot-exec above it, which carries the same arguments.
    const sidecar = descendants(child.pid).find((p) => {
      try {
        const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        return /(^|\/)node$/.test(argv[0]) && argv.some((a) => a.endsWith('/paysidecar'));
      } catch {
        return false;
      }
    });
    assert.ok(sidecar, 'the sidecar process is found under buildah run');
    const [uid, gid] = config.User.split(':');
    assert.deepEqual(statusField(sidecar, 'Uid'), [uid, uid, uid, uid], 'real, effective, saved and fs uid');
    assert.deepEqual(statusField(sidecar, 'Gid'), [gid, gid, gid, gid]);
    log(`the sidecar (pid ${sidecar}) runs as uid ${uid}, gid ${gid}; RSS ${statusField(sidecar, 'VmRSS')[0]} kB`);

    // The HEALTHCHECK as the engine runs it: inside the container, with the container's env.
    const hc = (adminAddr) =>
      new Promise((resolve) => {
        // buildah reports a non-zero exit on stderr: kept for the assertion message, not printed.
        const c = spawn(buildah[0], run(['--env', `PAYSIDECAR_ADMIN=${adminAddr}`], healthcheck), { stdio: ['ignore', 'pipe', 'pipe'] });
        let said = '';
        c.stdout.on('data', (d) => (said += d));
        c.stderr.on('data', (d) => (said += d));
        const timer = setTimeout(() => c.kill('SIGKILL'), 60_000);
        c.on('exit', (code) => (clearTimeout(timer), resolve({ code, said })));
      });
    const up = await hc(admin);
    assert.equal(up.code, 0, `HEALTHCHECK passes while /live answers: ${up.said}`);
    const down = await hc(`127.0.0.1:${await freePort()}`);
    assert.equal(down.code, 1, `HEALTHCHECK fails when /live does not answer: ${down.said}`);
    log('HEALTHCHECK: exit 0 against the running sidecar, 1 against a closed port');

    // Modules the shipped code requires lazily (profilers, exporters) are not loaded by /live:
    // resolve every bare require in dist/ from where it sits, with the image's node.
    const scan = spawnSync(buildah[0], run([], ['node', '-e', RESOLVE_ALL]), { encoding: 'utf8', timeout: 60_000 });
    assert.equal(scan.status, 0, `require scan inside the image:\n${scan.stdout}${scan.stderr}`);
    log(scan.stdout.trim());

    process.kill(sidecar, 'SIGTERM');
    const [code] = await Promise.race([exited, new Promise((_, rej) => setTimeout(() => rej(new Error(`no exit 30 s after SIGTERM:\n${output}`)), 30_000))]);
    assert.equal(code, 0, `exit code after SIGTERM:\n${output}`);
    assert.match(output, /"completed":true/, 'drained before exiting');
    log('SIGTERM: drained and exited 0');
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
    upstream.close();
  }
}

main().catch((e) => {
  console.error(`image-check: FAILED: ${e.stack ?? e}`);
  process.exit(1);
});
