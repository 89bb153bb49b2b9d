/**
 * Checks a callback before anything is applied: Wechatpay-* signature (probe, skew, serial,
 * signature), then the envelope shape, then AES-256-GCM decryption of the resource.
 */
import type { FastifyRequest } from 'fastify';
import { DecryptError, decryptResource } from '../../wxpay/aead';
import { H_WECHATPAY_SERIAL } from '../../wxpay/headers';
import { verifySignedBody, type SignatureRejection } from '../../wxpay/signed-body';
import type { NotifyEnvelope } from '../../wxpay/types';
import { NOTIFY_OUTCOMES, type NotifyOutcome } from '../names';
import type { GatewayContext } from '../context';

export type VerifiedCallback = { ok: true; envelope: NotifyEnvelope; plaintext: string } | { ok: false; status: 400 | 401; outcome: NotifyOutcome; message: string };

const REJECTION_OUTCOME: Record<SignatureRejection, NotifyOutcome> = {
  missing_headers: NOTIFY_OUTCOMES.missingHeaders,
  signtest_probe: NOTIFY_OUTCOMES.probe,
  unsupported_signature_type: NOTIFY_OUTCOMES.badSignature,
  stale_timestamp: NOTIFY_OUTCOMES.stale,
  unknown_serial: NOTIFY_OUTCOMES.unknownSerial,
  bad_signature: NOTIFY_OUTCOMES.badSignature,
};

function isEnvelope(b: unknown): b is NotifyEnvelope {
  const e = b as NotifyEnvelope;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.id === 'string' &&
    typeof e.event_type === 'string' &&
    typeof e.resource === 'object' &&
    e.resource !== null &&
    typeof e.resource.ciphertext === 'string' &&
    typeof e.resource.nonce === 'string'
  );
}

export async function verifyCallback(ctx: GatewayContext, request: FastifyRequest): Promise<VerifiedCallback> {
  const serialHeader = request.headers[H_WECHATPAY_SERIAL];
  const serial = Array.isArray(serialHeader) ? serialHeader[0] : serialHeader;
  const key = serial ? await ctx.verifiedKeys.lookup(serial) : undefined;
  const check = verifySignedBody({ headers: request.headers, body: request.rawBody ?? '', keyFor: () => key });
  if (!check.ok) return { ok: false, status: 401, outcome: REJECTION_OUTCOME[check.reason], message: check.message };
  if (!isEnvelope(request.body)) return { ok: false, status: 400, outcome: NOTIFY_OUTCOMES.malformed, message: 'body is not a callback envelope (id, event_type, resource{ciphertext, nonce})' };
  try {
    return { ok: true, envelope: request.body, plaintext: decryptResource(ctx.keys.apiV3Key.reveal(), request.body.resource) };
  } catch (err) {
    if (err instanceof DecryptError) return { ok: false, status: 400, outcome: NOTIFY_OUTCOMES.decryptFailed, message: `resource could not be decrypted: ${err.message}` };
    throw err;
  }
}
