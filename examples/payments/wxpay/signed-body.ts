/**
 * Platform-to-merchant signatures (responses and callbacks): `Wechatpay-Timestamp/-Nonce/
 * -Signature/-Serial/-Signature-Type` over `TIMESTAMP\nNONCE\nBODY\n`, SHA256withRSA with the platform key
 * (a certificate's or the WeChat Pay public key's; the serial says which).
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import {
  AUTH_SCHEME,
  H_REQUEST_ID,
  H_WECHATPAY_NONCE,
  H_WECHATPAY_SERIAL,
  H_WECHATPAY_SIGNATURE,
  H_WECHATPAY_SIGNATURE_TYPE,
  H_WECHATPAY_TIMESTAMP,
  MAX_CLOCK_SKEW_SECONDS,
  SIGNTEST_PREFIX,
} from './headers';
import { responseMessage } from './message';
import { requestNonce, unixSeconds } from './nonce';
import { signSha256WithRsa, verifySha256WithRsa } from './rsa';

export interface SignBodyInput {
  privateKey: KeyObject;
  serial: string;
  body: string;
  timestamp?: number;
  nonce?: string;
}

export function signedBodyHeaders(input: SignBodyInput): Record<string, string> {
  const timestamp = String(input.timestamp ?? unixSeconds());
  const nonce = input.nonce ?? requestNonce();
  const headers: Record<string, string> = {
    [H_WECHATPAY_TIMESTAMP]: timestamp,
    [H_WECHATPAY_NONCE]: nonce,
    [H_WECHATPAY_SIGNATURE]: signSha256WithRsa(input.privateKey, responseMessage(timestamp, nonce, input.body)),
    [H_WECHATPAY_SERIAL]: input.serial,
    [H_WECHATPAY_SIGNATURE_TYPE]: AUTH_SCHEME,
    [H_REQUEST_ID]: randomUUID(),
  };
  return headers;
}

export type SignatureRejection = 'missing_headers' | 'signtest_probe' | 'unsupported_signature_type' | 'stale_timestamp' | 'unknown_serial' | 'bad_signature';

export type SignatureCheck = { ok: true; serial: string } | { ok: false; reason: SignatureRejection; message: string };

export type HeaderBag = Record<string, string | string[] | undefined>;

function one(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export interface VerifyInput {
  headers: HeaderBag;
  body: string;
  /** Returns the platform public key for a serial, or undefined when the serial is unknown. */
  keyFor: (serial: string) => KeyObject | undefined;
  nowMs?: number;
  maxSkewSeconds?: number;
}

export function verifySignedBody(input: VerifyInput): SignatureCheck {
  const ts = one(input.headers, H_WECHATPAY_TIMESTAMP);
  const nonce = one(input.headers, H_WECHATPAY_NONCE);
  const signature = one(input.headers, H_WECHATPAY_SIGNATURE);
  const serial = one(input.headers, H_WECHATPAY_SERIAL);
  if (!ts || !nonce || !signature || !serial) {
    return { ok: false, reason: 'missing_headers', message: 'Wechatpay-Timestamp, -Nonce, -Signature and -Serial are all required' };
  }
  if (signature.startsWith(SIGNTEST_PREFIX)) {
    return { ok: false, reason: 'signtest_probe', message: 'signature is a WECHATPAY/SIGNTEST/ probe' };
  }
  const type = one(input.headers, H_WECHATPAY_SIGNATURE_TYPE);
  if (type !== undefined && type !== AUTH_SCHEME) {
    return { ok: false, reason: 'unsupported_signature_type', message: `Wechatpay-Signature-Type ${JSON.stringify(type.slice(0, 40))} is not ${AUTH_SCHEME}` };
  }
  const maxSkew = input.maxSkewSeconds ?? MAX_CLOCK_SKEW_SECONDS;
  if (!/^\d{1,12}$/.test(ts) || Math.abs(unixSeconds(input.nowMs) - Number(ts)) >= maxSkew) {
    return { ok: false, reason: 'stale_timestamp', message: `Wechatpay-Timestamp ${JSON.stringify(ts)} is not within ${maxSkew}s of now` };
  }
  const key = input.keyFor(serial);
  if (!key) return { ok: false, reason: 'unknown_serial', message: `Wechatpay-Serial ${JSON.stringify(serial)} is not a known platform key` };
  if (!verifySha256WithRsa(key, responseMessage(ts, nonce, input.body), signature)) {
    return { ok: false, reason: 'bad_signature', message: 'Wechatpay-Signature does not verify' };
  }
  return { ok: true, serial };
}
