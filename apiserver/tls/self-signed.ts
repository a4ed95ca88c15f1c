// The certificate Vigil serves HTTPS with when nobody gave it one: self-signed, made once at the first start and
// kept in the data directory (tls.crt, and tls.key readable by its owner only). It exists because Kubernetes clients
// send credentials only over TLS (client-go's clientcmd reads a kubeconfig's token only "if we are secure"), so the
// kubeconfig `vigil serve` writes points kubectl at https:// with this certificate pinned as its authority.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';

export const TLS_CERT_FILE = 'tls.crt';
export const TLS_KEY_FILE = 'tls.key';

export interface TlsIdentity {
  /** PEM. */
  cert: string;
  /** PEM. */
  key: string;
}

export interface LoadedTlsIdentity extends TlsIdentity {
  /** Whether this start made it. */
  created: boolean;
  certFile: string;
  /** PEM: what a kubeconfig pins as the server's authority (the certificate itself when self-signed). */
  authority: string;
}

/** The names local and LAN clients use: loopback, the machine's name, and the listen address when it is a specific one. */
export function certificateNames(listen: string): { dns: string[]; ips: string[] } {
  const dns = new Set(['localhost', hostname()]);
  const ips = new Set(['127.0.0.1', '::1']);
  if (isIP(listen) !== 0 && listen !== '0.0.0.0' && listen !== '::') ips.add(listen);
  return { dns: [...dns].filter((name) => /^[A-Za-z0-9.-]+$/.test(name)), ips: [...ips] };
}

/** A new self-signed certificate for the names (ECDSA P-256, SHA-256, 10 years: it is pinned, not trusted by name). */
export async function generateSelfSigned(names: { dns: string[]; ips: string[] }, now = new Date()): Promise<TlsIdentity> {
  // Imported only when a certificate must be made: once per data directory, not at every start.
  const { generate } = await import('selfsigned');
  const notAfter = new Date(now.getTime());
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 10);
  const generated = await generate([{ name: 'commonName', value: 'vigil' }, { name: 'organizationName', value: 'Vigil (self-signed)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...names.dns.map((value) => ({ type: 2 as const, value })), ...names.ips.map((ip) => ({ type: 7 as const, ip }))] },
    ],
  });
  return { cert: generated.cert, key: generated.private };
}

/**
 * The certificate and key of DATA_DIR/tls.crt and tls.key, made when missing (or unreadable as a pair). Names of a
 * later listen address are not added to an existing certificate: delete the two files to have them made again.
 */
export async function loadOrCreateTlsIdentity(dataDir: string, listen: string): Promise<LoadedTlsIdentity> {
  const certFile = join(dataDir, TLS_CERT_FILE);
  const keyFile = join(dataDir, TLS_KEY_FILE);
  if (existsSync(certFile) && existsSync(keyFile)) {
    const identity = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
    // A certificate whose key is not the one beside it (a half-copied directory) fails here, loudly.
    if (!new X509Certificate(identity.cert).checkPrivateKey(createPrivateKey(identity.key))) {
      throw new Error(`${certFile} does not belong to the key ${keyFile}: remove both to have a new pair made`);
    }
    return { ...identity, created: false, certFile, authority: identity.cert };
  }
  const identity = await generateSelfSigned(certificateNames(listen));
  rmSync(keyFile, { force: true });
  writeFileSync(keyFile, identity.key, { mode: 0o600, flag: 'wx' });
  writeFileSync(certFile, identity.cert, { mode: 0o644 });
  return { ...identity, created: true, certFile, authority: identity.cert };
}

