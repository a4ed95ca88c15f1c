import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Outbox } from '../../../controllers/notifications/pipeline/outbox.ts';
import type { NotificationPayload } from '../../../controllers/notifications/channels/sender.ts';
import { MemoryOutboxStore } from './memory-outbox-store.ts';

function payload(name: string): NotificationPayload {
  return { type: 'update_succeeded', timestamp: '2026-01-01T00:00:00Z', containers: [{ name, host: 'local', image: `${name}:2` }] };
}

describe('Outbox', () => {
  it('hands out a channel\'s deliveries in the order they were enqueued', async () => {
    const outbox = new Outbox(new MemoryOutboxStore());
    for (let i = 0; i < 50; i++) await outbox.enqueue('hook', `event-${i}`, payload(`c${i}`));
    const sent: string[] = [];
    for (let delivery = await outbox.next('hook', 0); delivery !== undefined; delivery = await outbox.next('hook', 0)) {
      sent.push(delivery.payload.containers[0]?.name ?? '');
      await outbox.finish(delivery);
    }
    assert.deepEqual(sent, Array.from({ length: 50 }, (_, i) => `c${i}`));
  });

  it('keeps one delivery when the same event is derived twice (a restart)', async () => {
    const store = new MemoryOutboxStore();
    const outbox = new Outbox(store);
    assert.equal((await outbox.enqueue('hook', 'record/local/a-1', payload('a'))).created, true);
    assert.equal((await new Outbox(store).enqueue('hook', 'record/local/a-1', payload('a'))).created, false);
    assert.equal(store.deliveries.size, 1);
    assert.equal([...store.deliveries.keys()][0], 'hook/record/local/a-1');
  });

  it('drops the oldest beyond the channel\'s bound and reports them', async () => {
    const outbox = new Outbox(new MemoryOutboxStore());
    for (let i = 0; i < 3; i++) await outbox.enqueue('hook', `e${i}`, payload(`c${i}`), 3);
    const result = await outbox.enqueue('hook', 'e3', payload('c3'), 3);
    assert.deepEqual(result.dropped.map((delivery) => delivery.id), ['hook/e0']);
    assert.deepEqual((await outbox.pending('hook')).map((delivery) => delivery.id), ['hook/e1', 'hook/e2', 'hook/e3']);
  });

  it('does not let a later delivery overtake the head waiting for its retry', async () => {
    const outbox = new Outbox(new MemoryOutboxStore());
    await outbox.enqueue('hook', 'first', payload('a'));
    await outbox.enqueue('hook', 'second', payload('b'));
    const head = await outbox.next('hook', 0);
    assert.ok(head);
    await outbox.retryLater(head, 2_000);
    assert.equal(await outbox.next('hook', 1_999), undefined);
    assert.equal((await outbox.next('hook', 2_000))?.id, 'hook/first');
    assert.equal((await outbox.next('hook', 2_000))?.attempts, 1);
  });

  it('keeps channels apart', async () => {
    const outbox = new Outbox(new MemoryOutboxStore());
    await outbox.enqueue('a', 'e', payload('x'), 1);
    await outbox.enqueue('b', 'e', payload('y'), 1);
    assert.equal((await outbox.pending('a')).length, 1);
    assert.equal((await outbox.pending('b')).length, 1);
  });
});
