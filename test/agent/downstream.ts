/** The app's downstream for propagation tests: records the headers of each call by its ?id=. */
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export interface Downstream {
  readonly url: string;
  readonly tlsUrl: string;
  /** PEM file of the self-signed certificate the HTTPS side uses. */
  readonly caFile: string;
  readonly seen: Map<string, IncomingHttpHeaders>;
  close(): Promise<void>;
}

function selfSignedCert(dir: string): { key: Buffer; cert: Buffer; caFile: string } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {
      stdio: 'ignore',
    });
  } catch (err) {
    throw new Error(`the https propagation test needs the openssl command (Debian package openssl): ${(err as Error).message}`);
  }
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), caFile: certFile };
}

export async function startDownstream(): Promise<Downstream> {
  const seen = new Map<string, IncomingHttpHeaders>();
  const record = (req: { url?: string; headers: IncomingHttpHeaders }, res: { end(b: string): void }) => {
    const id = new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '';
    seen.set(id, req.headers);
    res.end('seen');
  };
  const dir = mkdtempSync(join(tmpdir(), 'paysidecar-downstream-'));
  const tls = selfSignedCert(dir);
  const plain: Server = createHttpServer(record);
  const secure = createHttpsServer({ key: tls.key, cert: tls.cert }, record);
  plain.listen(0, '127.0.0.1');
  secure.listen(0, '127.0.0.1');
  await Promise.all([once(plain, 'listening'), once(secure, 'listening')]);
  return {
    url: `http://127.0.0.1:${(plain.address() as AddressInfo).port}`,
    tlsUrl: `https://127.0.0.1:${(secure.address() as AddressInfo).port}`,
    caFile: tls.caFile,
    seen,
    async close() {
      plain.closeAllConnections();
      secure.closeAllConnections();
      await Promise.all([new Promise((r) => plain.close(r)), new Promise((r) => secure.close(r))]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
