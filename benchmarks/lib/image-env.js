/**
 * The runtime settings the Dockerfile ships for the sidecar (NODE_OPTIONS, MALLOC_ARENA_MAX), read
 * from the Dockerfile's last stage, so the benchmarks start `paysidecar run` the way the image does.
 */
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const SHIPPED = ['NODE_OPTIONS', 'MALLOC_ARENA_MAX'];

/** ENV key=value pairs of the Dockerfile's last stage (continuation lines joined, comments dropped). */
function dockerfileEnv(root) {
  const lines = [];
  let current = '';
  for (const raw of readFileSync(join(root, 'Dockerfile'), 'utf8').split('\n')) {
    const line = raw.trimEnd();
    if (line.trimStart().startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    lines.push((current + line).trim());
    current = '';
  }
  const lastStage = lines.map((l, i) => (/^FROM\s/i.test(l) ? i : -1)).filter((i) => i >= 0).at(-1) ?? 0;
  const env = {};
  for (const l of lines.slice(lastStage)) {
    if (!/^ENV\s/i.test(l)) continue;
    for (const m of l.slice(4).matchAll(/(\w+)=("([^"]*)"|\S*)/g)) env[m[1]] = m[3] ?? m[2];
  }
  return env;
}

/** The shipped memory settings, e.g. { NODE_OPTIONS: '--max-semi-space-size=8', MALLOC_ARENA_MAX: '2' }. */
function imageRuntimeEnv(root) {
  const env = dockerfileEnv(root);
  return Object.fromEntries(SHIPPED.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
}

module.exports = { imageRuntimeEnv, dockerfileEnv };
