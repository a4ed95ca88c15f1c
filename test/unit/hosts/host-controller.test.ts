// The Host controller over fake engines: the local Host exists without a manifest, status mirrors the engine,
// reconnection backs off on the injected clock, an engine restart resyncs without duplicates, TLS comes from Secrets.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Host, HostStatus } from '../../../schemas/generated/types.ts';
import { FakeDockerEngine } from '../../../controllers/docker/fake/fake-engine.ts';
import { LOCAL_ENDPOINT, eventually, find, startDockerStack, type DockerStack } from '../inventory/fixtures.ts';

function condition(status: HostStatus | undefined, type: string) {
  return status?.conditions?.find((entry) => entry.type === type);
}

describe('host controller (fake engines)', () => {
  let stack: DockerStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function host(name: string): Promise<Host | undefined> {
    return (await find((stack as DockerStack).registry, 'Host', undefined, name)) as Host | undefined;
  }

  async function hostWhere(name: string, what: string, check: (status: HostStatus) => boolean, timeoutMs?: number): Promise<Host> {
    return await eventually(`Host ${name}: ${what}`, async () => {
      const found = await host(name);
      return found?.status !== undefined && check(found.status) ? found : undefined;
    }, timeoutMs);
  }

  async function names(namespace: string): Promise<string[]> {
    return (await (stack as DockerStack).registry.list('Container', { namespace })).items.map((item) => item.metadata.name);
  }

  test('the local Host is created at start, without a manifest, and shows the engine it reaches', async () => {
    const engine = new FakeDockerEngine({ hostname: 'nas', engineVersion: '27.3.1', apiVersion: '1.47', swarm: { role: 'manager', nodeID: 'n1', clusterID: 'c1' } });
    engine.run({ name: 'a', image: 'busybox' });
    engine.run({ name: 'b', image: 'busybox', state: 'exited' });
    stack = await startDockerStack({ engines: { [LOCAL_ENDPOINT]: engine } });
    const local = await hostWhere('local', 'ready', (status) => condition(status, 'Ready')?.status === 'True');
    assert.deepEqual(local.spec, {}, 'no dockerHost: the server socket, whatever --docker-host says');
    const status = local.status;
    assert.equal(status?.endpoint, LOCAL_ENDPOINT);
    assert.equal(status?.reachable, true);
    assert.equal(status?.engineID, engine.engineID);
    assert.equal(status?.engineVersion, '27.3.1');
    assert.equal(status?.apiVersion, '1.47');
    assert.equal(status?.hostname, 'nas');
    assert.deepEqual(status?.swarm, { role: 'manager', nodeID: 'n1', clusterID: 'c1' });
    assert.deepEqual(status?.containers, { total: 2, running: 1, stopped: 1 });
    assert.equal(condition(status, 'Connected')?.reason, 'Connected');
    assert.equal(status?.lastError, undefined);
  });

  test('an unreachable engine is reported and retried with exponential backoff on the clock, until it answers', async () => {
    stack = await startDockerStack();
    const url = 'tcp://127.0.0.1:2375';
    await stack.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name: 'nas' }, spec: { dockerHost: url } });
    const down = await hostWhere('nas', 'unreachable', (status) => condition(status, 'Connected')?.reason === 'EngineUnreachable');
    assert.equal(down.status?.reachable, false);
    assert.match(down.status?.lastError ?? '', /ECONNREFUSED/);
    const attempts = (): number => (stack as DockerStack).connections.filter((endpoint) => endpoint.url === url).length;
    assert.equal(attempts(), 1);
    await stack.clock.advance(1000);
    await eventually('a second attempt after 1 s', () => attempts() === 2);
    await stack.clock.advance(1999);
    assert.equal(attempts(), 2, 'the next wait is 2 s');
    await stack.clock.advance(1);
    await eventually('a third attempt after 2 s more', () => attempts() === 3);

    const engine = new FakeDockerEngine();
    engine.run({ name: 'media', image: 'jellyfin' });
    stack.engines.set(url, engine);
    await stack.clock.advance(4000);
    await hostWhere('nas', 'connected', (status) => status.reachable === true && status.engineID === engine.engineID);
    await eventually('its container is discovered', async () => (await names('nas')).includes('media'));
  });

  test('an engine restart: disconnected, then reconnected and resynced, changes made meanwhile found, no duplicates', async () => {
    stack = await startDockerStack();
    const engine = stack.engines.get(LOCAL_ENDPOINT) as FakeDockerEngine;
    for (const name of ['one', 'two', 'three']) engine.run({ name, image: 'busybox' });
    await eventually('three containers', async () => (await names('local')).length === 3);
    engine.stopEngine();
    await hostWhere('local', 'unreachable', (status) => status.reachable === false && condition(status, 'Ready')?.status === 'False');
    // While the engine was down: one container went for good, another came.
    engine.startEngine();
    engine.withoutEvents(() => {
      engine.remove('two');
      engine.run({ name: 'four', image: 'busybox' });
    });
    await stack.clock.advance(1000);
    await hostWhere('local', 'reconnected', (status) => status.reachable === true);
    await eventually('four is discovered and two is gone', async () => {
      const two = (await find((stack as DockerStack).registry, 'Container', 'local', 'two')) as Container | undefined;
      return (await names('local')).includes('four') && two?.status?.state === 'gone';
    });
    await stack.idle();
    assert.deepEqual(await names('local'), ['four', 'one', 'three', 'two']);
    const one = (await find(stack.registry, 'Container', 'local', 'one')) as Container | undefined;
    assert.equal(one?.status?.state, 'exited', 'the engine stop stopped it (no live-restore)');
  });

  test('the periodic relist catches a change whose event was lost', async () => {
    stack = await startDockerStack();
    const engine = stack.engines.get(LOCAL_ENDPOINT) as FakeDockerEngine;
    engine.run({ name: 'quiet', image: 'busybox' });
    await eventually('quiet is discovered', async () => (await names('local')).includes('quiet'));
    // Let the inventory finish its pass over the new resource before the container vanishes without an event.
    await stack.idle();
    engine.withoutEvents(() => engine.remove('quiet', { force: true }));
    await stack.idle();
    assert.equal(((await find(stack.registry, 'Container', 'local', 'quiet')) as Container | undefined)?.status?.state, 'running');
    await stack.clock.advance(5 * 60_000);
    await eventually('the relist finds it gone', async () => ((await find((stack as DockerStack).registry, 'Container', 'local', 'quiet')) as Container | undefined)?.status?.state === 'gone');
  });

  test('TLS material comes from the referenced Secrets; a missing Secret is a condition until it appears', async () => {
    stack = await startDockerStack();
    const url = 'tcp://127.0.0.1:2376';
    stack.engines.set(url, new FakeDockerEngine());
    await stack.registry.create({
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'Host',
      metadata: { name: 'secure' },
      spec: {
        dockerHost: url,
        tls: { caSecretRef: { name: 'secure-tls', key: 'ca.pem' }, certSecretRef: { name: 'secure-tls', key: 'cert.pem' }, keySecretRef: { name: 'secure-tls', key: 'key.pem' } },
      },
    });
    const missing = await hostWhere('secure', 'secret missing', (status) => condition(status, 'Connected')?.reason === 'SecretNotFound');
    assert.match(missing.status?.lastError ?? '', /vigil-system\/secure-tls does not exist/);
    await stack.registry.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'secure-tls', namespace: 'vigil-system' },
      stringData: { 'ca.pem': 'CA PEM', 'cert.pem': 'CERT PEM', 'key.pem': 'KEY PEM' },
    });
    const connected = await hostWhere('secure', 'connected', (status) => status.reachable === true);
    assert.ok(!JSON.stringify(connected.status).includes('KEY PEM'), 'no key material in the status');
    const used = stack.connections.filter((endpoint) => endpoint.url === url).at(-1);
    assert.deepEqual(used?.tls, { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' });
  });

  test('deleting a Host closes its connection', async () => {
    stack = await startDockerStack();
    const url = 'tcp://127.0.0.1:2377';
    const engine = new FakeDockerEngine();
    stack.engines.set(url, engine);
    await stack.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name: 'spare' }, spec: { dockerHost: url } });
    await hostWhere('spare', 'connected', (status) => status.reachable === true);
    assert.equal(engine.feed.subscriberCount, 1);
    await stack.registry.delete('Host', undefined, 'spare');
    await eventually('the event stream is closed', () => engine.feed.subscriberCount === 0);
    assert.equal(stack.controllers.sessions.get('spare'), undefined);
  });
});
