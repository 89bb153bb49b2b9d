/** The machine a run was measured on, printed with every result (figures mean little without it). */
'use strict';
const os = require('node:os');
const { spawnSync } = require('node:child_process');

/** First line a tool prints about its version (wrk -v exits 1, nginx -v writes to stderr). */
function versionLine(bin) {
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] || undefined;
}

function describeMachine(tools = {}) {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    ...Object.fromEntries(Object.entries(tools).filter(([, v]) => v).map(([k, bin]) => [k, versionLine(bin)])),
  };
}

function machineLine(m) {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, ${m.kernel}, node ${m.node}; load average ${m.loadAverage.join(' ')}`;
}

module.exports = { describeMachine, machineLine };
