/**
 * Checks the merchant's `Authorization` on every /v3 request: scheme, all five fields (any order),
 * the merchant id and certificate serial (hex, any case, as the platform compares it), a timestamp
 * within 300 s, and SHA256withRSA over `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n` with the URL and
 * body exactly as they came over the wire. Failures are 401 SIGN_ERROR; a signature that does
 * not verify gets the official `detail.sign_information` (what the platform signed).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseAuthorization } from '../wxpay/authorization';
import { wxpayError, type WxpayErrorDetail } from '../wxpay/errors';
import { MAX_CLOCK_SKEW_SECONDS } from '../wxpay/headers';
import { requestMessage } from '../wxpay/message';
import { unixSeconds } from '../wxpay/nonce';
import { verifySha256WithRsa } from '../wxpay/rsa';
import type { PlatformKeys } from '../wxpay/keys';
import { sameSerial } from '../wxpay/x509/serial';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated merchant id. */
    mchid?: string;
  }
}

export function merchantAuth(keys: PlatformKeys) {
  return async function verify(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const deny = (message: string, detail?: WxpayErrorDetail) => {
      const e = wxpayError('SIGN_ERROR', message, detail);
      return reply.code(e.status).send(e.body);
    };
    if (!request.headers['user-agent']) {
      const e = wxpayError('PARAM_ERROR', 'User-Agent header is required', { field: 'User-Agent', location: 'header', issue: 'missing' });
      return reply.code(e.status).send(e.body);
    }
    const parsed = parseAuthorization(request.headers.authorization);
    if (!parsed.ok) return deny(parsed.problem, { field: 'Authorization', location: 'header', issue: parsed.problem });
    const f = parsed.fields;
    if (f.mchid !== keys.mchid) return deny(`mchid ${f.mchid} is not registered with this platform`);
    if (!sameSerial(f.serial_no, keys.merchantSerial)) return deny(`serial_no ${f.serial_no} is not a certificate of merchant ${f.mchid}`, { field: 'serial_no', location: 'authorization', issue: 'certificate not found' });
    if (!/^\d{1,12}$/.test(f.timestamp) || Math.abs(unixSeconds() - Number(f.timestamp)) > MAX_CLOCK_SKEW_SECONDS) {
      return deny(`timestamp ${f.timestamp} is more than ${MAX_CLOCK_SKEW_SECONDS}s from the platform clock`);
    }
    const message = requestMessage(request.method, request.url, f.timestamp, f.nonce_str, request.rawBody ?? '');
    if (!verifySha256WithRsa(keys.merchantPublicKey, message, f.signature)) {
      return deny('signature does not verify over the request message', {
        field: 'signature',
        location: 'authorization',
        issue: 'sign not match',
        sign_information: { method: request.method, url: request.url, sign_message_length: Buffer.byteLength(message), truncated_sign_message: message.slice(0, 140) },
      });
    }
    request.mchid = f.mchid;
  };
}
