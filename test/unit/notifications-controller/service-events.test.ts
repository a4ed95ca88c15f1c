// Events from SwarmService statuses (update_available, version_available, update_started) and from service
// UpdateRecords, over the real store with a FakeClock: deduped by the containers' rules in the service's own
// status.notify, keyed apart from containers, silenced by the notify mode, forgotten by the reset.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, RegistryCheck, SwarmService, SwarmServiceStatus } from '../../../schemas/generated/types.ts';
import { eventually } from '../inventory/fixtures.ts';
import { openStore, recordingSenders, startNotifications, webhookChannel, type NotificationStack, type StoreHandle } from './fixtures.ts';

let handle: StoreHandle;
let stack: NotificationStack | undefined;

beforeEach(async () => {
  handle = await openStore();
});

afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  await handle.close();
});

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const PINNED = 'sha256:aaa';

async function createService(name = 'web'): Promise<void> {
  await handle.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'SwarmService', metadata: { name }, spec: {} } satisfies SwarmService);
}

/** Writes the service's status as its reconciler and the scan would, keeping the notification controller's status.notify. */
async function setStatus(status: SwarmServiceStatus, name = 'web'): Promise<void> {
  const current = await handle.registry.get('SwarmService', undefined, name);
  const notify = (current.status as SwarmServiceStatus | undefined)?.notify;
  await handle.registry.updateStatus({ ...current, status: { serviceID: 'svc1', clusterID: 'cluster-1', host: 'manager-1', image: 'reg/web:1.0', digest: PINNED, ...status, ...(notify === undefined ? {} : { notify }) } });
}

function available(target: { tag: string; digest: string }, lastChecked: string): RegistryCheck {
  return { updateAvailable: true, lastChecked, localDigest: PINNED, remoteDigest: target.digest, resolvedCurrentVersion: '1.0', target: { image: `reg/web:${target.tag}`, tag: target.tag, version: target.tag, digest: target.digest } };
}

async function storedService(name = 'web'): Promise<SwarmService> {
  return (await handle.registry.get('SwarmService', undefined, name)) as unknown as SwarmService;
}

describe('update_available of a Swarm service', () => {
  it('first sighting notifies once naming the service, its host and cluster and the target; the same target again does not, a new one does', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['update_available'] }));
    await createService();
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    await setStatus({ registryCheck: available({ tag: '1.1', digest: 'sha256:b11' }, iso(handle.clock.now())) });
    await eventually('update_available is sent', () => senders.sent.get('hook')?.length === 1);
    const first = senders.sent.get('hook')?.[0];
    assert.equal(first?.payload.type, 'update_available');
    assert.deepEqual(first?.payload.containers[0], {
      name: 'web', host: 'manager-1', kind: 'service', cluster: 'cluster-1', image: 'reg/web:1.0', currentVersion: '1.0',
      targetVersion: '1.1', targetTag: '1.1', targetImage: 'reg/web:1.1', currentDigest: PINNED, targetDigest: 'sha256:b11',
    });
    assert.match(first?.deliveryId ?? '', /^hook\/available\/service:web\//);
    // Five more scans find the same target, then a restart of the controllers: still one.
    for (let scan = 0; scan < 5; scan++) {
      await handle.clock.advance(60_000);
      await setStatus({ registryCheck: available({ tag: '1.1', digest: 'sha256:b11' }, iso(handle.clock.now())) });
      await stack.idle();
    }
    await stack.stop();
    stack = await startNotifications(handle, senders);
    await stack.idle();
    assert.equal(senders.sent.get('hook')?.length, 1, 'the same target over five scans and a restart: one message');
    assert.equal((await storedService()).status?.notify?.lastNotifiedDigest, 'sha256:b11');
    await setStatus({ registryCheck: available({ tag: '1.2', digest: 'sha256:b12' }, iso(handle.clock.now())) });
    await eventually('the new target is sent', () => senders.sent.get('hook')?.length === 2);
    assert.equal(senders.sent.get('hook')?.[1]?.payload.containers[0]?.targetTag, '1.2');
  });

  it('a container of the same name with the same target digest is notified apart: keys never collide', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['update_available'] }));
    await createService();
    const container = await handle.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { namespace: 'local', name: 'web' }, spec: {} } satisfies Container);
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    const at = iso(handle.clock.now());
    await handle.registry.updateStatus({ ...container, status: { name: 'web', image: 'reg/web:1.0', registryCheck: available({ tag: '1.1', digest: 'sha256:b11' }, at) } satisfies Container['status'] });
    await setStatus({ registryCheck: available({ tag: '1.1', digest: 'sha256:b11' }, at) });
    await eventually('both are sent', () => senders.sent.get('hook')?.length === 2);
    const kinds = senders.sent.get('hook')?.map((message) => message.payload.containers[0]?.kind ?? 'container').sort();
    assert.deepEqual(kinds, ['container', 'service']);
  });

  it('a check made for another digest than the pinned one (the service changed since) notifies nothing', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['update_available'] }));
    await createService();
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    await setStatus({ digest: 'sha256:other', registryCheck: available({ tag: '1.1', digest: 'sha256:b11' }, iso(handle.clock.now())) });
    await stack.idle();
    assert.equal(senders.sent.get('hook')?.length ?? 0, 0);
    assert.equal((await storedService()).status?.notify, undefined);
  });

  it('mode muted silences the service, digest_only too; back to default it notifies', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['update_available', 'version_available', 'update_started'] }));
    await createService();
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    const check: RegistryCheck = { ...available({ tag: '1.1', digest: 'sha256:b11' }, iso(handle.clock.now())), newestBeyondScope: '2.0' };
    for (const mode of ['muted', 'digest_only'] as const) {
      await setStatus({ effective: { notifyMode: { value: mode, source: 'spec' } }, registryCheck: check });
      await stack.idle();
    }
    assert.equal(senders.sent.get('hook')?.length ?? 0, 0, 'muted and digest_only: no update_available or version_available');
    await setStatus({ effective: { notifyMode: { value: 'default', source: 'default' } }, registryCheck: check });
    await eventually('default mode sends both', () => senders.sent.get('hook')?.length === 2);
  });

  it('every_scan notifies once per scan of the same target', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['update_available'] }));
    await createService();
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    const effective = { notifyMode: { value: 'every_scan' as const, source: 'spec' } };
    await setStatus({ effective, registryCheck: available({ tag: '1.1', digest: 'sha256:b11' }, iso(handle.clock.now())) });
    await eventually('the first scan is sent', () => senders.sent.get('hook')?.length === 1);
    await setStatus({ effective, registryCheck: available({ tag: '1.1', digest: 'sha256:b11' }, iso(handle.clock.now())), runningTasks: 2 });
    await stack.idle();
    assert.equal(senders.sent.get('hook')?.length, 1, 'the same scan written again is not a new scan');
    await handle.clock.advance(60_000);
    await setStatus({ effective, registryCheck: available({ tag: '1.1', digest: 'sha256:b11' }, iso(handle.clock.now())) });
    await eventually('the next scan is sent', () => senders.sent.get('hook')?.length === 2);
  });
});

describe('version_available and update_started of a Swarm service', () => {
  it('version_available once per newest beyond-scope version, and the reset forgets it', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['version_available'] }));
    await handle.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: {} });
    await createService();
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    const check = (): RegistryCheck => ({ updateAvailable: false, lastChecked: iso(handle.clock.now()), localDigest: PINNED, resolvedCurrentVersion: '1.0', newestBeyondScope: '2.0.0' });
    await setStatus({ registryCheck: check() });
    await eventually('version_available is sent', () => senders.sent.get('hook')?.length === 1);
    assert.equal(senders.sent.get('hook')?.[0]?.payload.containers[0]?.targetImage, 'reg/web:2.0.0');
    await handle.clock.advance(60_000);
    await setStatus({ registryCheck: check() });
    await stack.idle();
    assert.equal(senders.sent.get('hook')?.length, 1);
    await handle.clock.advance(1_000);
    await handle.registry.patch('Settings', undefined, 'default', 'merge', { spec: { resetNotifyStates: { requestedAt: iso(handle.clock.now()), requestedBy: 'admin' } } });
    await eventually('after the reset the version notifies again', () => senders.sent.get('hook')?.length === 2);
  });

  it('update_started once per rollout, across its phases and a restart of the controllers; a rollback is none', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['update_started'] }));
    await createService();
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    const startedAt = iso(handle.clock.now());
    // As the service reconciler writes it: first in phase sending, before the target is resolved, for spec.update.
    await handle.registry.patch('SwarmService', undefined, 'web', 'merge', { spec: { update: { requestedAt: startedAt, requestedBy: 'vigil:auto-update', image: 'reg/web:1.1@sha256:b11' } } });
    const operation = { kind: 'update' as const, startedAt, requestedAt: startedAt, fromImage: `reg/web:1.0@${PINNED}`, digest: '' };
    await setStatus({ registryCheck: available({ tag: '1.1', digest: 'sha256:b11' }, startedAt), operation: { ...operation, phase: 'sending' } });
    await eventually('update_started is sent', () => senders.sent.get('hook')?.length === 1);
    const started = senders.sent.get('hook')?.[0]?.payload;
    assert.equal(started?.type, 'update_started');
    assert.deepEqual(started?.containers[0], {
      name: 'web', host: 'manager-1', kind: 'service', cluster: 'cluster-1', image: 'reg/web:1.0', currentVersion: '1.0',
      targetVersion: '1.1', targetTag: '1.1', targetImage: 'reg/web:1.1@sha256:b11', targetDigest: 'sha256:b11',
    });
    await setStatus({ operation: { ...operation, phase: 'following', toImage: 'reg/web:1.1@sha256:b11', digest: 'sha256:b11' } });
    await stack.idle();
    await stack.stop();
    stack = await startNotifications(handle, senders);
    await stack.idle();
    assert.equal(senders.sent.get('hook')?.length, 1, 'one update_started for one rollout');
    assert.equal((await storedService()).status?.notify?.updateStartedNotified, startedAt);
    await handle.clock.advance(1_000);
    await setStatus({ operation: { kind: 'rollback', startedAt: iso(handle.clock.now()), phase: 'sending', digest: PINNED } });
    await stack.idle();
    assert.equal(senders.sent.get('hook')?.length, 1, 'a rollback is not an update_started');
  });

  it('a service rollout record notifies update_succeeded naming the service', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['update_succeeded'] }));
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    await handle.registry.create({
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'UpdateRecord',
      metadata: { namespace: 'manager-1', name: 'web-0123456789' },
      spec: { type: 'service_update', outcome: 'success', service: 'web', containerName: 'web', hostName: 'Manager 1', oldImage: `reg/web:1.0@${PINNED}`, newImage: 'reg/web:1.1@sha256:b11', newDigest: 'sha256:b11', startedAt: iso(handle.clock.now()), finishedAt: iso(handle.clock.now()) },
    });
    await eventually('update_succeeded is sent', () => senders.sent.get('hook')?.length === 1);
    const container = senders.sent.get('hook')?.[0]?.payload.containers[0];
    assert.equal(container?.name, 'web');
    assert.equal(container?.kind, 'service');
    assert.equal(container?.targetTag, '1.1');
  });
});
