#!/usr/bin/env node
/**
 * The baseline the sidecar is judged against: http-proxy 1.18 and nothing else, with the keep-alive
 * agent the sidecar uses (src/proxy/forward.ts with the config defaults: keepAlive, maxSockets 512,
 * maxFreeSockets 256, timeout 4000 ms, lifo). Prints its port on stdout.
 *   node benchmarks/lib/bare-proxy.js <upstream-url> [port]
 */
'use strict';
const http = require('node:http');
const httpProxy = require('http-proxy');

const target = process.argv[2];
const agent = new http.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 256, timeout: 4000, scheduling: 'lifo' });
const proxy = httpProxy.createProxyServer({ xfwd: false });
proxy.on('error', () => undefined);

const server = http.createServer((req, res) => {
  proxy.web(req, res, { target, agent }, () => {
    if (res.headersSent) return res.destroy();
    res.writeHead(502);
    res.end();
  });
});
server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
