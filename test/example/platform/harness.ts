/** Shared by the platform and gateway tests: temp keys dirs, a signed merchant client, a callback receiver. */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import pino from 'pino';
import { signRequest } from '../../../examples/payments/wxpay/authorization';
import { ensureKeysDir, loadMerchantKeys, loadPlatformKeys, type MerchantKeys, type PlatformKeys } from '../../../examples/payments/wxpay/keys';

export const silent = pino({ level: 'silent' });

export interface TempKeys {
  dir: string;
  merchant: MerchantKeys;
  platform: PlatformKeys;
  cleanup(): void;
}

export async function tempKeys(prefix = 'paysidecar-test-'): Promise<TempKeys> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const dir = join(root, 'keys');
  await ensureKeysDir(dir);
  return { dir, merchant: await loadMerchantKeys(dir), platform: await loadPlatformKeys(dir), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

async function toReply(res: Awaited<ReturnType<typeof request>>): Promise<Reply> {
  const text = await res.body.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

export interface SignedCallOptions {
  timestamp?: number;
  /** Replace the Authorization header (after signing). */
  authorization?: (signed: string) => string | undefined;
  /** Send this body instead of the signed one (to tamper after signing). */
  sendBody?: string;
  userAgent?: string | null;
  headers?: Record<string, string>;
}

/** A merchant request signed as the gateway signs it. */
export async function signedCall(baseUrl: string, merchant: MerchantKeys, method: 'GET' | 'POST', path: string, body?: unknown, o: SignedCallOptions = {}): Promise<Reply> {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  let auth: string | undefined = signRequest({ mchid: merchant.mchid, serialNo: merchant.merchantSerial, privateKey: merchant.merchantPrivateKey, method, canonicalUrl: path, body: text, timestamp: o.timestamp });
  if (o.authorization) auth = o.authorization(auth);
  const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
  if (auth !== undefined) headers.authorization = auth;
  if (o.userAgent !== null) headers['user-agent'] = o.userAgent ?? 'paysidecar-test';
  const sent = o.sendBody ?? text;
  if (sent !== '') headers['content-type'] = 'application/json';
  return toReply(await request(`${baseUrl}${path}`, { method, headers, body: sent === '' ? undefined : sent }));
}

/** `ca`: trust this CA for an https base URL (the keys directory's demo CA). */
export async function plainCall(baseUrl: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, ca?: string): Promise<Reply> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const dispatcher = ca ? new Agent({ connect: { ca } }) : undefined;
  try {
    return await toReply(
      await request(`${baseUrl}${path}`, {
        method: method as 'GET',
        headers: text === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: text,
        dispatcher,
      }),
    );
  } finally {
    await dispatcher?.close();
  }
}

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** An HTTP server that records every request and answers with `answer`. */
export async function receiver(answer: (req: Received, index: number, res: ServerResponse) => unknown): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: performance.now() };
      received.push(r);
      void answer(r, received.length - 1, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function orderBody(merchant: MerchantKeys, outTradeNo: string, notifyUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { appid: merchant.appid, mchid: merchant.mchid, description: 'test order', out_trade_no: outTradeNo, notify_url: notifyUrl, amount: { total: 100, currency: 'CNY' }, ...extra };
}
