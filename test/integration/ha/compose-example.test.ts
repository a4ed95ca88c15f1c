// The three-replica example (deploy/ha/docker-compose.yml) as Debian's docker-compose 1.29 reads it
// (`docker-compose config`): three etcd members forming one cluster, three Vigil replicas with the same store, the
// same encryption key and the same TLS identity, each its own port and data volume, and only variables that
// `vigil serve` reads. Without the key the file refuses to start, saying how to make one. (Running it needs a
// Vigil image; the replicas themselves are tested in replicas.test.ts and shared-certificate.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SERVE_ENVIRONMENT } from '../../../cli/serve-config.ts';
import { projectRoot } from '../../testbed/provision.ts';
import { deadlines } from '../../testbed/deadlines.ts';

interface ComposeService {
  environment?: Record<string, string>;
  ports?: Array<string | { published?: number | string; target?: number | string }>;
  volumes?: Array<string | { source?: string; target?: string }>;
}

const FILE = join(projectRoot, 'deploy', 'ha', 'docker-compose.yml');

function config(env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('docker-compose', ['-f', FILE, 'config'], { env, encoding: 'utf8', timeout: deadlines.cliRun });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('docker-compose reads the example as three etcd members and three replicas sharing store, key and TLS identity', () => {
  const { VIGIL_ENCRYPTION_KEY: _ignored, ...environment } = process.env;
  const refused = config(environment);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /create one with openssl rand -base64 32/);

  const read = config({ ...environment, VIGIL_ENCRYPTION_KEY: 'a-test-key' });
  assert.equal(read.status, 0, read.stderr);
  const services = (parse(read.stdout) as { services: Record<string, ComposeService> }).services;
  const members = ['etcd-1', 'etcd-2', 'etcd-3'];
  for (const member of members) {
    const env = services[member]?.environment ?? {};
    assert.equal(env.ETCD_NAME, member);
    assert.equal(env.ETCD_INITIAL_CLUSTER, members.map((name) => `${name}=http://${name}:2380`).join(','));
  }
  const replicas = ['vigil-1', 'vigil-2', 'vigil-3'].map((name) => services[name]?.environment ?? {});
  for (const env of replicas) {
    assert.equal(env.VIGIL_STORE, 'etcd://etcd-1:2379,etcd-2:2379,etcd-3:2379');
    assert.equal(env.VIGIL_ENCRYPTION_KEY, 'a-test-key');
    assert.deepEqual([env.VIGIL_TLS_CERT, env.VIGIL_TLS_KEY, env.VIGIL_TLS_CA], ['/certs/vigil.crt', '/certs/vigil.key', '/certs/ca.crt']);
    for (const name of Object.keys(env)) {
      assert.ok(name === 'VIGIL_ENCRYPTION_KEY' || SERVE_ENVIRONMENT.includes(name), `${name} is not read by vigil serve`);
    }
  }
  const published = ['vigil-1', 'vigil-2', 'vigil-3'].map((name) => JSON.stringify(services[name]?.ports));
  assert.equal(new Set(published).size, 3, 'each replica its own port');
  const dataVolumes = ['vigil-1', 'vigil-2', 'vigil-3'].map((name) => JSON.stringify((services[name]?.volumes ?? []).filter((volume) => JSON.stringify(volume).includes('/data'))));
  assert.equal(new Set(dataVolumes).size, 3, 'each replica its own data volume');
});
