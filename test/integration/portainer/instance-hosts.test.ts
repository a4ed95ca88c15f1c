// A PortainerInstance against the Portainer stand-in, whose Docker proxy reaches a real engine, with Vigil's Docker
// controllers as `vigil serve` runs them: the Docker endpoints become Hosts owned by the instance and the engine's
// containers become Containers of that Host (the inventory through the proxy); a wrong API key is a condition that
// never shows the key; an endpoint Portainer turns down leaves its Host unconnected without further calls, and
// turning it up connects it again; disabling the instance removes its Hosts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import { Manager } from '../../../controllers/runtime/index.ts';
import { registerDockerControllers } from '../../../controllers/docker-hosts.ts';
import { registerPortainerController } from '../../../controllers/portainer/portainer-controller.ts';
import type { Container, Host, PortainerInstance } from '../../../schemas/generated/types.ts';
import { buildTestImage, startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { ENDPOINT_TYPE, startPortainerStandIn, type PortainerStandIn } from '../../testbed/portainer.ts';
import { findResource, within } from '../inventory/real-stack.ts';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { selfSignedCertificate, serverCertificate } from '../../testbed/certificates.ts';

const API_KEY = 'ptr_instance-hosts-key-9f8e7d6c5b4a';
const WRONG_KEY = 'ptr_not-the-key-1a2b3c4d5e6f';
const IMAGE = 'vigil-test/app:1';

function condition(object: { status?: { conditions?: { type: string; status: string; reason: string; message?: string }[] } } | undefined, type: string) {
  return object?.status?.conditions?.find((entry) => entry.type === type);
}

describe('Portainer endpoints as Hosts, on a real engine behind the stand-in', () => {
  let engine: DockerEngine;
  let portainer: PortainerStandIn;
  let registry: ResourceRegistry;
  let manager: Manager;
  let store: CachedStore;
  let dir: string;
  const logs: string[] = [];

  before(async () => {
    engine = await startDockerEngine({ name: 'ptr-hosts' });
    await buildTestImage(engine, { tag: IMAGE, version: '1' });
    portainer = await startPortainerStandIn({
      apiKey: API_KEY,
      endpoints: [
        { id: 1, name: 'office', type: ENDPOINT_TYPE.docker, engine },
        { id: 2, name: 'branch', type: ENDPOINT_TYPE.agentOnDocker, engine, status: 2 },
        { id: 3, name: 'k8s', type: ENDPOINT_TYPE.kubernetesLocal },
        { id: 4, name: 'edge', type: ENDPOINT_TYPE.edgeAgentOnDocker, edgeAsync: true },
      ],
    });
    dir = mkdtempSync(join(tmpdir(), 'vigil-ptr-'));
    store = await CachedStore.open({ backend: openEmbeddedStore({ path: join(dir, 'vigil.db'), compactionIntervalMs: 0 }) });
    registry = new ResourceRegistry({ store });
    const sink = new Writable({ write(chunk: Buffer, _encoding, done) { logs.push(chunk.toString('utf8')); done(); } });
    manager = new Manager({ client: registry, metricsRegistry: new Registry(), logger: pino({ level: 'trace' }, sink) });
    // The local Host is this engine too (the same engine seen twice is a later step: de-duplication).
    registerDockerControllers({ manager, defaultDockerHost: engine.host, backoff: { initialMs: 200, maxMs: 2000 } });
    registerPortainerController({ manager });
    await manager.start();
    for (const [name, key] of [['portainer-key', API_KEY], ['portainer-wrong', WRONG_KEY]] as const) {
      await registry.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'vigil-system' }, stringData: { apiKey: key } });
    }
    await registry.create({
      apiVersion: 'vigil.dev/v1alpha1', kind: 'PortainerInstance', metadata: { name: 'office' },
      spec: { url: portainer.url, apiKeySecretRef: { name: 'portainer-key', key: 'apiKey' }, syncInterval: '5s' },
    } satisfies PortainerInstance);
  });
  after(async () => {
    await manager?.stop();
    await store?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    await portainer?.close();
    await engine?.cleanup();
  });

  const host = async (name: string): Promise<Host | undefined> => (await findResource(registry, 'Host', undefined, name)) as Host | undefined;
  const instance = async (name: string): Promise<PortainerInstance | undefined> => (await findResource(registry, 'PortainerInstance', undefined, name)) as PortainerInstance | undefined;
  async function hostWhere(name: string, what: string, check: (found: Host) => boolean): Promise<Host> {
    return (await within(deadlines.condition, `Host ${name}: ${what}`, 50, async () => {
      const found = await host(name);
      return found !== undefined && check(found) ? found : undefined;
    })).value;
  }

  test('each Docker endpoint becomes a Host owned by the instance, reached through the proxy; others are listed as skipped', async () => {
    const office = await hostWhere('portainer-office-1', 'ready', (found) => condition(found, 'Ready')?.status === 'True');
    const owner = await instance('office');
    assert.equal(office.spec?.portainer?.url, `${portainer.url}/api/endpoints/1/docker`);
    assert.equal(office.status?.endpoint, `${portainer.url}/api/endpoints/1/docker`);
    assert.equal(office.status?.engineID, (await engine.docker(['info', '--format', '{{.ID}}'])).trim());
    assert.deepEqual(office.metadata.ownerReferences?.map((ref) => [ref.kind, ref.name, ref.uid]), [['PortainerInstance', 'office', owner?.metadata.uid]]);
    const branch = await hostWhere('portainer-office-2', 'down', (found) => condition(found, 'Connected')?.reason === 'EndpointDown');
    assert.equal(branch.status?.reachable, false);
    const edge = await hostWhere('portainer-office-4', 'async Edge', (found) => condition(found, 'Connected')?.reason === 'EdgeAsync');
    assert.match(condition(edge, 'Connected')?.message ?? '', /async Edge agent/);
    assert.equal(await host('portainer-office-3'), undefined, 'no Host for a Kubernetes endpoint');
    const status = (await instance('office'))?.status;
    assert.equal(condition(await instance('office'), 'Ready')?.reason, 'Synced');
    assert.equal(status?.version, '2.23.0');
    assert.deepEqual(status?.endpoints?.map((row) => [row.id, row.status, row.hostRef ?? row.skipped]), [
      [1, 'up', 'portainer-office-1'], [2, 'down', 'portainer-office-2'], [3, 'up', 'not a Docker endpoint (type 5)'], [4, 'up', 'portainer-office-4'],
    ]);
    assert.ok(portainer.listCalls.length > 0);
    for (const query of portainer.listCalls) {
      assert.equal(query.get('excludeSnapshots'), 'true');
      assert.ok(query.has('limit') && query.has('start'), 'paged');
    }
    assert.equal(portainer.proxied.filter((call) => call.endpointId === 2 || call.endpointId === 4).length, 0, 'no call to a down or async Edge endpoint');
  });

  test('what a person sets on a Portainer Host (paused) survives the next sync', async () => {
    await registry.modify('Host', undefined, 'portainer-office-1', (current) => ({ ...current, spec: { ...(current.spec as object), paused: true } }));
    const syncedAt = (await instance('office'))?.status?.lastSync ?? '';
    await within(deadlines.condition, 'one more sync', 100, async () => Date.parse((await instance('office'))?.status?.lastSync ?? '') > Date.parse(syncedAt));
    assert.equal((await host('portainer-office-1'))?.spec?.paused, true);
    await registry.modify('Host', undefined, 'portainer-office-1', (current) => ({ ...current, spec: { ...(current.spec as object), paused: false } }));
  });

  test('the engine\'s containers become Containers of the Portainer Host: the inventory runs through the proxy', async () => {
    const id = (await engine.docker(['run', '-d', '--name', 'via-proxy', IMAGE])).trim();
    const found = await within(deadlines.containerCondition, 'Container portainer-office-1/via-proxy running', 50, async () => {
      const container = (await findResource(registry, 'Container', 'portainer-office-1', 'via-proxy')) as Container | undefined;
      return container?.status?.id === id && container.status.state === 'running' ? container : undefined;
    });
    assert.equal(found.value.spec?.hostRef, 'portainer-office-1');
    assert.ok(portainer.proxied.some((call) => call.endpointId === 1 && /\/containers\/[^/]+\/json/.test(call.path)), `inspected through the proxy: ${JSON.stringify(portainer.proxied.filter((call) => call.endpointId === 1).map((call) => call.path).slice(-10))}`);
    await engine.docker(['rm', '-f', 'via-proxy']);
    await within(deadlines.containerCondition, 'via-proxy gone', 50, async () => {
      const container = (await findResource(registry, 'Container', 'portainer-office-1', 'via-proxy')) as Container | undefined;
      return container === undefined || container.status?.state === 'gone';
    });
  });

  test('a wrong API key is a Ready False Unauthorized condition that never shows the key, and makes no Host', async () => {
    await registry.create({
      apiVersion: 'vigil.dev/v1alpha1', kind: 'PortainerInstance', metadata: { name: 'wrong' },
      spec: { url: portainer.url, apiKeySecretRef: { name: 'portainer-wrong', key: 'apiKey' }, syncInterval: '5s' },
    } satisfies PortainerInstance);
    const refused = (await within(deadlines.condition, 'instance wrong: Unauthorized', 50, async () => {
      const found = await instance('wrong');
      return condition(found, 'Ready')?.reason === 'Unauthorized' ? found : undefined;
    })).value;
    assert.match(condition(refused, 'Ready')?.message ?? '', /Portainer refused the API key \(HTTP 401: Invalid API key\)/);
    assert.equal(await host('portainer-wrong-1'), undefined);
    for (const text of [JSON.stringify(refused), logs.join('')]) {
      assert.ok(!text.includes(WRONG_KEY) && !text.includes(API_KEY), 'no API key in status or logs');
    }
  });

  test('an endpoint turned down: its Host shows it, and no call goes to it until it is up again', async () => {
    portainer.setStatus(1, 2);
    const down = await hostWhere('portainer-office-1', 'EndpointDown', (found) => condition(found, 'Connected')?.reason === 'EndpointDown');
    assert.equal(down.status?.reachable, false);
    assert.equal(condition(down, 'Ready')?.status, 'False');
    const callsWhenDown = portainer.proxied.filter((call) => call.endpointId === 1).length;
    // Two more syncs of the instance: the endpoint is still down, and its Host still makes no call.
    const syncedAt = (await instance('office'))?.status?.lastSync ?? '';
    await within(deadlines.condition, 'two more syncs', 100, async () => {
      const lastSync = (await instance('office'))?.status?.lastSync ?? '';
      return Date.parse(lastSync) >= Date.parse(syncedAt) + 8000;
    });
    assert.equal(portainer.proxied.filter((call) => call.endpointId === 1).length, callsWhenDown, 'no call to a down endpoint');
    portainer.setStatus(1, 1);
    await hostWhere('portainer-office-1', 'ready again', (found) => condition(found, 'Ready')?.status === 'True');
  });

  test('over HTTPS, verification fails against a private CA until the instance is given it; then its Host connects', async () => {
    const certs = makeTempDir('ptr-ca');
    const ca = selfSignedCertificate(certs, 'ca', { ca: true });
    const pair = serverCertificate(certs, 'portainer', ca);
    const secure = await startPortainerStandIn({ apiKey: API_KEY, endpoints: [{ id: 1, name: 'tls', type: ENDPOINT_TYPE.docker, engine }], tls: { cert: pair.certPem, key: pair.keyPem } });
    try {
      await registry.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'portainer-ca', namespace: 'vigil-system' }, stringData: { 'ca.crt': ca.certPem } });
      await registry.create({
        apiVersion: 'vigil.dev/v1alpha1', kind: 'PortainerInstance', metadata: { name: 'secure' },
        spec: { url: secure.url, apiKeySecretRef: { name: 'portainer-key', key: 'apiKey' }, syncInterval: '5s' },
      } satisfies PortainerInstance);
      const refused = (await within(deadlines.condition, 'instance secure: Unreachable', 50, async () => {
        const found = await instance('secure');
        return condition(found, 'Ready')?.reason === 'Unreachable' ? found : undefined;
      })).value;
      assert.match(condition(refused, 'Ready')?.message ?? '', /certificate/i);
      assert.equal(secure.proxied.length, 0);
      await registry.modify('PortainerInstance', undefined, 'secure', (current) => ({ ...current, spec: { ...(current.spec as object), tls: { caSecretRef: { name: 'portainer-ca', key: 'ca.crt' } } } }));
      await hostWhere('portainer-secure-1', 'ready over verified TLS', (found) => condition(found, 'Ready')?.status === 'True');
      assert.equal(condition(await instance('secure'), 'Ready')?.reason, 'Synced');
      await registry.delete('PortainerInstance', undefined, 'secure');
      await within(deadlines.condition, 'Host of secure removed', 50, async () => (await host('portainer-secure-1')) === undefined);
    } finally {
      await secure.close();
      removeTempDir(certs);
    }
  });

  test('disabling the instance removes its Hosts', async () => {
    await registry.modify('PortainerInstance', undefined, 'office', (current) => ({ ...current, spec: { ...(current.spec as object), enabled: false } }));
    await within(deadlines.condition, 'Hosts of office removed', 50, async () => {
      const hosts = await registry.list('Host');
      return hosts.items.every((item) => !item.metadata.name.startsWith('portainer-office-'));
    });
    assert.equal(condition(await instance('office'), 'Ready')?.reason, 'Disabled');
  });
});
