/**
 * What a process costs, read from /proc: CPU seconds (utime + stime of every thread), RSS, open
 * sockets. Linux only, which is where the sidecar runs.
 */
'use strict';
const { readFileSync, readdirSync, readlinkSync } = require('node:fs');
const { execFileSync } = require('node:child_process');

let ticks;
function clockTicks() {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** utime + stime in seconds. The command name (field 2) may hold spaces, so split after its ')'. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** VmRSS in bytes. */
function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : null;
}

function openSockets(pid) {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed between readdir and readlink
    }
  }
  return n;
}

/** Direct children (nginx's workers under its master). */
function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A process and its children, summed. */
function groupCpuSeconds(pid) {
  return [pid, ...childPids(pid)].reduce((a, p) => a + safe(() => cpuSeconds(p), 0), 0);
}

function groupRssBytes(pid) {
  return [pid, ...childPids(pid)].reduce((a, p) => a + safe(() => rssBytes(p), 0), 0);
}

function safe(fn, fallback) {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

module.exports = { cpuSeconds, rssBytes, openSockets, childPids, groupCpuSeconds, groupRssBytes };
