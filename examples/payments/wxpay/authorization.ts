/**
 * The merchant's `Authorization` header:
 * `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`.
 * The five fields may come in any order.
 */
import type { KeyObject } from 'node:crypto';
import { AUTH_SCHEME } from './headers';
import { requestMessage } from './message';
import { requestNonce, unixSeconds } from './nonce';
import { signSha256WithRsa } from './rsa';

export interface AuthorizationFields {
  mchid: string;
  nonce_str: string;
  signature: string;
  timestamp: string;
  serial_no: string;
}

export const AUTHORIZATION_FIELDS = ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no'] as const;

export function formatAuthorization(f: AuthorizationFields): string {
  return `${AUTH_SCHEME} mchid="${f.mchid}",nonce_str="${f.nonce_str}",signature="${f.signature}",timestamp="${f.timestamp}",serial_no="${f.serial_no}"`;
}

export type ParsedAuthorization = { ok: true; fields: AuthorizationFields } | { ok: false; problem: string };

const FIELD_RE = /^\s*([a-z_]+)="([^"]*)"\s*$/;

export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (!header) return { ok: false, problem: 'Authorization header is missing' };
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme !== AUTH_SCHEME) return { ok: false, problem: `Authorization scheme must be ${AUTH_SCHEME}` };
  const seen: Record<string, string> = {};
  for (const part of header.slice(space + 1).split(',')) {
    const m = FIELD_RE.exec(part);
    if (!m) return { ok: false, problem: `Authorization field is malformed: ${part.trim().slice(0, 40)}` };
    if (m[1] in seen) return { ok: false, problem: `Authorization field ${m[1]} appears twice` };
    seen[m[1]] = m[2];
  }
  for (const f of AUTHORIZATION_FIELDS) {
    if (!seen[f]) return { ok: false, problem: `Authorization field ${f} is missing` };
  }
  return { ok: true, fields: seen as unknown as AuthorizationFields };
}

export interface SignRequestInput {
  mchid: string;
  serialNo: string;
  privateKey: KeyObject;
  method: string;
  /** Path plus query, no host. */
  canonicalUrl: string;
  body: string;
  /** Overrides for tests; fresh ones are generated otherwise. */
  timestamp?: number;
  nonce?: string;
}

/** Signs one request; call again for every attempt so each carries a fresh nonce and timestamp. */
export function signRequest(input: SignRequestInput): string {
  const timestamp = String(input.timestamp ?? unixSeconds());
  const nonce = input.nonce ?? requestNonce();
  const signature = signSha256WithRsa(input.privateKey, requestMessage(input.method, input.canonicalUrl, timestamp, nonce, input.body));
  return formatAuthorization({ mchid: input.mchid, nonce_str: nonce, signature, timestamp, serial_no: input.serialNo });
}
