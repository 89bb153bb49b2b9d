/**
 * Run by debug-access.test.ts inside a fresh network namespace (`unshare -rn`) where 192.0.2.10
 * (TEST-NET-1) has been put on lo: a real non-loopback address that nothing outside the namespace
 * can reach. Starts a sidecar whose admin listens on every address, calls /debug/pprof and the
 * status page from 192.0.2.10 and from 127.0.0.1, and prints what happened as one JSON line.
 */
import http from 'node:http';
import { metricValue, startTestSidecar } from '../helpers/sidecar';

const PEER = '192.0.2.10';

function call(port: number, from: string, headers: Record<string, string> = {}, query = '', path = '/debug/pprof/goroutine'): Promise<{ status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: from, port, path: `${path}${query}`, localAddress: from, headers, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          let code: string | undefined;
          try {
            code = (JSON.parse(body) as { code?: string }).code;
          } catch {
            code = undefined;
          }
          resolve({ status: res.statusCode ?? 0, code });
        });
      })
      .on('error', reject);
  });
}

async function main(): Promise<void> {
  const token = process.env.PROBE_DEBUG_TOKEN ?? '';
  const sc = await startTestSidecar({ upstream: 'http://127.0.0.1:9', admin: '0.0.0.0:0', ...(token ? { debugToken: token } : {}) });
  try {
    const port = sc.adminAddress.port;
    const out = {
      remoteNoToken: await call(port, PEER),
      remoteWrongToken: await call(port, PEER, { authorization: 'Bearer not-the-token' }),
      // A token anywhere but the Authorization header (logs and proxies keep URLs) does not count.
      remoteTokenInQuery: await call(port, PEER, {}, `?token=${encodeURIComponent(token)}`),
      remoteWithToken: token ? await call(port, PEER, { authorization: `Bearer ${token}` }) : undefined,
      loopbackNoToken: await call(port, '127.0.0.1'),
      statusPage: {
        remoteNoToken: await call(port, PEER, {}, '', '/'),
        remoteDataNoToken: await call(port, PEER, {}, '', '/status/data.json'),
        remoteWithToken: token ? await call(port, PEER, { authorization: `Bearer ${token}` }, '', '/status/data.json') : undefined,
        loopbackNoToken: await call(port, '127.0.0.1', {}, '', '/'),
      },
      refusals: metricValue(await sc.metricsText(), 'paysidecar_debug_refusals_total'),
    };
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    await sc.shutdown();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
