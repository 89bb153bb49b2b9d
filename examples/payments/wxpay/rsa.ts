/** SHA256withRSA (RSASSA-PKCS1-v1_5 with SHA-256), standard base64. */
import { createSign, createVerify, type KeyObject } from 'node:crypto';

export function signSha256WithRsa(privateKey: KeyObject, message: string): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(privateKey, 'base64');
}

/** False for a wrong signature and for anything that is not base64 of the right size. */
export function verifySha256WithRsa(publicKey: KeyObject, message: string, signatureBase64: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signatureBase64)) return false;
  try {
    return createVerify('RSA-SHA256').update(message, 'utf8').verify(publicKey, signatureBase64, 'base64');
  } catch {
    return false;
  }
}
