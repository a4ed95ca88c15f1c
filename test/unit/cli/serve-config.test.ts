import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ConfigError, isLoopbackAddress, parseServeConfig } from '../../../cli/serve-config.ts';

function rejects(argv: string[], env: NodeJS.ProcessEnv, message: RegExp): void {
  assert.throws(() => parseServeConfig(argv, env), (error: unknown) => {
    assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

describe('vigil serve configuration', () => {
  test('defaults: port 8080 on all interfaces (as Docker Sentinel, now that every route is authenticated), ./data, the embedded store, the local Docker socket, authentication on', () => {
    assert.deepEqual(parseServeConfig([], {}), {
      port: 8080,
      listen: '0.0.0.0',
      dataDir: resolve('./data'),
      store: { kind: 'embedded' },
      dockerHost: 'unix:///var/run/docker.sock',
      manifests: undefined,
      dockerConfig: undefined,
      logLevel: 'info',
      auth: 'on',
      tls: 'auto',
      tlsFiles: undefined,
      basePath: '',
      leaderLeaseTtlSeconds: 15,
      etcdCompactionIntervalSeconds: 300,
    });
  });

  test('with etcd: the leader lease TTL and the compaction interval, from flags or environment, in whole seconds', () => {
    const config = parseServeConfig(['--leader-lease-ttl', '3'], { VIGIL_ETCD_COMPACTION_INTERVAL: '0' });
    assert.equal(config.leaderLeaseTtlSeconds, 3);
    assert.equal(config.etcdCompactionIntervalSeconds, 0);
    assert.equal(parseServeConfig([], { VIGIL_LEADER_LEASE_TTL: '20' }).leaderLeaseTtlSeconds, 20);
    rejects(['--leader-lease-ttl', '0'], {}, /invalid leader lease TTL "0" from --leader-lease-ttl: expected a whole number of seconds from 1 to 3600/);
    rejects([], { VIGIL_ETCD_COMPACTION_INTERVAL: '5m' }, /invalid etcd compaction interval "5m" from environment variable VIGIL_ETCD_COMPACTION_INTERVAL/);
  });

  test('environment variables set every option, and flags win over them', () => {
    const env = {
      VIGIL_PORT: '9000',
      VIGIL_LISTEN: '127.0.0.2',
      VIGIL_DATA_DIR: '/var/lib/vigil',
      VIGIL_STORE: 'etcd://10.0.0.5:2379,etcd-2:2379',
      DOCKER_HOST: 'tcp://127.0.0.1:2375',
      VIGIL_MANIFESTS: '/srv/gitops',
      VIGIL_LOG_LEVEL: 'debug',
      VIGIL_AUTH: 'off',
      VIGIL_TLS: 'off',
    };
    const fromEnv = parseServeConfig([], env);
    assert.equal(fromEnv.port, 9000);
    assert.equal(fromEnv.listen, '127.0.0.2');
    assert.equal(fromEnv.dataDir, '/var/lib/vigil');
    assert.deepEqual(fromEnv.store, { kind: 'etcd', endpoints: ['http://10.0.0.5:2379', 'http://etcd-2:2379'] });
    assert.equal(fromEnv.dockerHost, 'tcp://127.0.0.1:2375');
    assert.equal(fromEnv.manifests, '/srv/gitops');
    assert.equal(fromEnv.logLevel, 'debug');
    assert.equal(fromEnv.auth, 'off');
    assert.equal(fromEnv.tls, 'off');
    const fromFlags = parseServeConfig(['--port', '9090', '--store=embedded', '--listen', '::1', '--auth', 'on', '--tls', 'auto'], env);
    assert.equal(fromFlags.auth, 'on');
    assert.equal(fromFlags.tls, 'auto');
    assert.equal(fromFlags.port, 9090);
    assert.deepEqual(fromFlags.store, { kind: 'embedded' });
    assert.equal(fromFlags.listen, '::1');
  });

  test('registry credentials: --docker-config, VIGIL_DOCKER_CONFIG, or config.json in Docker\'s DOCKER_CONFIG directory', () => {
    assert.equal(parseServeConfig(['--docker-config', '/etc/vigil/config.json'], { VIGIL_DOCKER_CONFIG: '/other.json' }).dockerConfig, '/etc/vigil/config.json');
    assert.equal(parseServeConfig([], { VIGIL_DOCKER_CONFIG: '/other.json', DOCKER_CONFIG: '/root/.docker' }).dockerConfig, '/other.json');
    assert.equal(parseServeConfig([], { DOCKER_CONFIG: '/root/.docker' }).dockerConfig, '/root/.docker/config.json');
  });

  test('a bad value stops the start with a message naming the flag or variable', () => {
    rejects(['--port', '0'], {}, /invalid port "0" from --port/);
    rejects(['--port', '8080x'], {}, /invalid port "8080x" from --port/);
    rejects([], { VIGIL_PORT: '70000' }, /from environment variable VIGIL_PORT/);
    rejects(['--listen', 'everywhere'], {}, /invalid listen address "everywhere" from --listen/);
    rejects(['--store', 'postgres://db'], {}, /invalid store "postgres:\/\/db" from --store/);
    rejects(['--store', 'etcd://host'], {}, /invalid etcd member "host"/);
    rejects([], { DOCKER_HOST: 'ssh://me@host' }, /invalid Docker host "ssh:\/\/me@host" from environment variable DOCKER_HOST/);
    rejects(['--log-level', 'loud'], {}, /invalid log level "loud" from --log-level/);
    rejects([], { VIGIL_AUTH: 'false' }, /invalid authentication mode "false" from environment variable VIGIL_AUTH: expected on or off/);
    rejects(['--tls', 'on'], {}, /invalid TLS mode "on" from --tls: expected auto or off/);
  });

  test('--tls-cert and --tls-key (or VIGIL_TLS_CERT and VIGIL_TLS_KEY) give the TLS identity, with an optional --tls-ca; flags win', () => {
    assert.deepEqual(parseServeConfig(['--tls-cert', 'certs/vigil.crt', '--tls-key', '/etc/vigil/vigil.key'], {}).tlsFiles, {
      cert: resolve('certs/vigil.crt'),
      key: '/etc/vigil/vigil.key',
      ca: undefined,
      certSource: '--tls-cert',
      keySource: '--tls-key',
      caSource: undefined,
    });
    const env = { VIGIL_TLS_CERT: '/env/vigil.crt', VIGIL_TLS_KEY: '/env/vigil.key', VIGIL_TLS_CA: '/env/ca.crt' };
    assert.deepEqual(parseServeConfig([], env).tlsFiles, {
      cert: '/env/vigil.crt',
      key: '/env/vigil.key',
      ca: '/env/ca.crt',
      certSource: 'environment variable VIGIL_TLS_CERT',
      keySource: 'environment variable VIGIL_TLS_KEY',
      caSource: 'environment variable VIGIL_TLS_CA',
    });
    const mixed = parseServeConfig(['--tls-cert', '/flag/vigil.crt'], env).tlsFiles;
    assert.equal(mixed?.cert, '/flag/vigil.crt');
    assert.equal(mixed?.certSource, '--tls-cert');
    assert.equal(mixed?.keySource, 'environment variable VIGIL_TLS_KEY');
  });

  test('a certificate without its key, a key or CA without a certificate, and any of them with --tls off stop the start naming the flag', () => {
    rejects(['--tls-cert', '/a.crt'], {}, /^--tls-cert needs --tls-key FILE \(env VIGIL_TLS_KEY\) too: the private key of the certificate$/);
    rejects([], { VIGIL_TLS_KEY: '/a.key' }, /^environment variable VIGIL_TLS_KEY needs --tls-cert FILE \(env VIGIL_TLS_CERT\) too$/);
    rejects(['--tls-ca', '/ca.crt'], {}, /^--tls-ca needs --tls-cert FILE/);
    rejects(['--tls', 'off', '--tls-cert', '/a.crt', '--tls-key', '/a.key'], {}, /^--tls-cert and --tls-key cannot be used with TLS off: drop them or set --tls auto$/);
    rejects(['--tls-cert', '', '--tls-key', '/a.key'], {}, /invalid file "" from --tls-cert/);
  });

  test('--base-path or VIGIL_BASE_PATH: normalized to /a/b, none by default, a bad one refused naming the source', () => {
    assert.equal(parseServeConfig([], {}).basePath, '');
    assert.equal(parseServeConfig(['--base-path', '/vigil/'], {}).basePath, '/vigil');
    assert.equal(parseServeConfig([], { VIGIL_BASE_PATH: '/tools/vigil' }).basePath, '/tools/vigil');
    assert.equal(parseServeConfig(['--base-path', '/'], {}).basePath, '');
    rejects(['--base-path', 'vigil'], {}, /invalid base path "vigil" from --base-path: must start with "\/"/);
    rejects([], { VIGIL_BASE_PATH: '/a/../b' }, /invalid base path "\/a\/..\/b" from environment variable VIGIL_BASE_PATH: each part must be/);
    rejects(['--base-path', '/a b'], {}, /each part must be/);
  });

  test('an unknown flag, a flag without its value and a stray argument are refused', () => {
    rejects(['--prot', '9090'], {}, /Unknown option '--prot'/);
    rejects(['--port'], {}, /--port/);
    rejects(['9090'], {}, /unexpected argument "9090"/);
  });

  test('only loopback addresses count as private to this machine (no warning without authentication there)', () => {
    for (const address of ['127.0.0.1', '127.3.2.1', '::1', 'localhost']) assert.ok(isLoopbackAddress(address), address);
    for (const address of ['0.0.0.0', '::', '192.168.1.5', '10.0.0.1', '::ffff:127.0.0.1x']) assert.ok(!isLoopbackAddress(address), address);
  });
});
