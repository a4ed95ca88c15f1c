// Self-made certificates for the test bed, with the machine's openssl: a CA and a server certificate for
// 127.0.0.1/localhost signed by it (a registry over TLS with a private CA), and a self-signed certificate whose key
// signs registry tokens. Everything lives in the caller's temporary folder.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KeyPair {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function read(certFile: string, keyFile: string): KeyPair {
  return { certFile, keyFile, certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
}

/** A self-signed certificate (a CA, or a token signer) valid for two days. */
export function selfSignedCertificate(dir: string, name: string, options: { ca?: boolean } = {}): KeyPair {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  openssl(
    [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
      '-keyout', keyFile, '-out', certFile, '-subj', `/CN=vigil-test-${name}`,
      ...(options.ca === true ? ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'] : []),
    ],
    dir,
  );
  return read(certFile, keyFile);
}

/** A server certificate for 127.0.0.1 and localhost, signed by `ca`. */
export function serverCertificate(dir: string, name: string, ca: KeyPair): KeyPair {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  const csrFile = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-keyout', keyFile, '-out', csrFile, '-subj', '/CN=127.0.0.1'], dir);
  openssl(['x509', '-req', '-sha256', '-days', '2', '-in', csrFile, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', certFile, '-extfile', extFile], dir);
  return read(certFile, keyFile);
}
