import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { kubeconfigYaml, localServerUrl, writeKubeconfig } from '../../../cli/kubeconfig.ts';
import { loadConnection } from '../../../cli/client/connection.ts';
import { CliError } from '../../../cli/client/errors.ts';

test('the server URL is the listen address, loopback for all interfaces, bracketed for IPv6', () => {
  assert.equal(localServerUrl('127.0.0.1', 8080), 'http://127.0.0.1:8080');
  assert.equal(localServerUrl('0.0.0.0', 8080), 'http://127.0.0.1:8080');
  assert.equal(localServerUrl('::', 9000), 'http://[::1]:9000');
  assert.equal(localServerUrl('192.168.1.5', 80), 'http://192.168.1.5:80');
});

test('client-node loads the kubeconfig: cluster vigil with TLS verification off (plain http), a user, context vigil current', () => {
  const config = new KubeConfig();
  config.loadFromString(kubeconfigYaml({ server: 'http://127.0.0.1:8080' }));
  assert.equal(config.getCurrentContext(), 'vigil');
  assert.equal(config.getCurrentCluster()?.server, 'http://127.0.0.1:8080');
  assert.equal(config.getCurrentCluster()?.skipTLSVerify, true);
  assert.equal(config.getCurrentUser()?.name, 'vigil');
  const withToken = new KubeConfig();
  withToken.loadFromString(kubeconfigYaml({ server: 'http://127.0.0.1:8080', token: 'stk_abc' }));
  assert.equal(withToken.getCurrentUser()?.token, 'stk_abc');
});

test('the kubeconfig file is readable by its owner only', () => {
  const dir = makeTempDir('kubeconfig');
  try {
    const path = writeKubeconfig(dir, kubeconfigYaml({ server: 'http://127.0.0.1:1' }));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.match(readFileSync(path, 'utf8'), /server: http:\/\/127\.0\.0\.1:1/);
  } finally {
    removeTempDir(dir);
  }
});

test('the client finds the data directory\'s kubeconfig, lets --server replace its URL, and says what is missing', () => {
  const dir = makeTempDir('kubeconfig');
  try {
    assert.throws(() => loadConnection({ dataDir: dir }, {}), (error: unknown) => error instanceof CliError && /no kubeconfig at .*kubeconfig: is vigil serve running/.test(error.message));
    writeKubeconfig(dir, kubeconfigYaml({ server: 'http://127.0.0.1:1' }));
    assert.equal(loadConnection({ dataDir: dir }, {}).getCurrentCluster()?.server, 'http://127.0.0.1:1');
    assert.equal(loadConnection({ dataDir: dir, server: 'http://127.0.0.1:2' }, {}).getCurrentCluster()?.server, 'http://127.0.0.1:2');
    assert.equal(loadConnection({ dataDir: `${dir}/none`, server: 'http://127.0.0.1:3/' }, {}).getCurrentCluster()?.server, 'http://127.0.0.1:3');
    assert.equal(loadConnection({}, { VIGIL_DATA_DIR: dir }).getCurrentCluster()?.server, 'http://127.0.0.1:1');
  } finally {
    removeTempDir(dir);
  }
});
