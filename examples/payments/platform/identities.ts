/**
 * Who the platform signs as, per run (`--verify-mode`):
 *
 *   certificate   responses and callbacks signed with a platform certificate's key; Wechatpay-Serial
 *                 is the certificate's hex serial; GET /v3/certificates lists the certificates
 *   public-key    signed with the WeChat Pay public key's pair; Wechatpay-Serial is PUB_KEY_ID_…;
 *                 GET /v3/certificates answers 404, as it does for merchants with no certificate
 *   migration     the switch from the first to the second: each signature uses either, at random,
 *                 and /v3/certificates still lists the certificates
 *
 * Rotation (certificate and migration modes): a new certificate from the demo CA becomes the
 * signing one at once; the old one stays listed (and verifiable) for the retirement window, then
 * leaves /v3/certificates. Rotated certificates live in memory only: a restarted platform is back
 * to the one in the keys directory.
 */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { CERTIFICATE_VALIDITY_MS, type PlatformCertificate, type PlatformKeys } from '../wxpay/keys';
import { certificateSerial, sameSerial } from '../wxpay/x509/serial';

const generateKeyPairAsync = promisify(generateKeyPair);

export const VERIFY_MODES = ['certificate', 'public-key', 'migration'] as const;
export type VerifyMode = (typeof VERIFY_MODES)[number];

export interface SigningIdentity {
  serial: string;
  privateKey: KeyObject;
}

export interface ListedCertificate extends PlatformCertificate {
  /** When this certificate leaves /v3/certificates (set when a newer one replaced it). */
  retiresAt?: number;
}

export class PlatformIdentities {
  private certs: (ListedCertificate & { privateKey: KeyObject })[];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly keys: PlatformKeys,
    readonly mode: VerifyMode,
    private readonly random: () => number = Math.random,
  ) {
    this.certs = [{ ...keys.platformCertificate, privateKey: keys.platformPrivateKey }];
  }

  get usesCertificates(): boolean {
    return this.mode !== 'public-key';
  }

  /** The identity for the next signature. */
  signer(): SigningIdentity {
    const pk = { serial: this.keys.publicKeyId, privateKey: this.keys.publicKeyPrivateKey };
    if (this.mode === 'public-key' || (this.mode === 'migration' && this.random() < 0.5)) return pk;
    const newest = this.certs[this.certs.length - 1];
    return { serial: newest.serial, privateKey: newest.privateKey };
  }

  /** A listed certificate's signing identity, by serial (any case). */
  signingCertificate(serial: string, now = Date.now()): SigningIdentity | undefined {
    if (!this.usesCertificates) return undefined;
    const c = this.certs.find((x) => sameSerial(x.serial, serial) && (x.retiresAt === undefined || x.retiresAt > now));
    return c ? { serial: c.serial, privateKey: c.privateKey } : undefined;
  }

  /** The certificates GET /v3/certificates lists (empty in public-key mode). */
  listed(now = Date.now()): ListedCertificate[] {
    if (!this.usesCertificates) return [];
    return this.certs.filter((c) => (c.retiresAt === undefined || c.retiresAt > now) && c.notAfter.getTime() > now).map(({ privateKey: _k, ...c }) => c);
  }

  /** Issues a new platform certificate and signs with it from now on; the previous ones retire after `retireAfterMs`. */
  async rotate(retireAfterMs: number): Promise<ListedCertificate> {
    const { issueCertificate } = require('../wxpay/x509/issue') as typeof import('../wxpay/x509/issue');
    const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
    const notBefore = new Date(Date.now() - 60_000);
    const notAfter = new Date(notBefore.getTime() + CERTIFICATE_VALIDITY_MS);
    const serial = certificateSerial();
    const pem = await issueCertificate({
      serial,
      subject: { CN: 'Tenpay.com Root CA signed platform', O: 'paysidecar mock platform', OU: 'Tenpay.com' },
      publicKey,
      notBefore,
      notAfter,
      usage: 'signing',
      issuer: this.keys.ca,
    });
    const retiresAt = Date.now() + retireAfterMs;
    for (const c of this.certs) c.retiresAt ??= retiresAt;
    const cert = { serial, pem, publicKey, notBefore, notAfter, privateKey };
    this.certs.push(cert);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.certs = this.certs.filter((c) => c.retiresAt === undefined || c.retiresAt > Date.now());
    }, retireAfterMs);
    t.unref();
    this.timers.add(t);
    return { serial, pem, publicKey, notBefore, notAfter };
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
