/**
 * The keys directory shared by the mock platform and the gateway: the merchant's RSA-2048 key
 * pair and certificate serial, the platform's RSA-2048 key pair and serial, the 32-byte APIv3
 * key, and the merchant id / appid. Created atomically when missing (a temp directory renamed
 * into place, so a platform and a gateway started together agree), reused when present.
 * Private files are 0600. Nothing here ever logs key material.
 */
import { generateKeyPair, createPrivateKey, createPublicKey, randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { randomAlnum } from './nonce';
import { Secret } from './secret';

const generateKeyPairAsync = promisify(generateKeyPair);

export const KEY_FILES = {
  ids: 'ids.json',
  merchantPrivate: 'apiclient_key.pem',
  merchantPublic: 'apiclient_pub.pem',
  platformPrivate: 'platform_key.pem',
  platformPublic: 'platform_pub.pem',
  apiV3Key: 'apiv3.key',
} as const;

interface Ids {
  mchid: string;
  appid: string;
  merchant_serial: string;
  platform_serial: string;
  created_at: string;
}

export interface MerchantKeys {
  dir: string;
  mchid: string;
  appid: string;
  merchantSerial: string;
  merchantPrivateKey: KeyObject;
  platformSerial: string;
  platformPublicKey: KeyObject;
  apiV3Key: Secret;
}

export interface PlatformKeys {
  dir: string;
  mchid: string;
  appid: string;
  merchantSerial: string;
  merchantPublicKey: KeyObject;
  platformSerial: string;
  platformPrivateKey: KeyObject;
  platformPublicKey: KeyObject;
  apiV3Key: Secret;
}

export interface EnsureResult {
  dir: string;
  created: boolean;
}

function serial(): string {
  return randomBytes(20).toString('hex').toUpperCase();
}

async function rsaPem(): Promise<{ privateKey: string; publicKey: string }> {
  return generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}

async function writeAll(tmp: string): Promise<void> {
  const [merchant, platform] = await Promise.all([rsaPem(), rsaPem()]);
  const ids: Ids = {
    mchid: String(1_900_000_000 + randomInt(99_999_999)),
    appid: `wx${randomBytes(8).toString('hex')}`,
    merchant_serial: serial(),
    platform_serial: serial(),
    created_at: new Date().toISOString(),
  };
  await fs.writeFile(join(tmp, KEY_FILES.merchantPrivate), merchant.privateKey, { mode: 0o600 });
  await fs.writeFile(join(tmp, KEY_FILES.merchantPublic), merchant.publicKey, { mode: 0o644 });
  await fs.writeFile(join(tmp, KEY_FILES.platformPrivate), platform.privateKey, { mode: 0o600 });
  await fs.writeFile(join(tmp, KEY_FILES.platformPublic), platform.publicKey, { mode: 0o644 });
  await fs.writeFile(join(tmp, KEY_FILES.apiV3Key), randomAlnum(32), { mode: 0o600 });
  // ids.json last: its presence marks a complete directory.
  await fs.writeFile(join(tmp, KEY_FILES.ids), `${JSON.stringify(ids, null, 2)}\n`, { mode: 0o644 });
}

/** Creates the keys directory when it has no ids.json; otherwise leaves it alone. */
export async function ensureKeysDir(dir: string): Promise<EnsureResult> {
  const abs = resolve(dir);
  if (await exists(join(abs, KEY_FILES.ids))) return { dir: abs, created: false };
  if (await exists(abs)) {
    const entries = await fs.readdir(abs);
    if (entries.length > 0) {
      throw new Error(`keys dir ${abs} exists but holds no ${KEY_FILES.ids}: not a paysidecar keys dir (use an empty or new directory)`);
    }
  }
  await fs.mkdir(dirname(abs), { recursive: true });
  const tmp = await fs.mkdtemp(join(dirname(abs), `.${basename(abs)}.tmp-`));
  try {
    await fs.chmod(tmp, 0o700);
    await writeAll(tmp);
    try {
      // rename(2) replaces an empty directory and fails on a non-empty one: whoever renames first wins.
      await fs.rename(tmp, abs);
      return { dir: abs, created: true };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(join(abs, KEY_FILES.ids)))) return { dir: abs, created: false };
      throw err;
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

async function readIds(dir: string): Promise<Ids> {
  const path = join(dir, KEY_FILES.ids);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`keys dir: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const ids = parsed as Partial<Ids>;
  for (const k of ['mchid', 'appid', 'merchant_serial', 'platform_serial'] as const) {
    if (typeof ids[k] !== 'string' || ids[k] === '') throw new Error(`keys dir: ${path} has no "${k}"`);
  }
  return ids as Ids;
}

async function readFileNamed(dir: string, name: string): Promise<string> {
  try {
    return await fs.readFile(join(dir, name), 'utf8');
  } catch (err) {
    throw new Error(`keys dir: cannot read ${join(dir, name)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

async function privateKey(dir: string, name: string): Promise<KeyObject> {
  const pem = await readFileNamed(dir, name);
  try {
    return createPrivateKey(pem);
  } catch {
    // The parser's message can quote its input: report only the file.
    throw new Error(`keys dir: ${join(dir, name)} is not a PEM private key`);
  }
}

async function publicKey(dir: string, name: string): Promise<KeyObject> {
  const pem = await readFileNamed(dir, name);
  try {
    return createPublicKey(pem);
  } catch {
    throw new Error(`keys dir: ${join(dir, name)} is not a PEM public key`);
  }
}

async function apiV3Key(dir: string): Promise<Secret> {
  const key = (await readFileNamed(dir, KEY_FILES.apiV3Key)).trim();
  if (Buffer.byteLength(key, 'utf8') !== 32) throw new Error(`keys dir: ${join(dir, KEY_FILES.apiV3Key)} must hold a 32-byte APIv3 key`);
  return new Secret(key);
}

/** What the merchant side needs: its own private key, the platform's public key, the APIv3 key. */
export async function loadMerchantKeys(dir: string): Promise<MerchantKeys> {
  const abs = resolve(dir);
  const ids = await readIds(abs);
  return {
    dir: abs,
    mchid: ids.mchid,
    appid: ids.appid,
    merchantSerial: ids.merchant_serial,
    merchantPrivateKey: await privateKey(abs, KEY_FILES.merchantPrivate),
    platformSerial: ids.platform_serial,
    platformPublicKey: await publicKey(abs, KEY_FILES.platformPublic),
    apiV3Key: await apiV3Key(abs),
  };
}

/** What the platform side needs: its own key pair, the merchant's public key, the APIv3 key. */
export async function loadPlatformKeys(dir: string): Promise<PlatformKeys> {
  const abs = resolve(dir);
  const ids = await readIds(abs);
  return {
    dir: abs,
    mchid: ids.mchid,
    appid: ids.appid,
    merchantSerial: ids.merchant_serial,
    merchantPublicKey: await publicKey(abs, KEY_FILES.merchantPublic),
    platformSerial: ids.platform_serial,
    platformPrivateKey: await privateKey(abs, KEY_FILES.platformPrivate),
    platformPublicKey: await publicKey(abs, KEY_FILES.platformPublic),
    apiV3Key: await apiV3Key(abs),
  };
}

/** Reads the platform's public key and serial only (the gateway's verified-key cache reloads through this). */
export async function loadPlatformPublicKey(dir: string): Promise<{ serial: string; key: KeyObject }> {
  const abs = resolve(dir);
  const ids = await readIds(abs);
  return { serial: ids.platform_serial, key: await publicKey(abs, KEY_FILES.platformPublic) };
}
