/** Identifiers in the shapes the real platform issues. */
import { randomInt } from 'node:crypto';
import { randomAlnum } from '../wxpay/nonce';

function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(randomInt(10));
  return s;
}

function stamp(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** e.g. wx201410272009395522657a690389285100 */
export function prepayId(now = Date.now()): string {
  return `wx${stamp(now)}${randomAlnum(20).toLowerCase()}`;
}

export function codeUrl(): string {
  return `weixin://wxpay/bizpayurl?pr=${randomAlnum(7)}`;
}

/** 28 digits starting 4200, as WeChat transaction ids do. */
export function transactionId(now = Date.now()): string {
  return `4200${digits(6)}${stamp(now).slice(0, 8)}${digits(10)}`;
}

/** 29 digits starting 50, as refund ids do. */
export function refundId(now = Date.now()): string {
  return `50${digits(9)}${stamp(now).slice(0, 8)}${digits(10)}`;
}

let notifySeq = 0;
/** EV-<19 digits>; unique within this process. */
export function notifyId(now = Date.now()): string {
  notifySeq = (notifySeq + 1) % 100_000;
  return `EV-${stamp(now)}${String(notifySeq).padStart(5, '0')}`;
}

export function openid(): string {
  return `o${randomAlnum(27)}`;
}
