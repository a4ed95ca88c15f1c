import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NotificationChannel, NotificationChannelSpec } from '../../../schemas/generated/types.ts';
import { Outbox } from '../../../controllers/notifications/pipeline/outbox.ts';
import { takeIn } from '../../../controllers/notifications/pipeline/intake.ts';
import type { DerivedEvent } from '../../../controllers/notifications/pipeline/update-events.ts';
import { MemoryOutboxStore } from './memory-outbox-store.ts';

function channel(name: string, spec: Partial<NotificationChannelSpec>): NotificationChannel {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'NotificationChannel', metadata: { name }, spec: { type: 'webhook', ...spec } };
}

const event: DerivedEvent = {
  key: 'record/local/web-1',
  payload: { type: 'update_failed', timestamp: '2026-03-01T12:00:00Z', containers: [{ name: 'web', host: 'local', image: 'nginx:1.26' }] },
};

describe('takeIn', () => {
  it('enqueues for every enabled channel receiving the type, once even when taken in twice', async () => {
    const store = new MemoryOutboxStore();
    const outbox = new Outbox(store);
    const channels = [
      channel('all', {}),
      channel('failures', { events: ['update_failed', 'rollback_failed'] }),
      channel('available-only', { events: ['update_available'] }),
      channel('off', { enabled: false }),
    ];
    assert.deepEqual((await takeIn(event, channels, outbox)).enqueued, ['all', 'failures']);
    assert.deepEqual((await takeIn(event, channels, outbox)).enqueued, []);
    assert.deepEqual([...store.deliveries.keys()].sort(), ['all/record/local/web-1', 'failures/record/local/web-1']);
  });
  it('spec.maxPending of a channel bounds its outbox instead of the default; the oldest are dropped and handed back', async () => {
    const store = new MemoryOutboxStore();
    const outbox = new Outbox(store);
    const channels = [channel('small', { maxPending: 2 }), channel('default', {})];
    const results = [];
    for (let index = 1; index <= 4; index++) {
      results.push(await takeIn({ ...event, key: `record/local/web-${index}` }, channels, outbox, 3));
    }
    assert.deepEqual((await outbox.pending('small')).map((delivery) => delivery.id), ['small/record/local/web-3', 'small/record/local/web-4']);
    assert.deepEqual((await outbox.pending('default')).map((delivery) => delivery.id), ['default/record/local/web-2', 'default/record/local/web-3', 'default/record/local/web-4']);
    assert.deepEqual(results.flatMap((result) => result.dropped.map((delivery) => delivery.id)), ['small/record/local/web-1', 'small/record/local/web-2', 'default/record/local/web-1']);
  });
});
