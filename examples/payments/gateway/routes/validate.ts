/** Request validation for the gateway API: errors name the field, the value and what was expected. */
import { z } from 'zod';
import { GatewayError } from '../http-errors';

export const ACCOUNT_ID_RE = /^[A-Za-z0-9_.@-]{1,64}$/;
const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,128}$/;

export const createOrderSchema = z
  .strictObject({
    amount: z.number({ error: 'expected a positive integer number of fen' }).int('expected a positive integer number of fen').positive('expected a positive integer number of fen').max(100_000_000_00, 'expected at most 10000000000 fen'),
    description: z.string({ error: 'expected a string of 1-127 characters' }).min(1, 'expected a string of 1-127 characters').max(127, 'expected a string of 1-127 characters'),
    type: z.enum(['native', 'jsapi'], { error: 'expected "native" or "jsapi"' }),
    openid: z.string().min(1).max(128).optional(),
    account: z.string().regex(ACCOUNT_ID_RE, 'expected 1-64 characters of [A-Za-z0-9_.@-]').optional(),
  })
  .refine((b) => b.type !== 'jsapi' || b.openid !== undefined, { message: 'required for type "jsapi"', path: ['openid'] });

export const refundSchema = z.strictObject({
  amount: z.number().int('expected a positive integer number of fen').positive('expected a positive integer number of fen').optional(),
  reason: z.string().max(80, 'expected at most 80 characters').optional(),
});

export const deductSchema = z.strictObject({
  amount: z.number({ error: 'expected a positive integer number of fen' }).int('expected a positive integer number of fen').positive('expected a positive integer number of fen'),
});

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let cur = body;
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as Record<PropertyKey, unknown>)[p] : undefined;
  return cur;
}

export function parseBody<T>(schema: z.ZodType<T>, body: unknown, optional = false): T {
  if (body === undefined && optional) body = {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new GatewayError('PAYSIDECAR_GATEWAY_BAD_REQUEST', 'body must be a JSON object');
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.map(String).join('.') || 'body';
  const value = issue.code === 'unrecognized_keys' ? undefined : valueAt(body, issue.path);
  const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : `${field}: ${issue.message}${value === undefined ? ' (missing)' : `, got ${JSON.stringify(value)}`}`;
  throw new GatewayError('PAYSIDECAR_GATEWAY_BAD_REQUEST', message, { field });
}

export function idempotencyKey(header: string | string[] | undefined): string | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined || v === '') return undefined;
  if (!IDEMPOTENCY_KEY_RE.test(v)) throw new GatewayError('PAYSIDECAR_GATEWAY_BAD_REQUEST', `Idempotency-Key: expected 1-128 printable ASCII characters, got ${JSON.stringify(v.slice(0, 40))}`);
  return v;
}
