/**
 * The things a benchmark puts load on, each its own process on a free loopback port:
 *   none           the upstream itself (the direct path)
 *   http-proxy     bare http-proxy with the sidecar's agent settings (lib/bare-proxy.js)
 *   sidecar        `paysidecar run` at default settings: every metric, span and access log on, the
 *                  access log to stdout (here /dev/null, so its formatting and write are paid)
 *   sidecar-nolog  the same with --access-log off
 *   sidecar-http-proxy  `sidecar` with --forwarder http-proxy (the reference core, same run)
 *   sidecar-page   `sidecar` with its admin status page open in headless chromium (lib/status-page.js)
 *   sidecar-node-defaults  `sidecar` without the image's NODE_OPTIONS and MALLOC_ARENA_MAX (what they buy)
 *   nginx          one worker, upstream keep-alive (lib/nginx.js), when nginx is installed
 *   sidecar@N      `sidecar` from another build (--compare): before/after a change in one run
 *   sidecar~vX / http-proxy~vX   `sidecar` and the bare http-proxy on another node binary
 *                  (--runtimes): the same dist/ on Node 20, 24, 26 in one run
 *   node-raw       reference, not default: a proxy on http.request alone (lib/reference-proxy.js)
 *   undici         reference, not default: a proxy on an undici Pool (lib/reference-proxy.js)
 */
'use strict';
const { join } = require('node:path');
const { freePort, startProcess, stopProcess } = require('./processes');
const { findNginx, prepareNginx } = require('./nginx');
const { childPids, groupCpuSeconds, groupRssBytes } = require('./proc-stat');
const { imageRuntimeEnv } = require('./image-env');

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
/** Every sidecar target but sidecar-node-defaults runs with what the Dockerfile ships, as users run it. */
const IMAGE_ENV = imageRuntimeEnv(ROOT);

const LABELS = {
  none: 'no proxy',
  'http-proxy': 'http-proxy (bare)',
  sidecar: 'sidecar (default)',
  'sidecar-nolog': 'sidecar, log off',
  'sidecar-http-proxy': 'sidecar, http-proxy core',
  'sidecar-page': 'sidecar, page open',
  'sidecar-node-defaults': 'sidecar, node defaults',
  nginx: 'nginx (1 worker)',
  'node-raw': 'http.request proxy',
  undici: 'undici proxy',
};
const ALL_TARGETS = Object.keys(LABELS);
/** Other builds' CLIs by target name (sidecar@1, sidecar@2, ...). */
const BUILDS = {};

/** Other node binaries by target name (sidecar~v20.20.2, http-proxy~v20.20.2, ...). */
const RUNTIMES = {};

/** Adds `sidecar~<version>` and `http-proxy~<version>` targets run by `nodePath`; returns their names. */
function registerRuntime(nodePath, version) {
  const names = [`sidecar~${version}`, `http-proxy~${version}`];
  RUNTIMES[names[0]] = { nodePath, kind: 'sidecar' };
  RUNTIMES[names[1]] = { nodePath, kind: 'http-proxy' };
  LABELS[names[0]] = `sidecar, node ${version}`;
  LABELS[names[1]] = `http-proxy, node ${version}`;
  return names;
}

/** Adds a `sidecar@N` target running `cliPath` (another checkout's dist/src/cli/main.js). */
function registerBuild(cliPath) {
  const name = `sidecar@${Object.keys(BUILDS).length + 1}`;
  BUILDS[name] = cliPath;
  LABELS[name] = `${name} (default)`;
  return name;
}

async function startUpstream() {
  const port = await freePort();
  const proc = await startProcess('upstream', process.execPath, [join(__dirname, 'upstream.js'), String(port)], port);
  return { ...proc, url: `http://127.0.0.1:${port}` };
}

async function startSidecar(upstreamUrl, accessLog, cli = CLI, env = IMAGE_ENV, extra = [], nodePath = process.execPath) {
  const port = await freePort();
  const admin = await freePort();
  const args = [cli, 'run', '--listen', `127.0.0.1:${port}`, '--admin', `127.0.0.1:${admin}`, '--upstream', upstreamUrl, '--access-log', accessLog, ...extra];
  // stdout is /dev/null: the access log is formatted and written, nobody reads it.
  const proc = await startProcess(`sidecar (--access-log ${accessLog})`, nodePath, args, port, { cwd: ROOT, env });
  return { ...proc, adminUrl: `http://127.0.0.1:${admin}` };
}

/**
 * Starts `name` in front of `upstream`. Each target gets cpu() and rss() that cover what serves
 * its requests (nginx: master and worker).
 */
async function startTarget(name, upstream) {
  let proc;
  let cleanup = () => undefined;
  if (name === 'none') {
    proc = upstream;
  } else if (name === 'http-proxy') {
    const port = await freePort();
    proc = await startProcess('http-proxy', process.execPath, [join(__dirname, 'bare-proxy.js'), upstream.url, String(port)], port, { cwd: ROOT });
  } else if (name === 'node-raw' || name === 'undici') {
    const port = await freePort();
    proc = await startProcess(name, process.execPath, [join(__dirname, 'reference-proxy.js'), name, upstream.url, String(port)], port, { cwd: ROOT });
  } else if (name === 'sidecar') {
    proc = await startSidecar(upstream.url, 'stdout');
  } else if (name === 'sidecar-nolog') {
    proc = await startSidecar(upstream.url, 'off');
  } else if (name === 'sidecar-http-proxy') {
    proc = await startSidecar(upstream.url, 'stdout', CLI, IMAGE_ENV, ['--forwarder', 'http-proxy']);
  } else if (name === 'sidecar-page') {
    proc = await startSidecar(upstream.url, 'stdout');
    const browser = await require('./status-page').openStatusPage(proc.adminUrl);
    cleanup = () => browser.close();
  } else if (name === 'sidecar-node-defaults') {
    proc = await startSidecar(upstream.url, 'stdout', CLI, {});
  } else if (BUILDS[name]) {
    proc = await startSidecar(upstream.url, 'stdout', BUILDS[name]);
  } else if (RUNTIMES[name]?.kind === 'sidecar') {
    proc = await startSidecar(upstream.url, 'stdout', CLI, IMAGE_ENV, [], RUNTIMES[name].nodePath);
  } else if (RUNTIMES[name]?.kind === 'http-proxy') {
    const port = await freePort();
    proc = await startProcess(name, RUNTIMES[name].nodePath, [join(__dirname, 'bare-proxy.js'), upstream.url, String(port)], port, { cwd: ROOT });
  } else if (name === 'nginx') {
    const bin = findNginx();
    if (!bin) throw new Error('nginx is not installed');
    const port = await freePort();
    const n = prepareNginx(bin, port, upstream.port);
    cleanup = n.cleanup;
    proc = await startProcess('nginx', n.cmd, n.args, port);
  } else {
    throw new Error(`unknown target ${name}`);
  }
  const pid = proc.pid;
  return {
    name,
    label: LABELS[name],
    url: `http://127.0.0.1:${proc.port}/`,
    pid,
    adminUrl: proc.adminUrl,
    workers: () => childPids(pid),
    cpu: () => groupCpuSeconds(pid),
    rss: () => groupRssBytes(pid),
    async stop() {
      await cleanup();
      if (name !== 'none') await stopProcess(proc);
    },
  };
}

module.exports = { ROOT, CLI, IMAGE_ENV, LABELS, ALL_TARGETS, registerBuild, registerRuntime, startUpstream, startTarget, findNginx };
