/**
 * The Node.js major the project runs on, read from package.json's `engines.node` (">=24"), and a
 * check that names the runtime. `npm test` and every benchmark refuse an older node instead of
 * failing later on an API that only looks missing.
 */
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

function floorMajor(range) {
  const m = /^>=\s*(\d+)(?:\.\d+)*\s*$/.exec(range ?? '');
  if (!m) throw new Error(`package.json engines.node must be ">=N" (got ${JSON.stringify(range)})`);
  return Number(m[1]);
}

const FLOOR = floorMajor(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).engines?.node);

/** "node v24.21.0 on linux-x64 (/path/to/node)": the line the test output starts with. */
function describe(p = process) {
  return `node ${p.version} on ${p.platform}-${p.arch} (${p.execPath})`;
}

/** undefined when `version` ("v24.21.0") is at or above the floor, else the message to print. */
function refusal(version, floor = FLOOR) {
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  if (major >= floor) return undefined;
  return (
    `paysidecar needs Node.js ${floor} or newer; this is ${version}.\n` +
    `Run it through npm (\`npm test\`, \`npm run demo\`): npm puts node_modules/.bin first on PATH, ` +
    `where the \`node\` devDependency installs Node ${floor}. Or use \`nvm use\` (.nvmrc).`
  );
}

module.exports = { FLOOR, floorMajor, describe, refusal };
