// Hosts and the container inventory on two real engines at once: what `docker run`, `stop`, `rm` and `rename` do is
// reflected within a second; the resource view matches `docker inspect` field by field; passes are idempotent;
// stopped containers are included and Swarm tasks excluded; 200 containers are discovered; lifecycle requests and
// the log tail work; an engine restart is followed by reconnection and a resync without duplicates.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import type { Container, ContainerStatus, Host, Mount, NetworkAttachment, UpdateRecord } from '../../../schemas/generated/types.ts';
import { buildTestImage, initSwarm, startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { pool } from '../../bench/stats.ts';
import { findResource, startRealStack, within, type RealStack } from './real-stack.ts';

const IMAGE = 'vigil-test/app:1';

interface Inspected {
  Id: string;
  Name: string;
  Created: string;
  Image: string;
  RestartCount: number;
  State: { Status: string; ExitCode: number; StartedAt: string; Health?: { Status: string } };
  Config: { Image: string; Labels: Record<string, string> | null };
  HostConfig: { NetworkMode: string };
  NetworkSettings: {
    Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
    Networks: Record<string, { NetworkID: string; IPAddress: string; MacAddress: string; Aliases: string[] | null; IPAMConfig: { IPv4Address?: string } | null }>;
  };
  Mounts: { Type: string; Name?: string; Source: string; Destination: string; Driver?: string; Mode: string; RW: boolean; Propagation: string }[];
}

describe('Docker hosts and the inventory on real engines', () => {
  let first: DockerEngine;
  let second: DockerEngine;
  let stack: RealStack;

  before(async () => {
    [first, second] = await Promise.all([startDockerEngine({ name: 'inv-a' }), startDockerEngine({ name: 'inv-b' })]);
    await Promise.all([buildTestImage(first, { tag: IMAGE, version: '1' }), buildTestImage(second, { tag: IMAGE, version: '1' })]);
    stack = await startRealStack({ defaultDockerHost: first.host });
    await stack.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name: 'second' }, spec: { dockerHost: second.host, resyncInterval: '10s' } });
    for (const name of ['local', 'second']) await hostWhere(name, 'ready', (host) => host.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True', 60_000);
  });
  after(async () => {
    await stack?.close();
    await Promise.all([first?.cleanup(), second?.cleanup()]);
  });

  async function container(namespace: string, name: string): Promise<Container | undefined> {
    return (await findResource(stack.registry, 'Container', namespace, name)) as Container | undefined;
  }

  async function containerWhere(namespace: string, name: string, timeoutMs: number, what: string, check: (status: ContainerStatus) => boolean): Promise<{ value: Container; ms: number }> {
    return await within(timeoutMs, `${namespace}/${name}: ${what}`, async () => {
      const found = await container(namespace, name);
      return found?.status !== undefined && check(found.status) ? found : undefined;
    });
  }

  async function hostWhere(name: string, what: string, check: (host: Host) => boolean, timeoutMs = 30_000): Promise<Host> {
    return (await within(timeoutMs, `Host ${name}: ${what}`, async () => {
      const found = (await findResource(stack.registry, 'Host', undefined, name)) as Host | undefined;
      return found !== undefined && check(found) ? found : undefined;
    })).value;
  }

  test('two engines are two Hosts, each with its own engine ID and containers', async () => {
    const local = await hostWhere('local', 'reachable', (host) => host.status?.reachable === true);
    const other = await hostWhere('second', 'reachable', (host) => host.status?.reachable === true);
    assert.equal(local.status?.engineID, (await first.docker(['info', '--format', '{{.ID}}'])).trim());
    // (Test engines share /etc/docker/key.json, from which Docker 20.10 derives the ID: both IDs may be equal here.)
    assert.equal(other.status?.engineID, (await second.docker(['info', '--format', '{{.ID}}'])).trim());
    assert.equal(other.status?.endpoint, second.host);
    assert.equal(local.status?.endpoint, first.host);
    assert.equal(local.status?.engineVersion, (await first.docker(['version', '--format', '{{.Server.Version}}'])).trim());
    assert.equal(local.status?.apiVersion, (await first.docker(['version', '--format', '{{.Server.APIVersion}}'])).trim());
    assert.deepEqual(local.status?.swarm, { role: 'none' });
  });

  test('docker run, stop, rename and rm are reflected within one second, on either host', async () => {
    const id = (await first.docker(['run', '-d', '--name', 'quick', '--stop-timeout', '1', IMAGE])).trim();
    const run = await containerWhere('local', 'quick', 1000, 'running', (status) => status.id === id && status.state === 'running');
    await first.docker(['stop', 'quick']);
    const stop = await containerWhere('local', 'quick', 1000, 'exited', (status) => status.state === 'exited');
    await first.docker(['rename', 'quick', 'quicker']);
    const rename = await containerWhere('local', 'quicker', 1000, 'renamed', (status) => status.id === id);
    await containerWhere('local', 'quick', 1000, 'old name gone', (status) => status.state === 'gone');
    await first.docker(['rm', 'quicker']);
    const rm = await containerWhere('local', 'quicker', 1000, 'gone', (status) => status.state === 'gone');
    const otherID = (await second.docker(['run', '-d', '--name', 'elsewhere', IMAGE])).trim();
    const elsewhere = await containerWhere('second', 'elsewhere', 1000, 'running', (status) => status.id === otherID);
    assert.equal(await container('local', 'elsewhere'), undefined, 'each host has its own namespace');
    console.log(`reflected after: run ${run.ms.toFixed(0)} ms, stop ${stop.ms.toFixed(0)} ms, rename ${rename.ms.toFixed(0)} ms, rm ${rm.ms.toFixed(0)} ms, run on the second host ${elsewhere.ms.toFixed(0)} ms`);
  });

  test('the resource matches docker inspect field by field: several networks, volumes, ports and a health check', async () => {
    const subnet = `10.${first.subnetIndex}.250`;
    await first.docker(['network', 'create', '--subnet', `${subnet}.0/24`, 'front']);
    await first.docker(['network', 'create', 'back']);
    const bind = join(first.dir, 'conf');
    mkdirSync(bind, { recursive: true });
    await first.docker([
      'create', '--name', 'full',
      '--network', 'front', '--ip', `${subnet}.10`, '--network-alias', 'web', '--mac-address', '02:42:0a:0b:0c:0d',
      '-p', '127.0.0.1::80', '-p', '127.0.0.1:0:8080/udp', '--expose', '9000',
      '-v', 'data-vol:/data', '-v', `${bind}:/conf:ro`, '-v', '/anonymous',
      '--label', 'sentinel.policy=auto', '--label', 'com.docker.compose.project=shop', '--label', 'com.docker.compose.service=web',
      '--health-cmd', '/bin/true', '--health-interval', '1s',
      IMAGE,
    ]);
    await first.docker(['network', 'connect', '--alias', 'api', 'back', 'full']);
    await first.docker(['start', 'full']);
    const { value: resource } = await containerWhere('local', 'full', 15_000, 'healthy', (status) => status.health === 'healthy');
    const status = resource.status as ContainerStatus;
    const inspect = (await first.inspect('full')) as unknown as Inspected;
    const image = (await first.inspect(inspect.Image)) as unknown as { RepoDigests: string[] };

    assert.equal(status.id, inspect.Id);
    assert.equal(status.name, inspect.Name.slice(1));
    assert.equal(status.image, inspect.Config.Image);
    assert.equal(status.imageID, inspect.Image);
    assert.deepEqual(status.repoDigests, [...image.RepoDigests].sort());
    assert.equal(status.state, inspect.State.Status);
    assert.equal(status.health, inspect.State.Health?.Status);
    assert.equal(status.exitCode, inspect.State.ExitCode);
    assert.equal(status.restartCount, inspect.RestartCount);
    assert.deepEqual(status.labels, inspect.Config.Labels ?? {});
    assert.equal(status.networkMode, inspect.HostConfig.NetworkMode);
    assert.equal(status.createdAt, inspect.Created);
    assert.equal(status.startedAt, inspect.State.StartedAt);
    assert.deepEqual(status.compose, { project: 'shop', service: 'web' });
    assert.deepEqual(status.effective?.policy, { value: 'auto', source: 'label' });

    const expectedPorts = Object.entries(inspect.NetworkSettings.Ports).flatMap(([key, bindings]) => {
      const [port = '', protocol = ''] = key.split('/');
      if (bindings === null) return [{ containerPort: Number(port), protocol }];
      return bindings.map((binding) => ({ containerPort: Number(port), protocol, hostIP: binding.HostIp, hostPort: Number(binding.HostPort) }));
    });
    const byJSON = (a: unknown, b: unknown): number => JSON.stringify(a).localeCompare(JSON.stringify(b));
    assert.deepEqual([...(status.ports ?? [])].sort(byJSON), expectedPorts.sort(byJSON));
    assert.equal(expectedPorts.length, 3, '80/tcp and 8080/udp published, 9000/tcp exposed');

    const networkNames = Object.keys(inspect.NetworkSettings.Networks).sort();
    assert.deepEqual(status.networks?.map((network) => network.name), networkNames);
    for (const name of networkNames) {
      const expected = inspect.NetworkSettings.Networks[name];
      const actual: NetworkAttachment | undefined = status.networks?.find((network) => network.name === name);
      assert.equal(actual?.networkID, expected?.NetworkID, `${name} networkID`);
      assert.equal(actual?.ipv4Address, expected?.IPAddress, `${name} address`);
      assert.equal(actual?.macAddress, expected?.MacAddress, `${name} MAC`);
      assert.deepEqual(actual?.aliases, expected?.Aliases ?? undefined, `${name} aliases`);
      assert.equal(actual?.ipamConfig?.ipv4Address, expected?.IPAMConfig?.IPv4Address || undefined, `${name} static IP`);
    }
    assert.equal(status.networks?.find((network) => network.name === 'front')?.ipamConfig?.ipv4Address, `${subnet}.10`);
    assert.equal(status.networks?.find((network) => network.name === 'front')?.macAddress, '02:42:0a:0b:0c:0d');
    assert.ok(status.networks?.find((network) => network.name === 'back')?.aliases?.includes('api'));

    assert.equal(status.mounts?.length, inspect.Mounts.length);
    assert.equal(inspect.Mounts.length, 3);
    for (const mount of inspect.Mounts) {
      const actual: Mount | undefined = status.mounts?.find((entry) => entry.destination === mount.Destination);
      assert.equal(actual?.type, mount.Type, `${mount.Destination} type`);
      assert.equal(actual?.name, mount.Name || undefined, `${mount.Destination} name`);
      assert.equal(actual?.source, mount.Source, `${mount.Destination} source`);
      assert.equal(actual?.driver, mount.Driver || undefined, `${mount.Destination} driver`);
      assert.equal(actual?.mode, mount.Mode, `${mount.Destination} mode`);
      assert.equal(actual?.rw, mount.RW, `${mount.Destination} rw`);
      assert.equal(actual?.propagation, mount.Propagation, `${mount.Destination} propagation`);
    }
  });

  test('reconciling every container again writes nothing: the same resourceVersions', async () => {
    await stack.idle();
    const before = await stack.registry.list('Container');
    for (const item of before.items) stack.controllers.inventory.enqueue(`${item.metadata.namespace}/${item.metadata.name}`);
    for (const item of before.items) stack.controllers.inventory.enqueue(`${item.metadata.namespace}/${item.metadata.name}`);
    await stack.idle();
    const afterwards = await stack.registry.list('Container');
    assert.ok(before.items.length >= 4);
    assert.deepEqual(
      afterwards.items.map((item) => [item.metadata.name, item.metadata.resourceVersion]),
      before.items.map((item) => [item.metadata.name, item.metadata.resourceVersion]),
    );
  });

  test('lifecycle requests stop, start and restart the container once each; Vigil\'s own container refuses stop', async () => {
    await first.docker(['run', '-d', '--name', 'life', '--stop-timeout', '1', IMAGE]);
    await first.docker(['run', '-d', '--name', 'myself', '--label', 'sentinel.self=true', IMAGE]);
    await containerWhere('local', 'life', 5000, 'discovered', (status) => status.state === 'running');
    await containerWhere('local', 'myself', 5000, 'discovered', (status) => status.self === true);
    const request = async (name: string, action: 'start' | 'stop' | 'restart'): Promise<string> => {
      const requestedAt = new Date(Date.now() + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      await stack.registry.modify('Container', 'local', name, (current) => ({ ...current, spec: { ...(current.spec as object), lifecycle: { action, requestedAt } } }));
      await containerWhere('local', name, 15_000, `${action} handled`, (status) => status.handledRequests?.lifecycle === requestedAt);
      return requestedAt;
    };
    await request('life', 'stop');
    assert.equal(((await first.inspect('life')) as unknown as Inspected).State.Status, 'exited');
    await request('myself', 'stop');
    assert.equal(((await first.inspect('myself')) as unknown as Inspected).State.Status, 'running', 'refused');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await request('life', 'start');
    const started = (await first.inspect('life')) as unknown as Inspected;
    assert.equal(started.State.Status, 'running');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await request('life', 'restart');
    const restarted = (await first.inspect('life')) as unknown as Inspected;
    assert.equal(restarted.State.Status, 'running');
    assert.ok(restarted.State.StartedAt > started.State.StartedAt, 'restarted');
    const records = (await stack.registry.list('UpdateRecord', { namespace: 'local' })).items as unknown as UpdateRecord[];
    assert.deepEqual(records.filter((record) => record.spec?.container === 'life').map((record) => `${record.spec?.steps?.[0]?.name} ${record.spec?.outcome}`).sort(),
      ['restart success', 'start success', 'stop success']);
    assert.deepEqual(records.filter((record) => record.spec?.container === 'myself').map((record) => record.spec?.outcome), ['failed']);
  });

  test('the log tail gives the last lines of stdout and stderr', async () => {
    await first.docker(['run', '-d', '--name', 'talker', IMAGE, 'sh', '-c', 'echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three; sleep 0.1; echo four >&2; sleep 3600']);
    await containerWhere('local', 'talker', 5000, 'discovered', () => true);
    const { value: text } = await within(10_000, 'four lines of logs', async () => {
      try {
        const logs = await stack.controllers.logs('local', 'talker', { tailLines: 500 });
        return logs.split('\n').length >= 5 ? logs : undefined;
      } catch {
        return undefined;
      }
    });
    assert.equal(text, 'one\ntwo\nthree\nfour\n');
    assert.equal(await stack.controllers.logs('local', 'talker', { tailLines: 2 }), 'three\nfour\n');
  });

  test('200 containers are discovered', async () => {
    const docker = new Dockerode({ socketPath: second.socketPath });
    const started = performance.now();
    await pool(200, 6, async (index) => {
      await docker.createContainer({ name: `bulk-${index}`, Image: IMAGE, Labels: { bulk: 'yes' } });
    });
    const created = performance.now() - started;
    const { ms } = await within(60_000, '200 bulk containers as resources', 250, async () => {
      const list = await stack.registry.list('Container', { namespace: 'second' });
      return list.items.filter((item) => (item.status as ContainerStatus | undefined)?.labels?.bulk === 'yes').length === 200;
    });
    console.log(`200 containers created in ${created.toFixed(0)} ms; all resources ${ms.toFixed(0)} ms after the last create`);
    const host = await hostWhere('second', 'counts 200 more', (found) => (found.status?.containers?.total ?? 0) >= 201);
    assert.ok((host.status?.containers?.stopped ?? 0) >= 200, 'created containers count as stopped');
  });

  test('stopped containers are included and Swarm task containers excluded', async () => {
    await initSwarm(second);
    await second.docker(['create', '--name', 'parked', IMAGE]);
    await second.docker(['service', 'create', '--detach', '--no-resolve-image', '--name', 'svc', IMAGE]);
    const { value: taskIDs } = await within(60_000, 'the service task container runs', async () => {
      const ids = (await second.docker(['ps', '-q', '--filter', 'label=com.docker.swarm.service.name=svc'])).trim();
      return ids === '' ? undefined : ids.split('\n');
    });
    const parked = await containerWhere('second', 'parked', 5000, 'discovered', (status) => status.state === 'created');
    assert.equal(parked.value.spec?.containerName, 'parked');
    await stack.idle();
    const list = await stack.registry.list('Container', { namespace: 'second' });
    const ids = new Set(list.items.map((item) => (item.status as ContainerStatus | undefined)?.id));
    for (const id of taskIDs) assert.equal([...ids].some((known) => known?.startsWith(id)), false, `task ${id} has no resource`);
    assert.equal(list.items.some((item) => item.metadata.name.startsWith('svc')), false);
    // The periodic relist (every 10 s for this Host) reads the engine facts again.
    const host = await hostWhere('second', 'a Swarm manager', (found) => found.status?.swarm?.role === 'manager', 30_000);
    assert.match(host.status?.swarm?.nodeID ?? '', /^[a-z0-9]+$/);
  });

  test('an engine restart: the Host reconnects and resyncs, the same resources stay, none is duplicated', async () => {
    await first.docker(['run', '-d', '--name', 'survivor', '--restart', 'always', IMAGE]);
    await containerWhere('local', 'survivor', 5000, 'running', (status) => status.state === 'running');
    await stack.idle();
    const before = (await stack.registry.list('Container', { namespace: 'local' })).items.map((item) => `${item.metadata.name} ${item.metadata.uid}`).sort();
    const connectedBefore = (await hostWhere('local', 'connected', (host) => host.status?.reachable === true)).status?.lastConnected ?? '';
    await first.restart();
    const reconnected = await hostWhere('local', 'reconnected', (host) => host.status?.reachable === true && (host.status.lastConnected ?? '') > connectedBefore, 60_000);
    assert.equal(reconnected.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    await containerWhere('local', 'full', 15_000, 'stopped by the engine restart', (status) => status.state === 'exited');
    await containerWhere('local', 'survivor', 15_000, 'restarted by its policy', (status) => status.state === 'running');
    await stack.idle();
    const afterwards = (await stack.registry.list('Container', { namespace: 'local' })).items.map((item) => `${item.metadata.name} ${item.metadata.uid}`).sort();
    assert.deepEqual(afterwards, before);
  });
});
