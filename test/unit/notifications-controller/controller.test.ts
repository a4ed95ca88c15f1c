// The notification controllers over the real store with a FakeClock: derived events reach the channel's sender once,
// in order, retried on the runtime's clock; markers on the resources keep a restart from sending anything twice
// while a delivery pending at the stop is still sent after it; the channel's status says what happened.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, NotificationChannel, UpdateRecord } from '../../../schemas/generated/types.ts';
import { NOTIFIED_ANNOTATION } from '../../../controllers/notifications/controller/event-reconciler.ts';
import { activityEntry } from '../../../apiserver/sentinel/views/activity-view.ts';
import { eventually } from '../inventory/fixtures.ts';
import { openStore, recordingSenders, startNotifications, updateRecord, webhookChannel, type NotificationStack, type StoreHandle } from './fixtures.ts';

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

async function channelStatus(name: string): Promise<NonNullable<NotificationChannel['status']>> {
  const channel = (await handle.registry.get('NotificationChannel', undefined, name)) as unknown as NotificationChannel;
  return channel.status ?? {};
}

/** The notification rows of the activity log (GET /api/logs reads UpdateRecords through activityEntry). */
async function notificationActivity(): Promise<Array<ReturnType<typeof activityEntry> & { spec: UpdateRecord['spec'] }>> {
  const records = (await handle.registry.list('UpdateRecord', { namespace: 'vigil-system' })).items as unknown as UpdateRecord[];
  return records.filter((record) => record.spec.type === 'notification').map((record) => ({ ...activityEntry(record), spec: record.spec }));
}

async function pendingDeliveries(): Promise<number> {
  return (await handle.registry.list('NotificationDelivery')).items.length;
}

describe('notification controllers', () => {
  it('sends a finished update to the channel once, marks the record and writes the channel status', async () => {
    await handle.registry.create(webhookChannel('hook'));
    stack = await startNotifications(handle, recordingSenders());
    await handle.registry.create(updateRecord('web-1', iso(handle.clock.now())));
    await eventually('the message is sent', () => stack?.senders.sent.get('hook')?.length === 1);
    await stack.idle();
    const message = stack.senders.sent.get('hook')?.[0];
    assert.equal(message?.payload.type, 'update_succeeded');
    assert.equal(message?.deliveryId, 'hook/record/local/web-1');
    assert.deepEqual(message?.payload.containers.map((container) => [container.name, container.currentVersion, container.targetVersion]), [['web', '1.25', '1.26']]);
    const record = (await handle.registry.get('UpdateRecord', 'local', 'web-1')) as unknown as UpdateRecord;
    assert.ok(record.metadata.annotations?.[NOTIFIED_ANNOTATION], 'the record carries the notified marker');
    const status = await eventually('the status counts the delivery', async () => ((await channelStatus('hook')).sentCount === 1 ? await channelStatus('hook') : undefined));
    assert.equal(status.pending, 0);
    assert.equal(status.lastSuccess, new Date(handle.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    assert.equal(status.conditions?.find((condition) => condition.type === 'Ready')?.status, 'True');
    assert.equal(await pendingDeliveries(), 0);
    const metrics = await stack.metrics.getSingleMetricAsString('vigil_notification_deliveries_total');
    assert.match(metrics, /channel_type="webhook",event_type="update_succeeded",outcome="delivered"} 1/);
  });

  it('honours Retry-After on the runtime clock: not resent before it has passed, resent after', async () => {
    await handle.registry.create(webhookChannel('hook'));
    const senders = recordingSenders();
    senders.script.set('hook', [{ outcome: 'retry', error: 'HTTP 429', retryAfterMs: 5_000 }]);
    stack = await startNotifications(handle, senders);
    await handle.registry.create(updateRecord('web-1', iso(handle.clock.now())));
    await eventually('the first attempt', () => senders.sent.get('hook')?.length === 1);
    await stack.idle();
    await stack.clock.advance(4_999);
    await stack.idle();
    assert.equal(senders.sent.get('hook')?.length, 1, 'not resent before Retry-After');
    const waiting = await channelStatus('hook');
    assert.equal(waiting.pending, 1);
    assert.equal(waiting.lastError, 'HTTP 429');
    await stack.clock.advance(1);
    await eventually('the retry', () => senders.sent.get('hook')?.length === 2);
    assert.equal(senders.sent.get('hook')?.[1]?.deliveryId, senders.sent.get('hook')?.[0]?.deliveryId, 'the same delivery id on the retry');
    await eventually('the outbox is empty', async () => (await pendingDeliveries()) === 0);
  });

  it('keeps deliveries of an unreachable channel in order and delivers each once when it is back', async () => {
    await handle.registry.create(webhookChannel('hook', { retries: 0 }));
    const senders = recordingSenders();
    senders.script.set('hook', Array.from({ length: 6 }, () => ({ outcome: 'retry' as const, error: 'request failed: ECONNREFUSED', unreachable: true as const })));
    stack = await startNotifications(handle, senders);
    for (let index = 1; index <= 5; index++) await handle.registry.create(updateRecord(`web-${index}`, iso(handle.clock.now())));
    await eventually('every record is taken in', async () => (await pendingDeliveries()) === 5);
    // Six refusals, with retries 0: unreachable is never a final failure.
    while ((senders.script.get('hook')?.length ?? 0) > 0) {
      await stack.idle();
      await stack.clock.advance(30_000);
    }
    // The sixth refusal's retry waits for the capped backoff too.
    await stack.idle();
    await stack.clock.advance(30_000);
    await eventually('all delivered', async () => (await pendingDeliveries()) === 0);
    const delivered = (senders.sent.get('hook') ?? []).slice(6).map((message) => message.deliveryId);
    assert.deepEqual(delivered, [1, 2, 3, 4, 5].map((index) => `hook/record/local/web-${index}`));
    assert.equal((await channelStatus('hook')).failedCount, 0);
  });

  it('records a final failure on the channel and removes the delivery', async () => {
    await handle.registry.create(webhookChannel('hook'));
    const senders = recordingSenders();
    senders.script.set('hook', [{ outcome: 'failed', error: 'HTTP 400: bad payload' }]);
    stack = await startNotifications(handle, senders);
    await handle.registry.create(updateRecord('web-1', iso(handle.clock.now()), 'failed'));
    const status = await eventually('the failure is recorded', async () => ((await channelStatus('hook')).failedCount === 1 ? await channelStatus('hook') : undefined));
    assert.equal(status.lastError, 'HTTP 400: bad payload');
    const ready = status.conditions?.find((condition) => condition.type === 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'DeliveryFailing');
    assert.equal(await pendingDeliveries(), 0);
    assert.equal(senders.sent.get('hook')?.[0]?.payload.type, 'update_failed');
    const [entry, more] = await eventually('the failure is in the activity log', async () => {
      const entries = await notificationActivity();
      return entries.length > 0 ? entries : undefined;
    });
    assert.equal(more, undefined, 'one entry for one failure');
    assert.equal(entry?.type, 'notification');
    assert.equal(entry?.outcome, 'failed');
    assert.equal(entry?.container, 'web');
    assert.equal(entry?.message, 'Notification update_failed for web to hook (webhook) failed: HTTP 400: bad payload');
    assert.deepEqual(entry?.spec.notification, { channel: 'hook', channelType: 'webhook', eventType: 'update_failed', delivery: 'hook/record/local/web-1' });
  });

  it('after a restart sends nothing twice, and still sends what was pending at the stop', async () => {
    await handle.registry.create(webhookChannel('hook'));
    const senders = recordingSenders();
    senders.script.set('hook', [{ outcome: 'delivered' }, { outcome: 'retry', error: 'HTTP 503', retryAfterMs: 60_000 }]);
    stack = await startNotifications(handle, senders);
    await handle.registry.create(updateRecord('web-1', iso(handle.clock.now())));
    await eventually('the first is delivered', () => senders.sent.get('hook')?.length === 1);
    await handle.registry.create(updateRecord('web-2', iso(handle.clock.now())));
    await eventually('the second is attempted', () => senders.sent.get('hook')?.length === 2);
    await stack.idle();
    await stack.stop();
    assert.equal(await pendingDeliveries(), 1, 'the second waits in the store');

    const after = recordingSenders();
    stack = await startNotifications(handle, after);
    await stack.idle();
    await stack.clock.advance(60_000);
    await eventually('the pending one is delivered after the restart', () => after.sent.get('hook')?.length === 1);
    await stack.idle();
    assert.deepEqual(after.sent.get('hook')?.map((message) => message.deliveryId), ['hook/record/local/web-2']);
    assert.equal(await pendingDeliveries(), 0);
  });

  it('update_available once per digest: the marker in status.notify survives status writes and restarts', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['update_available'] }));
    const container = await handle.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { namespace: 'local', name: 'web' }, spec: {} } satisfies Container);
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    const checked = (lastChecked: string): Container['status'] => ({
      name: 'web',
      image: 'nginx:1.25',
      registryCheck: { updateAvailable: true, lastChecked, remoteDigest: 'sha256:new', target: { image: 'nginx:1.26', tag: '1.26', digest: 'sha256:new' } },
    });
    await handle.registry.updateStatus({ ...container, status: checked(iso(handle.clock.now())) });
    await eventually('update_available is sent', () => senders.sent.get('hook')?.length === 1);
    assert.equal(senders.sent.get('hook')?.[0]?.payload.containers[0]?.targetVersion, '1.26');
    // A second scan finds the same digest: nothing new.
    await handle.clock.advance(60_000);
    const current = await handle.registry.get('Container', 'local', 'web');
    await handle.registry.updateStatus({ ...current, status: { ...checked(iso(handle.clock.now())), notify: (current.status as Container['status'])?.notify } });
    await stack.idle();
    await stack.stop();
    stack = await startNotifications(handle, senders);
    await stack.idle();
    assert.equal(senders.sent.get('hook')?.length, 1, 'one message for one digest, across scans and a restart');
    const stored = (await handle.registry.get('Container', 'local', 'web')) as unknown as Container;
    assert.equal(stored.status?.notify?.lastNotifiedDigest, 'sha256:new');
  });

  it('drops the oldest beyond the bound, counts it and says so in a condition', async () => {
    await handle.registry.create(webhookChannel('hook'));
    const senders = recordingSenders();
    senders.script.set('hook', Array.from({ length: 20 }, () => ({ outcome: 'retry' as const, error: 'request failed: ECONNREFUSED', unreachable: true as const })));
    stack = await startNotifications(handle, senders, { maxPending: 2 });
    for (let index = 1; index <= 3; index++) {
      await handle.registry.create(updateRecord(`web-${index}`, iso(handle.clock.now())));
      await stack.idle();
    }
    const status = await eventually('the drop is recorded', async () => ((await channelStatus('hook')).droppedCount === 1 ? await channelStatus('hook') : undefined));
    const dropped = status.conditions?.find((condition) => condition.type === 'DeliveriesDropped');
    assert.equal(dropped?.status, 'True');
    assert.equal(dropped?.reason, 'OutboxBoundExceeded');
    assert.equal(await pendingDeliveries(), 2);
    const metrics = await stack.metrics.getSingleMetricAsString('vigil_notification_deliveries_total');
    assert.match(metrics, /outcome="dropped"} 1/);
    const entries = await eventually('the drop is in the activity log', async () => {
      const found = await notificationActivity();
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(entries.map((entry) => entry.message), ['Notifications to hook (webhook) dropped: 1 delivery dropped, oldest first: the outbox of the channel was full']);
    assert.deepEqual(entries[0]?.spec.notification, { channel: 'hook', channelType: 'webhook', dropped: 1 });
    // More drops within the minute are counted together, not one row each; the rest is reported a minute later.
    for (let index = 4; index <= 6; index++) {
      await handle.registry.create(updateRecord(`web-${index}`, iso(handle.clock.now())));
      await stack.idle();
    }
    await eventually('the status counts every drop', async () => ((await channelStatus('hook')).droppedCount === 4 ? true : undefined));
    assert.equal((await notificationActivity()).length, 1, 'no row per drop');
    await handle.clock.advance(60_000);
    const later = await eventually('the rest is reported', async () => {
      const found = await notificationActivity();
      return found.length === 2 ? found : undefined;
    });
    assert.deepEqual(later.map((entry) => entry.spec.notification?.dropped).sort(), [1, 3]);
  });
});

describe('templates at send time', () => {
  it('Settings notificationTemplates render the message that is sent; a channel template overrides it; a broken one falls back and says so', async () => {
    await handle.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { notificationTemplates: { update_succeeded: 'Done: {{.ContainerName}} is on {{.NewImage}}', update_failed: 'Broken {{.Nope' } } });
    await handle.registry.create(webhookChannel('global'));
    await handle.registry.create(webhookChannel('own', { templates: { update_succeeded: 'Own: {{.ContainerName}}' } }));
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    await handle.registry.create(updateRecord('web-1', iso(handle.clock.now())));
    await eventually('both channels sent', () => senders.sent.get('global')?.length === 1 && senders.sent.get('own')?.length === 1);
    assert.equal(senders.sent.get('global')?.[0]?.body, 'Done: web is on nginx:1.26');
    assert.equal(senders.sent.get('own')?.[0]?.body, 'Own: web');
    await handle.registry.create(updateRecord('web-2', iso(handle.clock.now()), 'failed'));
    await eventually('the failure is sent', () => senders.sent.get('global')?.length === 2);
    assert.equal(senders.sent.get('global')?.[1]?.body, 'web on local 1.25 → 1.26', 'the default body');
    const status = await eventually('the fallback is on the channel status', async () => {
      const condition = (await channelStatus('global')).conditions?.find((candidate) => candidate.type === 'TemplateFallback');
      return condition?.status === 'True' ? condition : undefined;
    });
    assert.match(status.message, /^template for update_failed failed, default used/);
  });
});

describe('channel readiness', () => {
  it('a channel whose Secret is missing is Ready False (SecretNotFound) and keeps its deliveries; the Secret appearing sends them', async () => {
    await handle.registry.create(webhookChannel('hook', { secretRef: { name: 'hook-secret' } }));
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    await handle.registry.create(updateRecord('web-1', iso(handle.clock.now())));
    const ready = await eventually('Ready False', async () => {
      const condition = (await channelStatus('hook')).conditions?.find((candidate) => candidate.type === 'Ready');
      return condition?.status === 'False' ? condition : undefined;
    });
    assert.equal(ready.reason, 'SecretNotFound');
    assert.equal(ready.message, 'the Secret vigil-system/hook-secret that spec.secretRef names does not exist');
    assert.equal(senders.sent.get('hook'), undefined, 'nothing is sent without the Secret');
    assert.equal(await pendingDeliveries(), 1);
    await handle.registry.create({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'vigil-system', name: 'hook-secret' }, stringData: { headers: '{"Authorization":"Bearer abcdefgh12"}' } });
    await eventually('sent once the Secret exists', () => senders.sent.get('hook')?.length === 1);
    await eventually('Ready True', async () => ((await channelStatus('hook')).conditions?.find((candidate) => candidate.type === 'Ready')?.status === 'True' ? true : undefined));
  });
});

describe('history and channels that come later', () => {
  it('without a channel nothing is written; a channel created later does not get the records from before it', async () => {
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    const created = await handle.registry.create(updateRecord('old-1', iso(handle.clock.now())));
    await stack.idle();
    const unchanged = await handle.registry.get('UpdateRecord', 'local', 'old-1');
    assert.equal(unchanged.metadata.resourceVersion, created.metadata.resourceVersion, 'no marker written without channels');
    await handle.clock.advance(10_000);
    await handle.registry.create(webhookChannel('hook'));
    await stack.idle();
    await handle.registry.create(updateRecord('new-1', iso(handle.clock.now())));
    await eventually('the new record is sent', () => senders.sent.get('hook')?.length === 1);
    await stack.idle();
    assert.deepEqual(senders.sent.get('hook')?.map((message) => message.deliveryId), ['hook/record/local/new-1']);
  });
});
