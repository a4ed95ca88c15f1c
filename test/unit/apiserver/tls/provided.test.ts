// The certificate and key given with --tls-cert/--tls-key, checked at start: a matching pair is served and its
// authority chosen for the kubeconfig; a pair that does not match, a chain out of order, a CA that did not issue the
// certificate, and unreadable files stop the start with a message that names the flag. Real certificates from the
// machine's openssl (test/testbed/tls.ts) and from the selfsigned library Vigil itself uses.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificateNamesHost, loadProvidedTlsIdentity, TlsFilesError, type ProvidedTlsFiles } from '../../../../apiserver/tls/provided.ts';
import { generateSelfSigned } from '../../../../apiserver/tls/self-signed.ts';
import { makeTempDir, removeTempDir } from '../../../testbed/daemon.ts';
import { makeTestCertificates, type TestCertificates } from '../../../testbed/tls.ts';

function files(cert: string, key: string, ca?: string): ProvidedTlsFiles {
  return { cert, key, ca, certSource: '--tls-cert', keySource: '--tls-key', caSource: ca === undefined ? undefined : '--tls-ca' };
}

function refuses(input: ProvidedTlsFiles, message: RegExp, now = new Date()): void {
  assert.throws(() => loadProvidedTlsIdentity(input, now), (error: unknown) => {
    assert.ok(error instanceof TlsFilesError, `a TlsFilesError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

describe('the TLS identity of --tls-cert and --tls-key', () => {
  let dir: string;
  let pki: TestCertificates;
  let other: TestCertificates;
  let selfCert: string;
  let selfKey: string;
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  before(async () => {
    dir = makeTempDir('tls-provided');
    pki = makeTestCertificates(dir, 'one');
    other = makeTestCertificates(dir, 'two');
    const self = await generateSelfSigned({ dns: ['localhost'], ips: ['127.0.0.1'] });
    selfCert = write('self.crt', self.cert);
    selfKey = write('self.key', self.key);
  });
  after(() => removeTempDir(dir));

  test('a self-signed pair is served as is and pins itself', () => {
    const identity = loadProvidedTlsIdentity(files(selfCert, selfKey));
    assert.match(identity.cert, /^-----BEGIN CERTIFICATE-----/);
    assert.match(identity.key, /PRIVATE KEY-----/);
    assert.equal(identity.created, false);
    assert.equal(identity.certFile, selfCert);
    assert.equal(identity.authority.trim(), identity.cert.trim());
  });

  test('a certificate with its CA after it (a full chain) pins the CA; --tls-ca pins the given CA', () => {
    const fullChain = write('full.crt', `${pki.serverCert}${pki.ca}`);
    const chained = loadProvidedTlsIdentity(files(fullChain, pki.files.serverKey));
    assert.equal(chained.cert, `${pki.serverCert}${pki.ca}`, 'the whole chain is served');
    assert.equal(chained.authority.trim(), pki.ca.trim());
    const withCa = loadProvidedTlsIdentity(files(pki.files.serverCert, pki.files.serverKey, pki.files.ca));
    assert.equal(withCa.authority, pki.ca);
  });

  test('a certificate alone, issued by a CA not given, pins itself (Go clients take it as an anchor)', () => {
    const alone = loadProvidedTlsIdentity(files(pki.files.serverCert, pki.files.serverKey));
    assert.equal(alone.authority.trim(), pki.serverCert.trim());
  });

  test('a key of another certificate stops the start, naming both flags', () => {
    refuses(files(pki.files.serverCert, other.files.serverKey), new RegExp(`^the key ${other.files.serverKey} \\(--tls-key\\) does not belong to the certificate ${pki.files.serverCert} \\(--tls-cert\\): give the pair that was issued together$`));
  });

  test('a chain out of order, or a CA that did not issue the certificate, is refused', () => {
    const reversed = write('reversed.crt', `${pki.ca}${pki.serverCert}`);
    // The first certificate is the CA now, and the server key does not belong to it.
    refuses(files(reversed, pki.files.serverKey), /does not belong to the certificate/);
    const foreign = write('foreign.crt', `${pki.serverCert}${other.ca}`);
    refuses(files(foreign, pki.files.serverKey), /^certificate 1 of .*foreign\.crt \(--tls-cert\) \(.*CN=127\.0\.0\.1.*\) is not issued by certificate 2 after it/);
    refuses(files(pki.files.serverCert, pki.files.serverKey, other.files.ca), /\(--tls-ca\) did not issue the certificate .* \(--tls-cert\): its issuer is CN=vigil-test-one$/);
  });

  test('missing or unreadable files, a file without a certificate and a key that is no key name their flag', () => {
    refuses(files(join(dir, 'absent.crt'), pki.files.serverKey), /^cannot read .*absent\.crt \(--tls-cert\): ENOENT/);
    refuses(files(pki.files.serverCert, join(dir, 'absent.key')), /^cannot read .*absent\.key \(--tls-key\)/);
    refuses(files(pki.files.serverKey, pki.files.serverKey), /server-key\.pem \(--tls-cert\) holds no PEM certificate/);
    refuses(files(pki.files.serverCert, pki.files.serverCert), /server-cert\.pem \(--tls-key\) is not a PEM private key/);
  });

  test('certificateNamesHost: the names of the server certificate, by IP address or DNS name', () => {
    assert.equal(certificateNamesHost(pki.serverCert, '127.0.0.1'), true);
    assert.equal(certificateNamesHost(`${pki.serverCert}${pki.ca}`, 'localhost'), true);
    assert.equal(certificateNamesHost(pki.serverCert, '127.0.0.2'), false);
    assert.equal(certificateNamesHost(pki.serverCert, '[::1]'), false);
    assert.equal(certificateNamesHost(pki.serverCert, 'vigil.example'), false);
  });

  test('an expired certificate is refused with its end date', () => {
    const later = new Date(Date.now() + 5 * 24 * 3600 * 1000);
    refuses(files(pki.files.serverCert, pki.files.serverKey), /^the certificate .*server-cert\.pem \(--tls-cert\) expired on \w{3} /, later);
  });
});
