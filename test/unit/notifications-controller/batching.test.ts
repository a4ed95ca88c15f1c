// Batching on the durable outbox (NotificationChannel spec.batching.window): held deliveries wait in the store until
// the batch is due, then go as one message naming every container; a failure never waits behind a batch.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { UpdateRecord } from '../../../schemas/generated/types.ts';
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

const iso = (ms: number): string => new Date(ms).toISOString();

function record(container: string, outcome: UpdateRecord['spec']['outcome'] = 'success'): UpdateRecord {
  const base = updateRecord(`${container}-1`, iso(handle.clock.now()), outcome);
  return { ...base, spec: { ...base.spec, containerName: container, container } };
}

describe('batching', () => {
  it('a 1m window holds update_succeeded until a minute after the last one, then sends one message naming every container', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['update_succeeded'], batching: { window: '1m' } }));
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    for (const name of ['web', 'api', 'db']) {
      await handle.registry.create(record(name));
      await stack.idle();
      await handle.clock.advance(10_000);
    }
    await stack.idle();
    assert.equal(senders.sent.get('hook'), undefined, 'held while the window runs');
    // The last record finished 10 s ago; its window ends 50 s from now.
    await handle.clock.advance(40_000);
    await stack.idle();
    assert.equal(senders.sent.get('hook'), undefined, 'still held 10 s before the window ends');
    await handle.clock.advance(10_000);
    await eventually('the batch is sent', () => senders.sent.get('hook')?.length === 1);
    const message = senders.sent.get('hook')?.[0];
    assert.deepEqual(message?.payload.containers.map((container) => container.name), ['web', 'api', 'db']);
    await stack.idle();
    await handle.clock.advance(120_000);
    await stack.idle();
    assert.equal(senders.sent.get('hook')?.length, 1, 'the batch is sent once and the outbox is empty');
  });

  it('a failure is never held: it flushes the batch before it and goes at once, in order', async () => {
    await handle.registry.create(webhookChannel('hook', { events: ['update_succeeded', 'update_failed'], batching: { window: '10m' } }));
    const senders = recordingSenders();
    stack = await startNotifications(handle, senders);
    await handle.registry.create(record('web'));
    await stack.idle();
    assert.equal(senders.sent.get('hook'), undefined);
    await handle.clock.advance(1_000);
    await handle.registry.create(record('api', 'failed'));
    await eventually('both sent', () => senders.sent.get('hook')?.length === 2);
    assert.deepEqual(senders.sent.get('hook')?.map((sent) => `${sent.payload.type} ${sent.payload.containers.map((container) => container.name).join(',')}`), ['update_succeeded web', 'update_failed api']);
  });
});
