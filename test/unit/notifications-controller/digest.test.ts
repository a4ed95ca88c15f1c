// The digest controller over the real store with a FakeClock: on request (Settings spec.sendDigest, what
// POST /api/digest/trigger writes) and on its schedule (Settings spec.digest), one digest naming every pending
// container to the channels that receive `digest`, recorded in Settings status (lastDigest, the banner's list,
// handledRequests.sendDigest); handled once; a schedule sends once per slot.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Settings } from '../../../schemas/generated/types.ts';
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

const iso = (ms: number): string => new Date(ms).toISOString();

async function pendingContainer(name: string, current: string, target: string, policy?: 'pinned'): Promise<void> {
  const created = await handle.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { namespace: 'local', name }, spec: policy === undefined ? {} : { policy } } satisfies Container);
  await handle.registry.updateStatus({
    ...created,
    status: {
      name,
      image: `nginx:${current}`,
      registryCheck: { updateAvailable: true, firstSeen: iso(handle.clock.now()), lastChecked: iso(handle.clock.now()), target: { image: `nginx:${target}`, tag: target, digest: `sha256:${name}` } },
    },
  });
}

async function settingsStatus(): Promise<NonNullable<Settings['status']>> {
  return ((await handle.registry.get('Settings', undefined, 'default')) as unknown as Settings).status ?? {};
}

describe('the digest', () => {
  it('a requested digest names every pending container once, fills the banner list and is recorded as handled', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['digest'] }));
    await handle.registry.create(webhookChannel('other', { events: ['update_failed'] }));
    await handle.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: {} });
    await pendingContainer('web', '1.25', '1.27');
    await pendingContainer('api', '2.0', '2.1');
    await pendingContainer('kept', '3.0', '3.1', 'pinned');
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    await stack.idle();
    assert.equal(senders.sent.get('hook'), undefined, 'no digest before one is due or asked for');
    const requestedAt = iso(handle.clock.now());
    await handle.registry.patch('Settings', undefined, 'default', 'merge', { spec: { sendDigest: { requestedAt, requestedBy: 'admin' } } });
    await eventually('the digest is sent', () => senders.sent.get('hook')?.length === 1);
    const message = senders.sent.get('hook')?.[0];
    assert.equal(message?.payload.type, 'digest');
    assert.deepEqual(message?.payload.containers.map((container) => `${container.name} ${container.currentVersion ?? ''}→${container.targetVersion ?? ''}`), ['api 2.0→2.1', 'web 1.25→1.27']);
    const status = await eventually('the request is handled', async () => {
      const current = await settingsStatus();
      return current.handledRequests?.sendDigest === requestedAt ? current : undefined;
    });
    assert.deepEqual(status.lastDigestContainers?.map((entry) => entry.name), ['api', 'web']);
    assert.ok(status.lastDigest !== undefined);
    await stack.idle();
    assert.equal(senders.sent.get('hook')?.length, 1, 'handled once');
    assert.equal(senders.sent.get('other'), undefined, 'a channel without the digest event gets none');
  });

  it('on its schedule: nothing at once when enabled, then one digest per interval, not one per pass', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['digest'] }));
    await handle.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { digest: { enabled: true, time: '00:00', interval: '1h' } } });
    await pendingContainer('web', '1.25', '1.27');
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    await stack.idle();
    assert.equal(senders.sent.get('hook'), undefined, 'enabling sends nothing at once');
    // Within the next hour a slot comes (slots are on the hour for 00:00 / 1h); two hours hold exactly two.
    for (let minute = 0; minute < 120; minute += 5) {
      await handle.clock.advance(5 * 60_000);
      await stack.idle();
    }
    await eventually('two digests', () => senders.sent.get('hook')?.length === 2);
    await stack.idle();
    assert.equal(senders.sent.get('hook')?.length, 2);
    const [first, second] = senders.sent.get('hook') ?? [];
    assert.notEqual(first?.deliveryId, second?.deliveryId);
    assert.ok((await settingsStatus()).lastDigest !== undefined);
  });
});
