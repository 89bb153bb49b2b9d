/**
 * The keys directory shared by the mock platform and the gateway, laid out as a merchant's files
 * are after the WeChat Pay console and the certificate API:
 *
 *   ids.json              mchid, appid, and for reading: merchant_serial, platform_serial, public_key_id
 *   ca_cert.pem           the demo CA: issues every certificate below; trust it for the mock's TLS
 *   ca_key.pem      0600  the CA's key (the platform issues rotated certificates with it)
 *   apiclient_key.pem 0600, apiclient_cert.pem   the merchant's API key and certificate (serial = serial_no)
 *   platform_key.pem 0600, platform_cert.pem     the platform certificate (certificate mode)
 *   pub_key.pem           the WeChat Pay public key (public-key mode; its id is public_key_id)
 *   pub_key_private.pem 0600   its private half, read by the platform only
 *   tls_key.pem 0600, tls_cert.pem   the HTTPS server certificate (localhost, 127.0.0.1, ::1, api.mch.weixin.qq.com)
 *   apiv3.key       0600  the 32-byte APIv3 key
 *
 * Created atomically when missing (a temp directory renamed into place, so a platform and a
 * gateway started together agree), reused when present. Nothing here ever logs key material.
 */
import { generateKeyPair, createPrivateKey, createPublicKey, randomBytes, randomInt, X509Certificate, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { randomAlnum } from './nonce';
import { Secret } from './secret';
import { certificateSerial, publicKeyId } from './x509/serial';

const generateKeyPairAsync = promisify(generateKeyPair);

export const KEY_FILES = {
  ids: 'ids.json',
  caCertificate: 'ca_cert.pem',
  caPrivate: 'ca_key.pem',
  merchantPrivate: 'apiclient_key.pem',
  merchantCertificate: 'apiclient_cert.pem',
  platformPrivate: 'platform_key.pem',
  platformCertificate: 'platform_cert.pem',
  publicKey: 'pub_key.pem',
  publicKeyPrivate: 'pub_key_private.pem',
  tlsPrivate: 'tls_key.pem',
  tlsCertificate: 'tls_cert.pem',
  apiV3Key: 'apiv3.key',
} as const;

/** Host names the TLS certificate covers: loopback, and the production API host for a hosts-file or agent redirect. */
export const TLS_DNS_NAMES = ['localhost', 'api.mch.weixin.qq.com'] as const;
export const TLS_IP_ADDRESSES = ['127.0.0.1', '::1'] as const;

const YEAR_MS = 365 * 24 * 3600_000;
/** Platform certificates are valid for 5 years, as the real ones are. */
export const CERTIFICATE_VALIDITY_MS = 5 * YEAR_MS;

interface Ids {
  mchid: string;
  appid: string;
  merchant_serial: string;
  platform_serial: string;
  public_key_id: string;
  created_at: string;
}

/** A platform certificate as a merchant holds it. */
export interface PlatformCertificate {
  serial: string;
  pem: string;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
}

export interface MerchantKeys {
  dir: string;
  mchid: string;
  appid: string;
  /** The merchant certificate's serial (the Authorization serial_no). */
  merchantSerial: string;
  merchantPrivateKey: KeyObject;
  merchantCertificatePem: string;
  /** The platform certificate shipped in the directory (certificate mode; refreshed from /v3/certificates at run time). */
  platformSerial: string;
  platformPublicKey: KeyObject;
  platformCertificate: PlatformCertificate;
  /** The WeChat Pay public key and its PUB_KEY_ID_… id (public-key mode). */
  publicKeyId: string;
  wechatpayPublicKey: KeyObject;
  /** The demo CA: platform certificates and the mock's TLS certificate chain to it. */
  caCertificatePem: string;
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
  platformCertificate: PlatformCertificate;
  publicKeyId: string;
  publicKeyPrivateKey: KeyObject;
  wechatpayPublicKey: KeyObject;
  ca: { certificatePem: string; privateKey: KeyObject };
  tls: { certificatePem: string; privateKeyPem: Secret };
  apiV3Key: Secret;
}

export interface EnsureResult {
  dir: string;
  created: boolean;
}

async function rsa(): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  return generateKeyPairAsync('rsa', { modulusLength: 2048 });
}

function pkcs8(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
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
  // Issuing is the only step that loads node-forge; loading an existing directory never does.
  const { issueCertificate } = require('./x509/issue') as typeof import('./x509/issue');
  const [ca, merchant, platform, pub, tls] = await Promise.all([rsa(), rsa(), rsa(), rsa(), rsa()]);
  const mchid = String(1_900_000_000 + randomInt(99_999_999));
  const ids: Ids = {
    mchid,
    appid: `wx${randomBytes(8).toString('hex')}`,
    merchant_serial: certificateSerial(),
    platform_serial: certificateSerial(),
    public_key_id: publicKeyId(mchid),
    created_at: new Date().toISOString(),
  };
  // An hour back, so a peer whose clock runs a little behind still sees the certificates as valid.
  const notBefore = new Date(Date.now() - 3600_000);
  const notAfter = new Date(notBefore.getTime() + CERTIFICATE_VALIDITY_MS);
  const caPem = await issueCertificate({
    serial: certificateSerial(),
    subject: { CN: 'paysidecar demo CA', O: 'paysidecar', OU: 'not for production' },
    publicKey: ca.publicKey,
    selfKey: ca.privateKey,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 2 * CERTIFICATE_VALIDITY_MS),
    usage: 'ca',
  });
  const issuer = { certificatePem: caPem, privateKey: ca.privateKey };
  const [merchantPem, platformPem, tlsPem] = await Promise.all([
    issueCertificate({ serial: ids.merchant_serial, subject: { CN: mchid, O: 'paysidecar demo merchant', OU: 'Tenpay.com' }, publicKey: merchant.publicKey, notBefore, notAfter, usage: 'client', issuer }),
    issueCertificate({ serial: ids.platform_serial, subject: { CN: 'Tenpay.com Root CA signed platform', O: 'paysidecar mock platform', OU: 'Tenpay.com' }, publicKey: platform.publicKey, notBefore, notAfter, usage: 'signing', issuer }),
    issueCertificate({ serial: certificateSerial(), subject: { CN: 'localhost', O: 'paysidecar mock platform' }, publicKey: tls.publicKey, notBefore, notAfter, usage: 'tls-server', issuer, dnsNames: [...TLS_DNS_NAMES], ipAddresses: [...TLS_IP_ADDRESSES] }),
  ]);
  const write = (name: string, text: string, mode: number) => fs.writeFile(join(tmp, name), text, { mode });
  await write(KEY_FILES.caCertificate, caPem, 0o644);
  await write(KEY_FILES.caPrivate, pkcs8(ca.privateKey), 0o600);
  await write(KEY_FILES.merchantPrivate, pkcs8(merchant.privateKey), 0o600);
  await write(KEY_FILES.merchantCertificate, merchantPem, 0o644);
  await write(KEY_FILES.platformPrivate, pkcs8(platform.privateKey), 0o600);
  await write(KEY_FILES.platformCertificate, platformPem, 0o644);
  await write(KEY_FILES.publicKey, pub.publicKey.export({ type: 'spki', format: 'pem' }).toString(), 0o644);
  await write(KEY_FILES.publicKeyPrivate, pkcs8(pub.privateKey), 0o600);
  await write(KEY_FILES.tlsPrivate, pkcs8(tls.privateKey), 0o600);
  await write(KEY_FILES.tlsCertificate, tlsPem, 0o644);
  await write(KEY_FILES.apiV3Key, randomAlnum(32), 0o600);
  // ids.json last: its presence marks a complete directory.
  await write(KEY_FILES.ids, `${JSON.stringify(ids, null, 2)}\n`, 0o644);
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
  for (const k of ['mchid', 'appid'] as const) {
    if (typeof ids[k] !== 'string' || ids[k] === '') throw new Error(`keys dir: ${path} has no "${k}"`);
  }
  if (typeof ids.public_key_id !== 'string' || ids.public_key_id === '') {
    throw new Error(`keys dir: ${dir} was made by an older paysidecar (no certificates, no public_key_id): remove it and it is created afresh`);
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

/** Parses a certificate file; the parser's message can quote its input, so report only the file. */
async function certificate(dir: string, name: string): Promise<PlatformCertificate> {
  const pem = await readFileNamed(dir, name);
  let x: X509Certificate;
  try {
    x = new X509Certificate(pem);
  } catch {
    throw new Error(`keys dir: ${join(dir, name)} is not a PEM certificate`);
  }
  return { serial: x.serialNumber.toUpperCase(), pem, publicKey: x.publicKey, notBefore: new Date(x.validFrom), notAfter: new Date(x.validTo) };
}

/** What the merchant side needs: its key and certificate, the platform's certificate and public key, the CA, the APIv3 key. */
export async function loadMerchantKeys(dir: string): Promise<MerchantKeys> {
  const abs = resolve(dir);
  const ids = await readIds(abs);
  const merchantCert = await certificate(abs, KEY_FILES.merchantCertificate);
  const platformCert = await certificate(abs, KEY_FILES.platformCertificate);
  return {
    dir: abs,
    mchid: ids.mchid,
    appid: ids.appid,
    merchantSerial: merchantCert.serial,
    merchantPrivateKey: await privateKey(abs, KEY_FILES.merchantPrivate),
    merchantCertificatePem: merchantCert.pem,
    platformSerial: platformCert.serial,
    platformPublicKey: platformCert.publicKey,
    platformCertificate: platformCert,
    publicKeyId: ids.public_key_id,
    wechatpayPublicKey: await publicKey(abs, KEY_FILES.publicKey),
    caCertificatePem: await readFileNamed(abs, KEY_FILES.caCertificate),
    apiV3Key: await apiV3Key(abs),
  };
}

/** What the platform side needs: its key pairs, the merchant's certificate, the CA (to issue rotated certificates), TLS, the APIv3 key. */
export async function loadPlatformKeys(dir: string): Promise<PlatformKeys> {
  const abs = resolve(dir);
  const ids = await readIds(abs);
  const merchantCert = await certificate(abs, KEY_FILES.merchantCertificate);
  const platformCert = await certificate(abs, KEY_FILES.platformCertificate);
  return {
    dir: abs,
    mchid: ids.mchid,
    appid: ids.appid,
    merchantSerial: merchantCert.serial,
    merchantPublicKey: merchantCert.publicKey,
    platformSerial: platformCert.serial,
    platformPrivateKey: await privateKey(abs, KEY_FILES.platformPrivate),
    platformPublicKey: platformCert.publicKey,
    platformCertificate: platformCert,
    publicKeyId: ids.public_key_id,
    publicKeyPrivateKey: await privateKey(abs, KEY_FILES.publicKeyPrivate),
    wechatpayPublicKey: await publicKey(abs, KEY_FILES.publicKey),
    ca: { certificatePem: await readFileNamed(abs, KEY_FILES.caCertificate), privateKey: await privateKey(abs, KEY_FILES.caPrivate) },
    tls: { certificatePem: await readFileNamed(abs, KEY_FILES.tlsCertificate), privateKeyPem: new Secret(await readFileNamed(abs, KEY_FILES.tlsPrivate)) },
    apiV3Key: await apiV3Key(abs),
  };
}

/** The HTTPS server key and certificate (the gateway serves TLS with the same certificate as the platform). */
export async function loadTls(dir: string): Promise<{ key: string; cert: string }> {
  const abs = resolve(dir);
  return { key: await readFileNamed(abs, KEY_FILES.tlsPrivate), cert: await readFileNamed(abs, KEY_FILES.tlsCertificate) };
}
