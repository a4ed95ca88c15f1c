// A certificate given to `vigil serve` (--tls-cert/--tls-key): one TLS identity shared by every replica of a store,
// so that one kubeconfig, with one pinned authority, works against each of them (docs/ha.md). It is checked whole at
// start, because a pair that does not match would otherwise fail only at the first TLS handshake, far from the cause.
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import type { LoadedTlsIdentity } from './self-signed.ts';

export interface ProvidedTlsFiles {
  cert: string;
  key: string;
  ca: string | undefined;
  /** Where each path came from (`--tls-cert`, `environment variable VIGIL_TLS_CERT`): every message names it. */
  certSource: string;
  keySource: string;
  caSource: string | undefined;
}

/** The files cannot serve: the message names the flag or variable to fix. */
export class TlsFilesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsFilesError';
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function readText(path: string, source: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new TlsFilesError(`cannot read ${path} (${source}): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Every certificate of a PEM text, in order; at least one. */
export function parseCertificates(text: string, what: string): { pem: string; certificate: X509Certificate }[] {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new TlsFilesError(`${what} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return blocks.map((pem, index) => {
    try {
      return { pem: `${pem}\n`, certificate: new X509Certificate(pem) };
    } catch (error) {
      throw new TlsFilesError(`certificate ${index + 1} of ${what} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}

function parseKey(text: string, what: string): KeyObject {
  try {
    return createPrivateKey(text);
  } catch (error) {
    throw new TlsFilesError(`${what} is not a PEM private key: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Issued by `issuer` and signed with its key (the name alone could be forged or coincide). */
function issuedBy(subject: X509Certificate, issuer: X509Certificate): boolean {
  return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
}

/**
 * Reads and checks the certificate, its chain and its key, and picks the authority the kubeconfig pins: --tls-ca when
 * given (it must have issued the top of the chain, or be it); else the chain's last certificate when it is a root
 * (self-issued: a self-signed certificate, or a full chain); else the chain itself, which Go clients such as kubectl
 * accept as a trust anchor as is.
 */
export function loadProvidedTlsIdentity(files: ProvidedTlsFiles, now = new Date()): LoadedTlsIdentity {
  const certWhat = `${files.cert} (${files.certSource})`;
  const certText = readText(files.cert, files.certSource);
  const chain = parseCertificates(certText, certWhat);
  const keyText = readText(files.key, files.keySource);
  const key = parseKey(keyText, `${files.key} (${files.keySource})`);
  const [leaf] = chain;
  if (leaf === undefined) throw new TlsFilesError(`${certWhat} holds no PEM certificate`);
  if (!leaf.certificate.checkPrivateKey(key)) {
    throw new TlsFilesError(`the key ${files.key} (${files.keySource}) does not belong to the certificate ${files.cert} (${files.certSource}): give the pair that was issued together`);
  }
  if (new Date(leaf.certificate.validTo).getTime() < now.getTime()) throw new TlsFilesError(`the certificate ${certWhat} expired on ${leaf.certificate.validTo}`);
  if (new Date(leaf.certificate.validFrom).getTime() > now.getTime()) throw new TlsFilesError(`the certificate ${certWhat} is not valid before ${leaf.certificate.validFrom}`);
  for (let index = 0; index + 1 < chain.length; index++) {
    const subject = chain[index];
    const issuer = chain[index + 1];
    if (subject !== undefined && issuer !== undefined && !issuedBy(subject.certificate, issuer.certificate)) {
      throw new TlsFilesError(`certificate ${index + 1} of ${certWhat} (${subject.certificate.subject.replaceAll('\n', ', ')}) is not issued by certificate ${index + 2} after it: list the server certificate first, then each issuer`);
    }
  }
  const top = chain[chain.length - 1] ?? leaf;
  // Only the certificates: a file that also holds the key (a combined PEM) must not have it served or pinned.
  return { cert: chain.map(({ pem }) => pem).join(''), key: keyText, created: false, certFile: files.cert, authority: authorityOf(files, top.certificate, chain) };
}

function authorityOf(files: ProvidedTlsFiles, top: X509Certificate, chain: { pem: string }[]): string {
  if (files.ca !== undefined) {
    const caWhat = `${files.ca} (${files.caSource ?? '--tls-ca'})`;
    const caText = readText(files.ca, files.caSource ?? '--tls-ca');
    const authorities = parseCertificates(caText, caWhat);
    if (!authorities.some(({ certificate }) => certificate.raw.equals(top.raw) || issuedBy(top, certificate))) {
      throw new TlsFilesError(`${caWhat} did not issue the certificate ${files.cert} (${files.certSource}): its issuer is ${top.issuer.replaceAll('\n', ', ')}`);
    }
    return caText;
  }
  const last = chain[chain.length - 1];
  if (last !== undefined && issuedBy(top, top)) return last.pem;
  return chain.map(({ pem }) => pem).join('');
}

/** Whether the first certificate of `pem` is valid for `host` (an IP address, [IPv6] or a DNS name). */
export function certificateNamesHost(pem: string, host: string): boolean {
  const [leaf] = parseCertificates(pem, 'the certificate');
  if (leaf === undefined) return false;
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return isIP(bare) === 0 ? leaf.certificate.checkHost(bare) !== undefined : leaf.certificate.checkIP(bare) !== undefined;
}
