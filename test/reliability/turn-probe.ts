/**
 * Preloaded into a child sidecar (NODE_OPTIONS=--require): a 1 ms interval on its event loop that
 * records every turn it did not get for more than 2 ms, as a JSON line in TURN_PROBE_FILE (written
 * every 100 ms): when the turn ended (`at`, Date.now()), how late the interval fired (`wall`, ms)
 * and how much CPU the event-loop thread itself ran meanwhile (`cpu`, ms). On a shared machine wall
 * time includes whatever else ran on the cores; the thread's CPU time is what the sidecar's own
 * work held the loop for.
 */
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const file = process.env.TURN_PROBE_FILE;
const threadCpuMs = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

if (file && isMainThread) {
  const pending: string[] = [];
  let lastWall = performance.now();
  let lastCpu = threadCpuMs();
  setInterval(() => {
    const wall = performance.now();
    const cpu = threadCpuMs();
    const late = wall - lastWall - 1;
    const ran = cpu - lastCpu;
    if (late > 2 || ran > 2) pending.push(JSON.stringify({ at: Date.now(), wall: late, cpu: ran }));
    lastWall = wall;
    lastCpu = cpu;
  }, 1).unref();
  const flush = () => {
    if (pending.length > 0) appendFileSync(file, pending.splice(0).join('\n') + '\n');
  };
  setInterval(flush, 100).unref();
  process.on('exit', flush);
}
