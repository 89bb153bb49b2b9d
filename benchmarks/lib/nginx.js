/**
 * nginx as a reference reverse proxy: one worker, an upstream keep-alive pool, no access log (a
 * bare proxy, like the http-proxy baseline). Its config and runtime files live in a temp dir.
 */
'use strict';
const { existsSync, mkdtempSync, writeFileSync, rmSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

function findNginx() {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin']) {
    if (dir && existsSync(join(dir, 'nginx'))) return join(dir, 'nginx');
  }
  return undefined;
}

function nginxVersion(bin) {
  try {
    return execFileSync(bin, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() || undefined;
  } catch (err) {
    // nginx -v prints to stderr
    return String(err.stderr ?? '').trim() || undefined;
  }
}

function nginxConfig(dir, listenPort, upstreamPort) {
  const asRoot = process.getuid?.() === 0;
  return `# written by benchmarks/lib/nginx.js for one benchmark run
${asRoot ? 'user root;\n' : ''}worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  upstream app {
    server 127.0.0.1:${upstreamPort};
    keepalive 256;
    keepalive_timeout 4s;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

/** Returns the command line to start nginx and a cleanup for its temp dir. */
function prepareNginx(bin, listenPort, upstreamPort) {
  const dir = mkdtempSync(join(tmpdir(), 'paysidecar-bench-nginx-'));
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, listenPort, upstreamPort));
  return { cmd: bin, args: ['-p', dir, '-c', join(dir, 'nginx.conf')], cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

module.exports = { findNginx, nginxVersion, prepareNginx };
