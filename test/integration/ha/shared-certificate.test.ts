// One TLS identity for every replica (docs/ha.md): two `vigil serve` replicas on one etcd, both given the same
// certificate (a server certificate of a private CA, followed by that CA) with --tls-cert/--tls-key. Both serve it,
// each writes a kubeconfig that pins the CA, and one kubeconfig works against either replica, with client-node and
// with kubectl. A replica given a key that is not the certificate's refuses to start and names the flag.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { parse } from 'yaml';
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { startEtcdCluster, type EtcdCluster } from '../../testbed/etcd.ts';
import { startVigilReplicas, type Replica, type ReplicaSet } from '../../testbed/replicas.ts';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { makeTestCertificates, type TestCertificates } from '../../testbed/tls.ts';
import { Kubectl } from '../../testbed/kubectl.ts';
import { runVigilCli, startVigil } from '../../testbed/vigil.ts';
import { deadlines } from '../../testbed/deadlines.ts';

interface WrittenKubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean } }[];
}

interface UpdatePolicyObject extends KubernetesObject {
  spec?: { policy?: string };
}

function httpsUrl(replica: Replica): string {
  return replica.url.replace(/^http:/, 'https:');
}

/** The certificate the replica presents in a TLS handshake, verified against `ca` for 127.0.0.1. */
async function servedCertificate(replica: Replica, ca: string): Promise<X509Certificate> {
  const { port } = new URL(replica.url);
  return await new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: Number(port), ca, timeout: deadlines.request }, () => {
      const peer = socket.getPeerX509Certificate();
      socket.end();
      if (peer === undefined) reject(new Error(`${replica.name} presented no certificate`));
      else resolve(peer);
    });
    socket.once('error', reject);
    socket.once('timeout', () => socket.destroy(new Error(`TLS handshake with ${replica.name} timed out`)));
  });
}

/** A client-node API client from `kubeconfig`, with its one cluster's server set to `server`. */
function clientFor(kubeconfig: string, server: string): KubernetesObjectApi {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  const [cluster] = config.clusters;
  assert.ok(cluster !== undefined, 'the kubeconfig names a cluster');
  config.clusters = [{ ...cluster, server }];
  return KubernetesObjectApi.makeApiClient(config);
}

describe('two replicas with one certificate (--tls-cert/--tls-key)', () => {
  let dir: string;
  let pki: TestCertificates;
  let chainFile: string;
  let etcd: EtcdCluster;
  let set: ReplicaSet;
  before(async () => {
    dir = makeTempDir('shared-cert');
    pki = makeTestCertificates(dir, 'replicas');
    // As a CA hands it out (a "full chain"): the server certificate, then its issuer.
    chainFile = join(dir, 'vigil-fullchain.pem');
    writeFileSync(chainFile, `${pki.serverCert}${pki.ca}`);
    etcd = await startEtcdCluster(1);
    // After the test bed's --tls off: the last --tls wins.
    set = await startVigilReplicas({ etcd, count: 2, args: ['--tls', 'auto', '--tls-cert', chainFile, '--tls-key', pki.files.serverKey] });
  });
  after(async () => {
    await set?.stop();
    await etcd?.cleanup();
    if (dir !== undefined) removeTempDir(dir);
  });

  test('both replicas serve the given certificate, and each kubeconfig (as vigil kubeconfig prints it) pins its CA', async () => {
    const expected = new X509Certificate(pki.serverCert);
    for (const replica of set.replicas) {
      const served = await servedCertificate(replica, pki.ca);
      assert.equal(served.fingerprint256, expected.fingerprint256, `${replica.name} serves the given certificate`);
      const printed = await runVigilCli(['kubeconfig', '--data-dir', replica.dataDir], { cwd: dir, dataDir: replica.dataDir });
      assert.equal(printed.code, 0, printed.stderr);
      assert.equal(printed.stdout, readFileSync(replica.kubeconfig, 'utf8'));
      const [cluster] = (parse(printed.stdout) as WrittenKubeconfig).clusters;
      assert.equal(cluster?.cluster.server, httpsUrl(replica));
      assert.equal(cluster?.cluster['insecure-skip-tls-verify'], undefined);
      assert.equal(Buffer.from(cluster?.cluster['certificate-authority-data'] ?? '', 'base64').toString('utf8').trim(), pki.ca.trim(), `${replica.name}'s kubeconfig pins the CA`);
    }
  });

  test('one kubeconfig works against both replicas: client-node writes through one and reads through the other', async () => {
    const [first, second] = set.replicas;
    assert.ok(first !== undefined && second !== undefined);
    const throughFirst = clientFor(first.kubeconfig, httpsUrl(first));
    const throughSecond = clientFor(first.kubeconfig, httpsUrl(second));
    const policy: UpdatePolicyObject = { apiVersion: 'vigil.dev/v1alpha1', kind: 'UpdatePolicy', metadata: { name: 'shared-cert' }, spec: { policy: 'manual' } };
    await throughFirst.create(policy);
    const read = await throughSecond.read<UpdatePolicyObject>({ apiVersion: 'vigil.dev/v1alpha1', kind: 'UpdatePolicy', metadata: { name: 'shared-cert' } });
    assert.equal(read.spec?.policy, 'manual');
  });

  test('kubectl with the first replica\'s kubeconfig verifies and lists on both (--server names the other)', async () => {
    const [first, second] = set.replicas;
    assert.ok(first !== undefined && second !== undefined);
    const kubectl = new Kubectl(first.kubeconfig);
    try {
      for (const replica of [first, second]) {
        const listed = await kubectl.ok(['--server', httpsUrl(replica), 'get', 'updatepolicies', '-o', 'name']);
        assert.match(listed, /^updatepolicy\.vigil\.dev\/shared-cert$/m, `listed through ${replica.name}`);
      }
    } finally {
      await kubectl.close();
    }
  });

  test('a replica given a key that is not the certificate\'s refuses to start and names --tls-key', async () => {
    await assert.rejects(
      startVigil({ args: [...set.args, '--tls', 'auto', '--tls-cert', chainFile, '--tls-key', pki.files.clientKey], env: { VIGIL_ENCRYPTION_KEY: set.encryptionKey }, setup: 'joined' }),
      (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /exited with code 2/);
        assert.ok(error.message.includes(`the key ${pki.files.clientKey} (--tls-key) does not belong to the certificate ${chainFile} (--tls-cert)`), error.message);
        return true;
      },
    );
  });
});
