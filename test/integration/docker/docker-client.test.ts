// The dockerode client against real engines: the contract on the unix socket, and the tcp:// endpoints (plain and
// with TLS from a private CA) on loopback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeDockerClientContract, type WorldContainer } from '../../contract/docker-client-contract.ts';
import { buildTestImage, startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { makeTestCertificates } from '../../testbed/tls.ts';
import { createDockerClient } from '../../../controllers/docker/dockerode-client.ts';
import { isDockerError } from '../../../domain/docker/client.ts';

const IMAGE = 'vigil-test/contract:1';

/** A shell as PID 1 ignores SIGTERM; it writes the wanted lines (apart in time, so their order is kept) and idles. */
function script(container: WorldContainer): string {
  const writes = (container.logs ?? []).map((line) => {
    const quoted = `'${line.text.replace(/'/g, `'\\''`)}'`;
    return `printf '%s\\n' ${quoted}${line.stream === 'stderr' ? ' >&2' : ''}; sleep 0.1`;
  });
  return [`trap 'exit 0' USR1`, ...writes, 'while true; do sleep 0.1; done'].join('; ');
}

function runArgs(container: WorldContainer): string[] {
  return [
    ...(container.running === false ? ['create'] : ['run', '-d']),
    '--name', container.name,
    ...Object.entries(container.labels ?? {}).flatMap(([key, value]) => ['--label', `${key}=${value}`]),
    ...(container.stopSignal === undefined ? [] : ['--stop-signal', container.stopSignal]),
    ...(container.stopTimeout === undefined ? [] : ['--stop-timeout', String(container.stopTimeout)]),
    IMAGE, 'sh', '-c', script(container),
  ];
}

describeDockerClientContract('dockerode on a real engine', {
  world: async () => {
    const engine = await startDockerEngine({ name: 'client' });
    await buildTestImage(engine, { tag: IMAGE, version: '1', health: 'none' });
    const client = createDockerClient({ url: engine.host });
    return {
      client,
      image: IMAGE,
      run: async (container) => (await engine.docker(runArgs(container))).trim(),
      remove: async (name) => void (await engine.docker(['rm', '-f', name])),
      rename: async (from, to) => void (await engine.docker(['rename', from, to])),
      commitImage: async (container, tag) => (await engine.docker(['commit', container, ...(tag === undefined ? [] : [tag])])).trim(),
      tagImage: async (image, tag) => void (await engine.docker(['tag', image, tag])),
      cleanup: async () => {
        client.close();
        await engine.cleanup();
      },
    };
  },
});

describe('dockerode client over tcp://', () => {
  let engine: DockerEngine;
  before(async () => {
    engine = await startDockerEngine({ name: 'tls', tcp: 'tls' });
  });
  after(async () => {
    await engine.cleanup();
  });

  test('reaches an engine with --tlsverify using the CA, client certificate and key', async () => {
    const tls = engine.tcp?.tls;
    assert.ok(engine.tcp !== undefined && tls !== undefined);
    const client = createDockerClient({ url: engine.tcp.url, tls: { ca: tls.ca, cert: tls.cert, key: tls.key } });
    try {
      const viaTcp = await client.engineInfo({ signal: AbortSignal.timeout(20_000) });
      const viaSocket = createDockerClient({ url: engine.host });
      const direct = await viaSocket.engineInfo({ signal: AbortSignal.timeout(20_000) });
      viaSocket.close();
      assert.equal(viaTcp.engineID, direct.engineID);
    } finally {
      client.close();
    }
  });

  test('is Unreachable without a client certificate, or when the engine is signed by another CA', async () => {
    const tls = engine.tcp?.tls;
    assert.ok(engine.tcp !== undefined && tls !== undefined);
    const other = makeTestCertificates(engine.dir, 'other');
    const attempts = [
      { ca: tls.ca },
      { ca: other.ca, cert: tls.cert, key: tls.key },
    ];
    for (const attempt of attempts) {
      const client = createDockerClient({ url: engine.tcp.url, tls: attempt });
      await assert.rejects(client.engineInfo({ signal: AbortSignal.timeout(20_000) }), (error: unknown) => {
        assert.ok(isDockerError(error, 'Unreachable'), String(error));
        return true;
      });
      client.close();
    }
  });

  test('an unverified connection (verify: false) accepts an engine certificate from an unknown CA', async () => {
    const tls = engine.tcp?.tls;
    assert.ok(engine.tcp !== undefined && tls !== undefined);
    const client = createDockerClient({ url: engine.tcp.url, tls: { cert: tls.cert, key: tls.key, verify: false } });
    try {
      assert.match((await client.engineInfo({ signal: AbortSignal.timeout(20_000) })).engineVersion, /^\d+\./);
    } finally {
      client.close();
    }
  });
});

describe('dockerode client over plain tcp://', () => {
  test('reaches an engine listening on a loopback TCP port without TLS', async () => {
    const engine = await startDockerEngine({ name: 'tcp', tcp: 'plain' });
    try {
      assert.ok(engine.tcp !== undefined);
      const client = createDockerClient({ url: engine.tcp.url });
      const info = await client.engineInfo({ signal: AbortSignal.timeout(20_000) });
      assert.match(info.engineVersion, /^\d+\./);
      assert.deepEqual(await client.listContainers({ signal: AbortSignal.timeout(20_000) }), []);
      client.close();
    } finally {
      await engine.cleanup();
    }
  });
});
