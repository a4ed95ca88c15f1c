// The outbox over NotificationDelivery resources in the embedded store: what was enqueued before the store was
// closed is there after it is opened again, in order, with its attempts and notBefore.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import { Outbox } from '../../../controllers/notifications/pipeline/outbox.ts';
import { ResourceOutboxStore } from '../../../controllers/notifications/pipeline/resource-outbox-store.ts';

async function open(path: string) {
  const store = await CachedStore.open({ backend: openEmbeddedStore({ path, compactionIntervalMs: 0 }) });
  return { store, outbox: new Outbox(new ResourceOutboxStore(new ResourceRegistry({ store }))) };
}

describe('ResourceOutboxStore', () => {
  it('keeps pending deliveries, their order and retry state across a reopen of the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-outbox-'));
    try {
      const path = join(dir, 'vigil.db');
      const first = await open(path);
      for (let i = 0; i < 5; i++) {
        await first.outbox.enqueue('ops-hook', `record/local/web-${i}`, { type: 'update_succeeded', timestamp: '2026-03-01T12:00:00Z', containers: [{ name: `web-${i}`, host: 'local', image: 'nginx:1.26' }] });
      }
      assert.equal((await first.outbox.enqueue('ops-hook', 'record/local/web-0', { type: 'update_succeeded', timestamp: '2026-03-01T12:00:00Z', containers: [] })).created, false);
      const head = await first.outbox.next('ops-hook', Date.parse('2026-03-01T12:00:00Z'));
      assert.ok(head);
      await first.outbox.retryLater(head, Date.parse('2026-03-01T12:00:02Z'));
      await first.store.close();

      const second = await open(path);
      const pending = await second.outbox.pending('ops-hook');
      assert.deepEqual(pending.map((delivery) => delivery.id), [0, 1, 2, 3, 4].map((i) => `ops-hook/record/local/web-${i}`));
      assert.equal(pending[0]?.attempts, 1);
      assert.equal(pending[0]?.notBefore, Date.parse('2026-03-01T12:00:02Z'));
      assert.equal(pending[1]?.payload.containers[0]?.name, 'web-1');
      const dropped = await second.outbox.enqueue('ops-hook', 'record/local/web-5', { type: 'update_failed', timestamp: '2026-03-01T12:01:00Z', containers: [] }, 3);
      assert.deepEqual(dropped.dropped.map((delivery) => delivery.id), ['ops-hook/record/local/web-0', 'ops-hook/record/local/web-1', 'ops-hook/record/local/web-2']);
      for (const delivery of await second.outbox.pending('ops-hook')) await second.outbox.finish(delivery);
      assert.equal((await second.outbox.pending('ops-hook')).length, 0);
      await second.store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
