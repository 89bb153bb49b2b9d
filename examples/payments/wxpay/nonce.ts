/** Random nonces in the alphabet the v3 API uses ([0-9A-Za-z]). */
import { randomInt } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function randomAlnum(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** Request nonces are 32 characters. */
export function requestNonce(): string {
  return randomAlnum(32);
}

/** AES-GCM nonces are 12 characters, used as their 12 raw bytes. */
export function aeadNonce(): string {
  return randomAlnum(12);
}

export function unixSeconds(now: number = Date.now()): number {
  return Math.floor(now / 1000);
}
