// Events from Container statuses (container_state, update_started) and the reset of the notification states, over
// the real store with a FakeClock: once per transition or operation, kept across restarts, forgotten on request.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from '../../../schemas/generated/types.ts';
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

describe('events from Container statuses', () => {
  const base = (status: Container['status']): Container['status'] => ({ id: 'abc', name: 'web', image: 'nginx:1.25', ...status });

  async function setStatus(status: Container['status']): Promise<void> {
    const current = await handle.registry.get('Container', 'local', 'web');
    await handle.registry.updateStatus({ ...current, status: { ...status, notify: (current.status as Container['status'])?.notify } });
  }

  it('container_state once per transition into a bad state, again after it recovered', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['container_state'] }));
    await handle.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { namespace: 'local', name: 'web' }, spec: {} } satisfies Container);
    await setStatus(base({ state: 'running', health: 'healthy' }));
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    await setStatus(base({ state: 'exited', exitCode: 2, finishedAt: iso(handle.clock.now()) }));
    await eventually('container_state is sent', () => senders.sent.get('hook')?.length === 1);
    assert.equal(senders.sent.get('hook')?.[0]?.payload.containers[0]?.state, 'exited 2');
    // The same exit written again (an inventory pass) is no new transition.
    await setStatus(base({ state: 'exited', exitCode: 2, finishedAt: iso(handle.clock.now()), labels: { pass: '2' } }));
    await stack.idle();
    assert.equal(senders.sent.get('hook')?.length, 1);
    await setStatus(base({ state: 'running', health: 'healthy' }));
    await stack.idle();
    await setStatus(base({ state: 'running', health: 'unhealthy' }));
    await eventually('the new bad state is sent', () => senders.sent.get('hook')?.length === 2);
    assert.equal(senders.sent.get('hook')?.[1]?.payload.containers[0]?.state, 'unhealthy');
  });

  it('update_started once per operation, kept across a restart of the controllers', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['update_started'] }));
    await handle.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { namespace: 'local', name: 'web' }, spec: {} } satisfies Container);
    await setStatus(base({ state: 'running' }));
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    const startedAt = iso(handle.clock.now());
    await setStatus(base({ state: 'running', operation: { type: 'update', phase: 'Running', startedAt, step: 'pull' } }));
    await eventually('update_started is sent', () => senders.sent.get('hook')?.length === 1);
    await setStatus(base({ state: 'running', operation: { type: 'update', phase: 'Running', startedAt, step: 'start' } }));
    await stack.idle();
    await stack.stop();
    stack = await startNotifications(handle, senders);
    await stack.idle();
    assert.equal(senders.sent.get('hook')?.length, 1, 'one update_started for one operation');
    assert.equal(senders.sent.get('hook')?.[0]?.payload.type, 'update_started');
    const stored = (await handle.registry.get('Container', 'local', 'web')) as unknown as Container;
    assert.equal(stored.status?.notify?.updateStartedNotified, startedAt);
  });
});

describe('version_available from the registry check', () => {
  it('a major beyond the version scope notifies once over many scans, a newer one again, and the reset forgets it', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['version_available'] }));
    await handle.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: {} });
    const created = await handle.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { namespace: 'local', name: 'web' }, spec: {} } satisfies Container);
    const scan = async (newestBeyondScope: string): Promise<void> => {
      const current = await handle.registry.get('Container', 'local', 'web');
      const notify = (current.status as Container['status'])?.notify;
      await handle.registry.updateStatus({
        ...current,
        status: {
          name: 'web',
          image: 'nginx:1.25.3',
          registryCheck: { updateAvailable: false, newerVersions: [], resolvedCurrentVersion: '1.25.3', beyondScopeCount: 1, newestBeyondScope, lastChecked: iso(handle.clock.now()) },
          ...(notify === undefined ? {} : { notify }),
        },
      });
    };
    await handle.registry.updateStatus({ ...created, status: { name: 'web', image: 'nginx:1.25.3' } });
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    await scan('2.0.0');
    await eventually('version_available is sent', () => senders.sent.get('hook')?.length === 1);
    const first = senders.sent.get('hook')?.[0]?.payload;
    assert.equal(first?.type, 'version_available');
    assert.equal(first?.containers[0]?.currentVersion, '1.25.3');
    assert.equal(first?.containers[0]?.targetVersion, '2.0.0');
    for (let again = 0; again < 5; again++) {
      await handle.clock.advance(60_000);
      await scan('2.0.0');
      await stack.idle();
    }
    assert.equal(senders.sent.get('hook')?.length, 1, 'the same version over five more scans: no second message');
    const stored = (await handle.registry.get('Container', 'local', 'web')) as unknown as Container;
    assert.equal(stored.status?.notify?.lastNotifiedVersion, '2.0.0');
    await scan('3.0.0');
    await eventually('a newer version beyond the scope is sent', () => senders.sent.get('hook')?.length === 2);
    assert.equal(senders.sent.get('hook')?.[1]?.payload.containers[0]?.targetVersion, '3.0.0');
    await handle.clock.advance(1_000);
    await handle.registry.patch('Settings', undefined, 'default', 'merge', { spec: { resetNotifyStates: { requestedAt: iso(handle.clock.now()), requestedBy: 'admin' } } });
    await eventually('after the reset the version notifies again', () => senders.sent.get('hook')?.length === 3);
  });
});

describe('resetting the notification states', () => {
  it('DELETE /api/notify-states (Settings resetNotifyStates) makes a pending update notify again, and is recorded as handled', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['update_available'] }));
    await handle.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: {} });
    // The status goes through /status, as the inventory and the registry checks write it.
    const created = await handle.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { namespace: 'local', name: 'web' }, spec: {} } satisfies Container);
    await handle.registry.updateStatus({
      ...created,
      status: { name: 'web', image: 'nginx:1.25', registryCheck: { updateAvailable: true, lastChecked: iso(handle.clock.now()), target: { image: 'nginx:1.26', tag: '1.26', digest: 'sha256:new' } } },
    });
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    await eventually('the first update_available', () => senders.sent.get('hook')?.length === 1);
    await stack.idle();
    await handle.clock.advance(1_000);
    const requestedAt = iso(handle.clock.now());
    await handle.registry.patch('Settings', undefined, 'default', 'merge', { spec: { resetNotifyStates: { requestedAt, requestedBy: 'admin' } } });
    await eventually('the update notifies again', () => senders.sent.get('hook')?.length === 2);
    assert.notEqual(senders.sent.get('hook')?.[1]?.deliveryId, senders.sent.get('hook')?.[0]?.deliveryId, 'a new delivery, not a duplicate id');
    const settings = await eventually('the request is handled', async () => {
      const object = (await handle.registry.get('Settings', undefined, 'default')) as unknown as { status?: { handledRequests?: { resetNotifyStates?: string } } };
      return object.status?.handledRequests?.resetNotifyStates === requestedAt ? object : undefined;
    });
    assert.ok(settings);
    await stack.idle();
    assert.equal(senders.sent.get('hook')?.length, 2, 'handled once');
  });
});

