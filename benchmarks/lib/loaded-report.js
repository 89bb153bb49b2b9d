/**
 * Preloaded (`node --require`) into a process under study: on SIGUSR2 it writes, to the file named
 * in LOADED_REPORT_FILE, every module in require.cache with its source size, and the process's
 * RSS, heap and V8 heap spaces. SIGUSR2 because `paysidecar run` keeps SIGHUP and SIGUSR1 for
 * reload and log reopening; a listener also stops the signal from killing the process.
 */
'use strict';
const { statSync, writeFileSync } = require('node:fs');
const v8 = require('node:v8');

const file = process.env.LOADED_REPORT_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    const modules = Object.keys(require.cache).map((path) => {
      let bytes = 0;
      try {
        bytes = statSync(path).size;
      } catch {
        // a module without a file (none in practice): counted with size 0
      }
      return { path, bytes };
    });
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]));
    writeFileSync(file, JSON.stringify({ memory: process.memoryUsage(), spaces, modules }));
  });
}
