/**
 * The soak's clients, in the harness process: most keep one keep-alive connection each and send
 * GET / at a paced share of the total rate; `aborters` of them walk away mid-request instead,
 * alternating between the two ways a client really does it:
 *   - waiting:  GET /slow?ms=200 and destroy the socket 5–30 ms later, while the upstream is still busy
 *   - mid-body: POST with content-length 2048, write half the body, destroy the socket
 * Both must end in a 499 on the sidecar and a destroyed upstream request, never a kept socket.
 */
'use strict';
const http = require('node:http');

function createSoakLoad({ port, clients, aborters, rate }) {
  const counts = { ok: 0, errors: 0, aborted: 0 };
  let running = true;
  /** Timers of sleeping clients, with their resolvers, so stop() wakes them at once. */
  const pending = new Map();
  const normal = Math.max(1, clients - aborters);
  const perClientGapMs = (normal / rate) * 1000;
  const sleep = (ms) =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        pending.delete(t);
        resolve();
      }, ms);
      pending.set(t, resolve);
    });

  function get(agent) {
    return new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/', agent, timeout: 10_000 }, (res) => {
        res.on('end', () => {
          if (res.statusCode === 200) counts.ok++;
          else counts.errors++;
          resolve();
        });
        res.on('error', () => resolve());
        res.resume();
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        counts.errors++;
        resolve();
      });
      req.end();
    });
  }

  function abortOnce(kind) {
    return new Promise((resolve) => {
      const headers = kind === 'mid-body' ? { 'content-type': 'application/json', 'content-length': 2048 } : {};
      const req = http.request({ host: '127.0.0.1', port, path: kind === 'mid-body' ? '/' : '/slow?ms=200', method: kind === 'mid-body' ? 'POST' : 'GET', headers, agent: false });
      req.on('error', () => undefined);
      req.on('response', (res) => res.resume());
      req.on('close', resolve);
      if (kind === 'mid-body') {
        req.flushHeaders();
        req.write(Buffer.alloc(1024, 0x20));
      } else {
        req.end();
      }
      setTimeout(() => {
        counts.aborted++;
        req.destroy();
      }, 5 + Math.random() * 25);
    });
  }

  async function normalClient(i) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    // Spread the clients' first sends over one gap so they do not march in step.
    await sleep((perClientGapMs * i) / normal);
    let next = Date.now();
    while (running) {
      await get(agent);
      next += perClientGapMs;
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      else next = Date.now();
    }
    agent.destroy();
  }

  async function abortingClient(i) {
    let n = i;
    while (running) {
      await abortOnce(n++ % 2 ? 'mid-body' : 'waiting');
      await sleep(10);
    }
  }

  const loops = [];
  for (let i = 0; i < normal; i++) loops.push(normalClient(i));
  for (let i = 0; i < aborters; i++) loops.push(abortingClient(i));

  return {
    counts,
    /** Stops sending; resolves when every client's last request has ended. */
    async stop() {
      running = false;
      for (const [t, resolve] of pending) {
        clearTimeout(t);
        resolve();
      }
      pending.clear();
      let t;
      await Promise.race([Promise.all(loops), new Promise((r) => (t = setTimeout(r, 15_000)))]);
      clearTimeout(t);
    },
  };
}

module.exports = { createSoakLoad };
