/**
 * The X-Stress-Token format: `<unix-seconds>.<hex HMAC-SHA256(secret, "<scenario>.<unix-seconds>")>`,
 * valid within ±TOKEN_WINDOW_SECONDS of the receiver's clock. Shared by the sidecar (verify) and
 * the bench client (sign).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { STRESS_REJECTION_REASONS } from '../telemetry/names';

export const TOKEN_WINDOW_SECONDS = 300;
// The timestamp as signStressToken writes it: no leading zeros, so each token has one spelling.
const TOKEN_RE = /^(0|[1-9]\d{0,11})\.([0-9a-f]{64})$/;

export function signStressToken(secret: string, scenario: string, unixSeconds = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${scenario}.${unixSeconds}`).digest('hex');
  return `${unixSeconds}.${mac}`;
}

export type TokenVerdict =
  | { ok: true }
  | { ok: false; reason: (typeof STRESS_REJECTION_REASONS)[keyof typeof STRESS_REJECTION_REASONS] };

/** Checks `token` against every accepted secret (several during a secret rotation's overlap). */
export function verifyStressToken(
  secrets: readonly string[],
  scenario: string,
  token: string | undefined,
  nowSeconds = Date.now() / 1000,
): TokenVerdict {
  if (secrets.length === 0) return { ok: false, reason: STRESS_REJECTION_REASONS.noSecret };
  if (!token) return { ok: false, reason: STRESS_REJECTION_REASONS.missingToken };
  const m = TOKEN_RE.exec(token);
  if (!m) return { ok: false, reason: STRESS_REJECTION_REASONS.malformedToken };
  const ts = Number(m[1]);
  if (Math.abs(nowSeconds - ts) > TOKEN_WINDOW_SECONDS) return { ok: false, reason: STRESS_REJECTION_REASONS.expiredToken };
  const given = Buffer.from(m[2], 'hex');
  for (const secret of secrets) {
    const want = createHmac('sha256', secret).update(`${scenario}.${ts}`).digest();
    if (timingSafeEqual(want, given)) return { ok: true };
  }
  return { ok: false, reason: STRESS_REJECTION_REASONS.badSignature };
}
