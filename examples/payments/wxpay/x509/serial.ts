/**
 * Certificate serials and WeChat Pay public-key ids, and how the platform matches them.
 *
 * A serial is 20 bytes written as 40 upper-case hex digits. The first byte is 0x10..0x7f: below
 * 0x80 so the DER INTEGER is positive without a 0x00 pad (a parser that keeps the pad would print
 * 42 digits), and at least 0x10 so no parser drops a leading zero digit. Every reader then prints
 * the same 40 digits, whatever case it uses.
 */
import { randomBytes, randomInt } from 'node:crypto';

export const PUBLIC_KEY_ID_PREFIX = 'PUB_KEY_ID_';

export function certificateSerial(): string {
  const b = randomBytes(20);
  b[0] = 0x10 + (b[0] % 0x70);
  return b.toString('hex').toUpperCase();
}

function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(randomInt(10));
  return s;
}

/** `PUB_KEY_ID_` + 34 digits (the shape the merchant console shows): 01, mchid, issue date, 14 random digits. */
export function publicKeyId(mchid: string, now = new Date()): string {
  const date = now.toISOString().slice(0, 10).replace(/-/g, '');
  return `${PUBLIC_KEY_ID_PREFIX}01${mchid.padStart(10, '0').slice(-10)}${date}${digits(14)}`;
}

export function isPublicKeyId(serial: string): boolean {
  return serial.startsWith(PUBLIC_KEY_ID_PREFIX);
}

/**
 * The key under which a serial is looked up. Hex certificate serials match whatever their case
 * (SDKs that read the serial from a certificate send it in lower case); public-key ids are
 * literal strings and match exactly.
 */
export function serialKey(serial: string): string {
  return isPublicKeyId(serial) ? serial : serial.toUpperCase();
}

export function sameSerial(a: string, b: string): boolean {
  return serialKey(a) === serialKey(b);
}
