#!/usr/bin/env node
/**
 * The minimal upstream every target forwards to: a 60-byte JSON answer, keep-alive, nothing else.
 * `/slow?ms=N` answers after N ms (the soak's aborting clients need a request still in flight).
 * Request bodies are drained before answering. Prints its port on stdout.
 *   node benchmarks/lib/upstream.js [port]
 */
'use strict';
const http = require('node:http');

const BODY = Buffer.from('{"ok":true,"id":"0123456789","amount":100,"status":"paid__"}');
const HEADERS = { 'content-type': 'application/json', 'content-length': BODY.length };

function answer(req, res) {
  if (req.url.startsWith('/slow')) {
    const ms = Number(/[?&]ms=(\d+)/.exec(req.url)?.[1] ?? 50);
    const t = setTimeout(() => {
      res.writeHead(200, HEADERS);
      res.end(BODY);
    }, ms);
    res.once('close', () => clearTimeout(t));
    return;
  }
  res.writeHead(200, HEADERS);
  res.end(BODY);
}

const server = http.createServer((req, res) => {
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return answer(req, res);
  req.on('end', () => answer(req, res));
  req.on('error', () => res.destroy());
  req.resume();
});
// Longer than every proxy's idle timeout, so a proxy never reuses a socket this side is closing.
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
