/**
 * Issues the demo X.509 certificates: the CA, the platform's signing certificates, the merchant's
 * API certificate and the TLS server certificate. Node parses and verifies certificates
 * (`crypto.X509Certificate`) but cannot issue them: node-forge builds the TBSCertificate and
 * node:crypto signs it (forge's pure-JS RSA takes a second per signature; node:crypto takes
 * milliseconds). forge is loaded on first use only, so processes that never issue a certificate
 * (the sidecar, a gateway on an existing keys directory) never load it.
 */
import { createSign, createPublicKey, type KeyObject } from 'node:crypto';

export type CertificateUsage = 'ca' | 'signing' | 'client' | 'tls-server';

export interface IssueInput {
  serial: string;
  subject: { CN: string; O?: string; OU?: string };
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  usage: CertificateUsage;
  /** Self-signed when absent (the CA). */
  issuer?: { certificatePem: string; privateKey: KeyObject };
  /** Own private key, needed for a self-signed certificate. */
  selfKey?: KeyObject;
  dnsNames?: string[];
  ipAddresses?: string[];
}

type Forge = typeof import('node-forge');
let forgeModule: Forge | undefined;

function forge(): Forge {
  forgeModule ??= require('node-forge') as Forge;
  return forgeModule;
}

function attrs(s: IssueInput['subject']): { shortName: string; value: string }[] {
  const out = [{ shortName: 'CN', value: s.CN }];
  if (s.O) out.push({ shortName: 'O', value: s.O });
  if (s.OU) out.push({ shortName: 'OU', value: s.OU });
  return out;
}

function extensions(input: IssueInput): unknown[] {
  const ext: unknown[] = [{ name: 'subjectKeyIdentifier' }];
  switch (input.usage) {
    case 'ca':
      ext.push({ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true });
      break;
    case 'signing':
    case 'client':
      ext.push({ name: 'basicConstraints', cA: false, critical: true }, { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, keyEncipherment: true, dataEncipherment: true, critical: true });
      if (input.usage === 'client') ext.push({ name: 'extKeyUsage', clientAuth: true });
      break;
    case 'tls-server':
      ext.push(
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [...(input.dnsNames ?? []).map((value) => ({ type: 2, value })), ...(input.ipAddresses ?? []).map((ip) => ({ type: 7, ip }))] },
      );
      break;
  }
  return ext;
}

/** Returns the certificate as PEM. */
export async function issueCertificate(input: IssueInput): Promise<string> {
  const f = forge();
  const cert = f.pki.createCertificate();
  cert.publicKey = f.pki.publicKeyFromPem(input.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = input.serial.toLowerCase();
  cert.validity.notBefore = input.notBefore;
  cert.validity.notAfter = input.notAfter;
  cert.setSubject(attrs(input.subject));
  let signer: KeyObject;
  if (input.issuer) {
    const issuer = f.pki.certificateFromPem(input.issuer.certificatePem);
    cert.setIssuer(issuer.subject.attributes);
    signer = input.issuer.privateKey;
    const ext = extensions(input);
    ext.push({ name: 'authorityKeyIdentifier', keyIdentifier: issuer.generateSubjectKeyIdentifier().getBytes() });
    cert.setExtensions(ext as never[]);
  } else {
    if (!input.selfKey) throw new Error('a self-signed certificate needs selfKey');
    cert.setIssuer(attrs(input.subject));
    signer = input.selfKey;
    cert.setExtensions(extensions(input) as never[]);
  }
  cert.signatureOid = f.pki.oids.sha256WithRSAEncryption;
  cert.siginfo.algorithmOid = f.pki.oids.sha256WithRSAEncryption;
  const tbs = Buffer.from(f.asn1.toDer((f.pki as unknown as { getTBSCertificate(c: unknown): import('node-forge').asn1.Asn1 }).getTBSCertificate(cert)).getBytes(), 'binary');
  cert.signature = createSign('sha256').update(tbs).sign(signer).toString('binary');
  return f.pki.certificateToPem(cert);
}

/** The public key of a private key (to certify a key pair from its private half alone). */
export function publicOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}
