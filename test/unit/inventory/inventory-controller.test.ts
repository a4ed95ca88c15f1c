// The inventory controller over a fake engine: every container becomes a Container resource, removal marks it gone
// (keeping the user's spec) and the retention deletes it, lifecycle requests run once, passes are idempotent.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, ContainerStatus, UpdateRecord } from '../../../schemas/generated/types.ts';
import { containerResourceName } from '../../../schemas/container-name.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import type { FakeDockerEngine } from '../../../controllers/docker/fake/fake-engine.ts';
import { LOCAL_ENDPOINT, eventually, find, startDockerStack, type DockerStack } from './fixtures.ts';

const HOUR = 3600_000;

describe('inventory controller (fake engine)', () => {
  let stack: DockerStack;
  let engine: FakeDockerEngine;

  beforeEach(async () => {
    stack = await startDockerStack({ goneRetentionMs: 24 * HOUR });
    const local = stack.engines.get(LOCAL_ENDPOINT);
    assert.ok(local !== undefined);
    engine = local;
    await eventually('the local host is connected', () => stack.controllers.sessions.get('local')?.client);
  });
  afterEach(async () => {
    await stack.close();
  });

  async function container(name: string): Promise<Container | undefined> {
    return (await find(stack.registry, 'Container', 'local', name)) as Container | undefined;
  }

  async function containerWhere(name: string, what: string, check: (status: ContainerStatus) => boolean): Promise<Container> {
    return await eventually(`${name}: ${what}`, async () => {
      const found = await container(name);
      return found?.status !== undefined && check(found.status) ? found : undefined;
    });
  }

  test('a new container appears with spec.hostRef and spec.containerName and its status from inspect; stopped ones too', async () => {
    engine.addImage({ reference: 'shop/web:1.2', repoDigests: ['registry.local/shop/web@sha256:' + 'a'.repeat(64)] });
    const id = engine.run({ name: 'web', image: 'shop/web:1.2', labels: { 'sentinel.policy': 'auto' }, healthCheck: true, ports: [{ containerPort: 80, hostIP: '127.0.0.1', hostPort: 8080 }] });
    engine.run({ name: 'Old_Job', image: 'busybox', state: 'exited', exitCode: 3 });
    const web = await containerWhere('web', 'discovered', (status) => status.id === id);
    assert.deepEqual(web.spec, { hostRef: 'local', containerName: 'web' });
    assert.equal(web.status?.state, 'running');
    assert.equal(web.status?.health, 'starting');
    assert.equal(web.status?.image, 'shop/web:1.2');
    assert.deepEqual(web.status?.repoDigests, ['registry.local/shop/web@sha256:' + 'a'.repeat(64)]);
    assert.deepEqual(web.status?.ports, [{ containerPort: 80, protocol: 'tcp', hostIP: '127.0.0.1', hostPort: 8080 }]);
    assert.deepEqual(web.status?.effective?.policy, { value: 'auto', source: 'label' });
    assert.equal(web.status?.conditions?.find((condition) => condition.type === 'Running')?.status, 'True');
    const job = await containerWhere(containerResourceName('Old_Job'), 'discovered', (status) => status.state === 'exited');
    assert.equal(job.metadata.name, 'old-job-' + containerResourceName('Old_Job').split('-').at(-1));
    assert.equal(job.spec?.containerName, 'Old_Job');
    assert.equal(job.status?.exitCode, 3);
  });

  test('state changes arrive through events: stop, health, restart count', async () => {
    engine.run({ name: 'api', image: 'shop/api:1', healthCheck: true, stopTimeout: 2 });
    await containerWhere('api', 'starting', (status) => status.health === 'starting');
    engine.setHealth('api', 'healthy');
    await containerWhere('api', 'healthy', (status) => status.health === 'healthy');
    engine.crash('api', 1);
    const crashed = await containerWhere('api', 'exited', (status) => status.state === 'exited');
    assert.equal(crashed.status?.exitCode, 1);
    assert.equal(crashed.status?.conditions?.find((condition) => condition.type === 'Running')?.reason, 'Exited');
  });

  test('Swarm task containers never become resources', async () => {
    engine.run({ name: 'svc.1.abc', image: 'shop/web:1', labels: { 'com.docker.swarm.task': '', 'com.docker.swarm.task.id': 'abc' } });
    engine.run({ name: 'plain', image: 'shop/web:1' });
    await containerWhere('plain', 'discovered', () => true);
    await stack.idle();
    const list = await stack.registry.list('Container', { namespace: 'local' });
    assert.deepEqual(list.items.map((item) => item.metadata.name), ['plain']);
  });

  test('docker rm marks the resource gone and keeps the user spec; a container of the same name brings it back', async () => {
    engine.run({ name: 'db', image: 'postgres:16' });
    const discovered = await containerWhere('db', 'discovered', () => true);
    await stack.registry.modify('Container', 'local', 'db', (current) => ({ ...current, spec: { ...(current.spec as object), policy: 'pinned', ignoredVersions: ['17'] } }));
    engine.remove('db', { force: true });
    const gone = await containerWhere('db', 'gone', (status) => status.state === 'gone');
    assert.equal(gone.status?.goneSince, new Date(stack.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    assert.equal(gone.status?.conditions?.find((condition) => condition.type === 'Ready')?.reason, 'ContainerGone');
    assert.equal(gone.spec?.policy, 'pinned');
    assert.equal(gone.status?.id, discovered.status?.id, 'the last known facts stay');

    // `docker compose up` recreates it under the same name: same resource, new container, spec kept.
    const newID = engine.run({ name: 'db', image: 'postgres:16.4' });
    const back = await containerWhere('db', 'back', (status) => status.id === newID && status.state === 'running');
    assert.equal(back.metadata.uid, discovered.metadata.uid);
    assert.equal(back.status?.goneSince, undefined);
    assert.deepEqual(back.spec?.ignoredVersions, ['17']);
    assert.deepEqual(back.status?.effective?.policy, { value: 'pinned', source: 'spec' });
    assert.equal(back.status?.conditions?.find((condition) => condition.type === 'Ready')?.status, 'True');
  });

  test('a gone resource is deleted after the retention, but not while an update operation is active', async () => {
    engine.run({ name: 'tmp', image: 'busybox' });
    engine.run({ name: 'mid-update', image: 'busybox' });
    await containerWhere('tmp', 'discovered', () => true);
    await containerWhere('mid-update', 'discovered', () => true);
    await stack.registry.modify('Container', 'local', 'mid-update', (current) => ({
      ...current,
      status: { ...(current.status as object), operation: { type: 'update', phase: 'Running', step: 'create', startedAt: '2025-01-01T00:00:00Z' } },
    }), { subresource: 'status' });
    engine.remove('tmp', { force: true });
    engine.remove('mid-update', { force: true });
    await containerWhere('tmp', 'gone', (status) => status.state === 'gone');
    await containerWhere('mid-update', 'gone', (status) => status.state === 'gone');
    await stack.idle();
    await stack.clock.advance(23 * HOUR);
    await stack.idle();
    assert.ok(await container('tmp'), 'kept within the retention');
    await stack.clock.advance(1 * HOUR + 1000);
    await eventually('tmp is deleted', async () => (await container('tmp')) === undefined);
    await stack.idle();
    assert.ok(await container('mid-update'), 'an active operation keeps it');
  });

  test('docker rename: the old name is gone, the new name appears', async () => {
    const id = engine.run({ name: 'before', image: 'busybox' });
    await containerWhere('before', 'discovered', () => true);
    engine.rename('before', 'after');
    await containerWhere('before', 'gone', (status) => status.state === 'gone');
    const renamed = await containerWhere('after', 'discovered', (status) => status.id === id);
    assert.equal(renamed.spec?.containerName, 'after');
  });

  test('a second pass over an unchanged container writes nothing', async () => {
    engine.run({ name: 'steady', image: 'busybox', labels: { 'sentinel.semver': 'minor' } });
    const first = await containerWhere('steady', 'discovered', () => true);
    await stack.idle();
    const settled = await container('steady');
    stack.controllers.inventory.enqueue('local/steady');
    stack.controllers.inventory.enqueue('local/steady');
    await stack.idle();
    const after = await container('steady');
    assert.equal(after?.metadata.resourceVersion, settled?.metadata.resourceVersion);
    assert.equal(first.metadata.uid, after?.metadata.uid);
  });

  test('a Container from a manifest, made before its container runs, gets spec.hostRef and spec.containerName at discovery, once', async () => {
    await stack.registry.apply({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'shop', namespace: 'local' }, spec: { policy: 'auto' } }, { fieldManager: 'vigil-gitops', force: true });
    engine.run({ name: 'shop', image: 'busybox' });
    await containerWhere('shop', 'discovered', (status) => status.id !== undefined);
    await stack.idle();
    const discovered = await container('shop');
    assert.deepEqual(discovered?.spec, { policy: 'auto', hostRef: 'local', containerName: 'shop' });
    assert.deepEqual(discovered?.metadata.managedFields?.filter((entry) => entry.operation === 'Apply').map((entry) => entry.manager).sort(), ['vigil-gitops', 'vigil-inventory']);
    stack.controllers.inventory.enqueue('local/shop');
    await stack.idle();
    assert.equal((await container('shop'))?.metadata.resourceVersion, discovered?.metadata.resourceVersion, 'a resource with both fields is not written again');
  });

  test('an invalid label is reported in Ready and ignored for precedence', async () => {
    engine.run({ name: 'odd', image: 'busybox', labels: { 'sentinel.policy': 'sometimes', 'sentinel.grace-period': '2h' } });
    const odd = await containerWhere('odd', 'discovered', () => true);
    const ready = odd.status?.conditions?.find((condition) => condition.type === 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'InvalidLabel');
    assert.match(ready?.message ?? '', /label sentinel\.policy ignored: Unsupported value: "sometimes"/);
    assert.match(ready?.message ?? '', /label sentinel\.grace-period ignored: .*at most 1h/);
    assert.deepEqual(odd.status?.effective?.policy, { value: 'manual', source: 'default' });
  });

  test('UpdatePolicy, Settings and spec edits recompute the effective settings of existing containers', async () => {
    engine.run({ name: 'media', image: 'jellyfin:latest', labels: { tier: 'media' } });
    await containerWhere('media', 'discovered', () => true);
    await stack.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { latestAutoUpdate: true, gracePeriod: '1m' } });
    await containerWhere('media', 'latest is auto', (status) => status.effective?.policy?.source === 'settings' && status.effective.policy.value === 'auto');
    await stack.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'UpdatePolicy', metadata: { name: 'media' }, spec: { selector: { matchLabels: { tier: 'media' } }, policy: 'manual', gracePeriod: '5m' } });
    const viaPolicy = await containerWhere('media', 'the policy applies', (status) => status.effective?.policy?.source === 'updatePolicy/media');
    assert.deepEqual(viaPolicy.status?.effective?.gracePeriod, { value: '5m', source: 'updatePolicy/media' });
    await stack.registry.modify('Container', 'local', 'media', (current) => ({ ...current, spec: { ...(current.spec as object), gracePeriod: '10s' } }));
    const viaSpec = await containerWhere('media', 'the spec applies', (status) => status.effective?.gracePeriod?.source === 'spec');
    assert.equal(viaSpec.status?.observedGeneration, viaSpec.metadata.generation);
  });

  test('compose depends_on becomes effective.dependsOn with the container names of the project, also when they appear later', async () => {
    const compose = (service: string, dependsOn?: string) => ({
      'com.docker.compose.project': 'shop',
      'com.docker.compose.service': service,
      ...(dependsOn === undefined ? {} : { 'com.docker.compose.depends_on': dependsOn }),
    });
    engine.run({ name: 'shop-web-1', image: 'web', labels: compose('web', 'db:service_healthy:false') });
    const alone = await containerWhere('shop-web-1', 'discovered', () => true);
    assert.equal(alone.status?.effective?.dependsOn, undefined);
    assert.deepEqual(alone.status?.compose?.dependsOn, ['db']);
    engine.run({ name: 'shop-db-1', image: 'postgres', labels: compose('db') });
    await containerWhere('shop-web-1', 'depends on the db container', (status) => status.effective?.dependsOn?.value[0] === 'shop-db-1');
  });

  test('a lifecycle request runs once and is recorded; Vigil\'s own container refuses stop', async () => {
    engine.run({ name: 'worker', image: 'busybox', stopSignal: 'SIGQUIT', stopTimeout: 42, exitsOn: ['SIGQUIT'] });
    engine.run({ name: 'vigil', image: 'vigil:1', labels: { 'sentinel.self': 'true' } });
    await containerWhere('worker', 'discovered', () => true);
    await containerWhere('vigil', 'discovered', (status) => status.self === true);
    const requestedAt = '2025-01-01T00:00:05Z';
    for (const name of ['worker', 'vigil']) {
      await stack.registry.modify('Container', 'local', name, (current) => ({ ...current, spec: { ...(current.spec as object), lifecycle: { action: 'stop', requestedAt, requestedBy: 'alice' } } }));
    }
    const stopped = await containerWhere('worker', 'stopped and handled', (status) => status.handledRequests?.lifecycle === requestedAt);
    assert.equal(stopped.status?.state, 'exited');
    assert.equal(stopped.status?.exitCode, 0, 'its own StopSignal ended it');
    assert.deepEqual(engine.lastStop('worker'), { signal: 'SIGQUIT', timeoutSeconds: 42 });
    const refused = await containerWhere('vigil', 'handled', (status) => status.handledRequests?.lifecycle === requestedAt);
    assert.equal(refused.status?.state, 'running');

    // Handled means handled: starting the worker by hand is not undone by another pass.
    engine.startContainer('worker');
    await containerWhere('worker', 'running again', (status) => status.state === 'running');
    stack.controllers.inventory.enqueue('local/worker');
    await stack.idle();
    assert.equal((await container('worker'))?.status?.state, 'running');

    const records = (await stack.registry.list('UpdateRecord', { namespace: 'local' })).items as unknown as UpdateRecord[];
    const byContainer = new Map(records.map((record) => [record.spec?.container, record.spec]));
    assert.equal(records.length, 2);
    assert.equal(byContainer.get('worker')?.outcome, 'success');
    assert.equal(byContainer.get('worker')?.requestedBy, 'alice');
    assert.equal(byContainer.get('worker')?.steps?.[0]?.name, 'stop');
    assert.equal(byContainer.get('vigil')?.outcome, 'failed');
    assert.match(byContainer.get('vigil')?.error ?? '', /refused to stop Vigil's own container/);
  });

  test('the logs provider returns the tail of both streams, and Kubernetes errors for what it cannot serve', async () => {
    engine.run({ name: 'chatty', image: 'busybox' });
    engine.writeLogs('chatty', [
      { stream: 'stdout', text: 'starting' },
      { stream: 'stderr', text: 'warning: low disk' },
      { stream: 'stdout', text: 'ready' },
    ]);
    await eventually('chatty is in the cache', () => stack.manager.informers.informerFor('Container').lister.get('local/chatty'));
    const logs = stack.controllers.logs;
    assert.equal(await logs('local', 'chatty', { tailLines: 2 }), 'warning: low disk\nready\n');
    assert.equal(await logs('local', 'chatty', { tailLines: 500 }), 'starting\nwarning: low disk\nready\n');
    await assert.rejects(logs('local', 'chatty', { tailLines: 501 }), (error: unknown) => isApiError(error, 'BadRequest'));
    await assert.rejects(logs('local', 'nobody', { tailLines: 5 }), (error: unknown) => isApiError(error, 'NotFound'));
    engine.stopEngine();
    await eventually('the host is disconnected', () => stack.controllers.sessions.get('local')?.client === undefined);
    await assert.rejects(logs('local', 'chatty', { tailLines: 5 }), (error: unknown) => isApiError(error, 'ServiceUnavailable'));
  });
});

describe('inventory controller with a lagging cache', () => {
  test('a restart request runs once, although its own events bring the next pass before the cache has the handled mark', async () => {
    const stack = await startDockerStack({ watchDelayMs: 50 });
    try {
      const engine = stack.engines.get(LOCAL_ENDPOINT) as FakeDockerEngine;
      engine.run({ name: 'bouncer', image: 'busybox' });
      const discovered = async (): Promise<Container | undefined> => (await find(stack.registry, 'Container', 'local', 'bouncer')) as Container | undefined;
      await eventually('bouncer is discovered', discovered);
      const requestedAt = '2025-01-01T00:00:09Z';
      await stack.registry.modify('Container', 'local', 'bouncer', (current) => ({ ...current, spec: { ...(current.spec as object), lifecycle: { action: 'restart', requestedAt } } }));
      await eventually('the restart is handled', async () => (await discovered())?.status?.handledRequests?.lifecycle === requestedAt);
      await stack.idle();
      const records = (await stack.registry.list('UpdateRecord', { namespace: 'local' })).items;
      assert.equal(records.length, 1);
    } finally {
      await stack.close();
    }
  });
});
