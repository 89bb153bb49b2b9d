#!/usr/bin/env node
// Bundles the compiled agent (dist/agent/index.js and everything it requires) into one file,
// dist/agent/paysidecar-agent.js, which is what `paysidecar/agent` resolves to.
// Why: the agent loads into other people's processes before their code runs. Resolving and
// compiling some 300 small files of the OpenTelemetry packages took ~60 ms of a ~85 ms start-up;
// one file loads in ~25 ms, and needs nothing from node_modules at run time, so it can also be
// copied alone into an app image. Modules the agent requires lazily (the profilers, the SDK span
// path) stay lazy: esbuild wraps each CommonJS module and runs it on first require.
// Run after tsc (`npm run build` does both).
'use strict';
const { buildSync } = require('esbuild');
const { join } = require('node:path');

const root = join(__dirname, '..');
const result = buildSync({
  entryPoints: [join(root, 'dist', 'agent', 'index.js')],
  outfile: join(root, 'dist', 'agent', 'paysidecar-agent.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Function names stay readable in the agent's own stack traces and in profiles of the app.
  keepNames: true,
  sourcemap: 'linked',
  legalComments: 'eof',
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
console.log(`agent bundle: dist/agent/paysidecar-agent.js, ${(bytes / 1024).toFixed(0)} KiB from ${Object.keys(result.metafile.inputs).length} files`);
