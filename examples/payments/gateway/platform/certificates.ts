/**
 * Downloads the platform certificates as a merchant service does: GET /v3/certificates, each
 * entry decrypted with the APIv3 key, parsed, and kept only when its serial matches `serial_no`,
 * it chains to the trusted CA and it is valid now. The response itself is verified with a
 * certificate it carries or with one already known: the first download has no other key to
 * trust, which is why the chain check to the CA matters.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { DecryptError, decryptResource } from '../../wxpay/aead';
import type { MerchantKeys, PlatformCertificate } from '../../wxpay/keys';
import type { CertificateEntry, CertificatesResponse } from '../../wxpay/types';
import { sameSerial } from '../../wxpay/x509/serial';

export type CertificateProblem = { serial_no: string; problem: string };

export interface OpenedCertificates {
  certificates: PlatformCertificate[];
  rejected: CertificateProblem[];
}

function open(keys: MerchantKeys, ca: X509Certificate, entry: CertificateEntry, nowMs: number): PlatformCertificate | string {
  let pem: string;
  try {
    pem = decryptResource(keys.apiV3Key.reveal(), { ...entry.encrypt_certificate });
  } catch (err) {
    if (err instanceof DecryptError) return `cannot decrypt: ${err.message}`;
    throw err;
  }
  let x: X509Certificate;
  try {
    x = new X509Certificate(pem);
  } catch {
    return 'not a PEM certificate';
  }
  if (!sameSerial(x.serialNumber, entry.serial_no)) return `certificate serial ${x.serialNumber} is not serial_no`;
  if (!x.checkIssued(ca) || !x.verify(ca.publicKey)) return 'not issued by the trusted CA';
  const notBefore = new Date(x.validFrom);
  const notAfter = new Date(x.validTo);
  if (notBefore.getTime() > nowMs || notAfter.getTime() <= nowMs) return 'not valid now';
  return { serial: x.serialNumber.toUpperCase(), pem, publicKey: x.publicKey, notBefore, notAfter };
}

export function openCertificates(keys: MerchantKeys, body: unknown, nowMs = Date.now()): OpenedCertificates {
  const data = (body as Partial<CertificatesResponse> | undefined)?.data;
  if (!Array.isArray(data)) return { certificates: [], rejected: [{ serial_no: '', problem: 'response has no data array' }] };
  const ca = new X509Certificate(keys.caCertificatePem);
  const out: OpenedCertificates = { certificates: [], rejected: [] };
  for (const entry of data as CertificateEntry[]) {
    const r = typeof entry?.encrypt_certificate === 'object' ? open(keys, ca, entry, nowMs) : 'no encrypt_certificate';
    if (typeof r === 'string') out.rejected.push({ serial_no: String(entry?.serial_no ?? ''), problem: r });
    else out.certificates.push(r);
  }
  return out;
}

/** The key that verifies the download's own signature: one of its certificates, else a known one. */
export function downloadKeyFor(serial: string, opened: OpenedCertificates, known: (serial: string) => KeyObject | undefined): KeyObject | undefined {
  return opened.certificates.find((c) => sameSerial(c.serial, serial))?.publicKey ?? known(serial);
}
