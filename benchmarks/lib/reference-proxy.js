#!/usr/bin/env node
/**
 * Reference proxies for "what would it take to pass http-proxy": the same job (forward, keep-alive
 * upstream pool, stream the answer back, drop hop-by-hop headers) without http-proxy, so a run shows
 * the headroom a different forwarding core would give. Not the sidecar; no telemetry.
 *   node benchmarks/lib/reference-proxy.js node-raw|undici <upstream-url> [port]
 *   node-raw  http.request with the sidecar's agent settings, the answer piped back
 *   undici    an undici Pool (512 connections, 4 s keep-alive), undici.stream into the response
 */
'use strict';
const http = require('node:http');

const [kind, upstream, portArg] = process.argv.slice(2);
const target = new URL(upstream);
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade', 'transfer-encoding']);

function fail(res) {
  if (res.headersSent) return res.destroy();
  res.writeHead(502);
  res.end();
}

function nodeRaw() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 256, timeout: 4000, scheduling: 'lifo' });
  return (req, res) => {
    const headers = {};
    for (const k in req.headers) if (!HOP.has(k)) headers[k] = req.headers[k];
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (ur) => {
      const out = {};
      for (const k in ur.headers) if (!HOP.has(k)) out[k] = ur.headers[k];
      res.writeHead(ur.statusCode, out);
      ur.pipe(res);
    });
    up.on('error', () => fail(res));
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  };
}

function undiciStream() {
  const { Pool, stream } = require('undici');
  const pool = new Pool(target.origin, { connections: 512, keepAliveTimeout: 4000, pipelining: 1 });
  return (req, res) => {
    const headers = {};
    for (const k in req.headers) if (!HOP.has(k) && k !== 'host') headers[k] = req.headers[k];
    const body = req.method === 'GET' || req.method === 'HEAD' ? null : req;
    stream(target.origin, { dispatcher: pool, method: req.method, path: req.url, headers, body }, ({ statusCode, headers: h }) => {
      const out = {};
      for (const k in h) if (!HOP.has(k)) out[k] = h[k];
      res.writeHead(statusCode, out);
      return res;
    }).catch(() => fail(res));
  };
}

const handler = kind === 'undici' ? undiciStream() : kind === 'node-raw' ? nodeRaw() : null;
if (!handler) {
  process.stderr.write(`reference-proxy: unknown kind ${kind}, expected node-raw|undici\n`);
  process.exit(2);
}
const server = http.createServer(handler);
server.listen(Number(portArg ?? 0), '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
