#!/usr/bin/env node
// `npm test`: installs the test tools, then runs every compiled test file under node:test.
'use strict';
const { spawnSync } = require('node:child_process');
const { readdirSync, statSync } = require('node:fs');
const { delimiter, dirname, join, relative } = require('node:path');
const { describe, refusal } = require('./runtime-floor');

const root = join(__dirname, '..');
// Every test process is this node (process.execPath), so the first line says which one it is.
console.log(describe());
const old = refusal(process.version);
if (old) {
  console.error(`npm test: ${old}`);
  process.exit(1);
}
const tools = spawnSync('bash', [join(__dirname, 'ensure-test-tools.sh')], { stdio: 'inherit' });
if (tools.status !== 0) {
  console.error('npm test: the test tools could not be installed (see above); not running a partial suite.');
  process.exit(1);
}

function find(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const files = find(join(root, 'dist', 'test'))
  .map((f) => relative(root, f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
if (files.length === 0) {
  console.error('npm test: no compiled tests found under dist/test (did the build run?)');
  process.exit(1);
}
// This node's directory first on PATH: children started through a `#!/usr/bin/env node` bin (the
// image replay runs the package's entrypoint that way) get this node too, not the machine's.
const PATH = [dirname(process.execPath), process.env.PATH].filter(Boolean).join(delimiter);
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PATH },
});
process.exit(r.status ?? 1);
