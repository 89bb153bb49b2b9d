/**
 * Request bodies of the v3 endpoints. A failed check becomes the platform's real error body:
 * 400 PARAM_ERROR with `detail.field` as a JSON pointer (`/amount/total`), the value and the issue.
 */
import { z } from 'zod';
import { wxpayError, type WxpayErrorBody } from '../wxpay/errors';
import { OUT_REFUND_NO_RE, OUT_TRADE_NO_RE } from '../wxpay/types';

const notifyUrl = z
  .string()
  .max(255)
  .refine((s) => {
    try {
      const u = new URL(s);
      // The real platform wants https; the mock also takes http so a loopback sidecar can receive callbacks.
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.search === '' && u.hash === '';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without a query string');

const orderBase = {
  appid: z.string().min(1).max(32),
  mchid: z.string().min(1).max(32),
  description: z.string().min(1).max(127),
  out_trade_no: z.string().regex(OUT_TRADE_NO_RE, 'must be 6-32 characters of [0-9A-Za-z_-|*]'),
  time_expire: z.iso.datetime({ offset: true }).optional(),
  attach: z.string().max(128).optional(),
  notify_url: notifyUrl,
  amount: z.object({
    total: z.number().int().positive(),
    currency: z.literal('CNY').optional(),
  }),
};

export const nativeOrderSchema = z.object(orderBase);
export const jsapiOrderSchema = z.object({ ...orderBase, payer: z.object({ openid: z.string().min(1).max(128) }) });
export type NativeOrderBody = z.infer<typeof nativeOrderSchema>;
export type JsapiOrderBody = z.infer<typeof jsapiOrderSchema>;

export const closeSchema = z.object({ mchid: z.string().min(1).max(32) });

export const refundSchema = z
  .object({
    transaction_id: z.string().min(1).max(32).optional(),
    out_trade_no: z.string().regex(OUT_TRADE_NO_RE).optional(),
    out_refund_no: z.string().regex(OUT_REFUND_NO_RE, 'must be 1-64 characters of [0-9A-Za-z_-|*@]'),
    reason: z.string().max(80).optional(),
    notify_url: notifyUrl.optional(),
    funds_account: z.literal('AVAILABLE').optional(),
    amount: z.object({
      refund: z.number().int().positive(),
      total: z.number().int().positive(),
      currency: z.literal('CNY'),
    }),
  })
  .refine((b) => b.transaction_id !== undefined || b.out_trade_no !== undefined, {
    message: 'one of transaction_id or out_trade_no is required',
    path: ['out_trade_no'],
  });
export type RefundBody = z.infer<typeof refundSchema>;

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = body;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; status: number; body: WxpayErrorBody };

export function check<T>(schema: z.ZodType<T>, body: unknown): Checked<T> {
  if (body === undefined || body === null || typeof body !== 'object') {
    const e = wxpayError('PARAM_ERROR', 'request body must be a JSON object', { location: 'body', issue: 'missing or not an object' });
    return { ok: false, ...e };
  }
  const r = schema.safeParse(body);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const field = `/${issue.path.map(String).join('/')}`;
  const value = valueAt(body, issue.path);
  const e = wxpayError('PARAM_ERROR', `${field === '/' ? 'body' : field}: ${issue.message}`, {
    field,
    value: value === undefined ? null : value,
    issue: issue.message,
    location: 'body',
  });
  return { ok: false, ...e };
}

/** Canonical JSON of an object's fields, so "same parameters" compares values, not key order. */
export function fingerprint(value: unknown): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(canon(value));
}
