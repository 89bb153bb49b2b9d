/**
 * AEAD_AES_256_GCM as the v3 API uses it for callback resources: key = the APIv3 key's 32 UTF-8
 * bytes, nonce = the 12 raw bytes of the `nonce` string, AAD = `associated_data`, and the
 * base64 ciphertext carries the 16-byte GCM tag as its last 16 bytes.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { aeadNonce } from './nonce';

export const AEAD_ALGORITHM = 'AEAD_AES_256_GCM';
const TAG_LENGTH = 16;

export interface EncryptedResource {
  algorithm: string;
  ciphertext: string;
  associated_data: string;
  nonce: string;
  original_type?: string;
}

function keyBytes(apiV3Key: string): Buffer {
  const key = Buffer.from(apiV3Key, 'utf8');
  // Never echo the key itself: only its length.
  if (key.length !== 32) throw new Error(`APIv3 key must be 32 bytes, got ${key.length}`);
  return key;
}

function nonceBytes(nonce: string): Buffer {
  const n = Buffer.from(nonce, 'utf8');
  if (n.length !== 12) throw new Error(`AES-GCM nonce must be 12 bytes, got ${n.length}`);
  return n;
}

export function encryptResource(apiV3Key: string, plaintext: string, associatedData: string, nonce: string = aeadNonce()): EncryptedResource {
  const cipher = createCipheriv('aes-256-gcm', keyBytes(apiV3Key), nonceBytes(nonce), { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { algorithm: AEAD_ALGORITHM, ciphertext: body.toString('base64'), associated_data: associatedData, nonce };
}

export class DecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptError';
  }
}

/** Throws DecryptError when the algorithm is wrong, the input is short, or the tag does not verify. */
export function decryptResource(apiV3Key: string, resource: EncryptedResource): string {
  if (resource.algorithm !== AEAD_ALGORITHM) throw new DecryptError(`unsupported algorithm ${JSON.stringify(resource.algorithm)}`);
  const input = Buffer.from(resource.ciphertext ?? '', 'base64');
  if (input.length < TAG_LENGTH) throw new DecryptError('ciphertext shorter than the 16-byte tag');
  let nonce: Buffer;
  try {
    nonce = nonceBytes(resource.nonce ?? '');
  } catch (err) {
    throw new DecryptError((err as Error).message);
  }
  const decipher = createDecipheriv('aes-256-gcm', keyBytes(apiV3Key), nonce, { authTagLength: TAG_LENGTH });
  decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
  decipher.setAuthTag(input.subarray(input.length - TAG_LENGTH));
  try {
    return Buffer.concat([decipher.update(input.subarray(0, input.length - TAG_LENGTH)), decipher.final()]).toString('utf8');
  } catch {
    throw new DecryptError('authentication tag did not verify (wrong key, nonce, associated_data or tampered ciphertext)');
  }
}
