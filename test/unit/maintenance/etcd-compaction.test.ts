// etcd compaction on the leader: the first pass of a term only records the revision, each later pass compacts to the
// revision the pass before it saw (one interval of history kept), a failure is counted and retried next interval,
// and nothing runs once leadership is lost.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { FakeClock, settle } from '../../../controllers/runtime/index.ts';
import { EtcdCompaction } from '../../../controllers/maintenance/etcd-compaction.ts';

function fakeStore(): { store: { currentRevision(): Promise<number>; compact(revision: number): Promise<void> }; compacted: number[]; revision: { value: number }; failNext: { value: boolean } } {
  const compacted: number[] = [];
  const revision = { value: 10 };
  const failNext = { value: false };
  return {
    compacted,
    revision,
    failNext,
    store: {
      currentRevision: async () => revision.value,
      compact: async (target) => {
        if (failNext.value) {
          failNext.value = false;
          throw new Error('etcd busy');
        }
        compacted.push(target);
      },
    },
  };
}

async function count(registry: Registry, result: string): Promise<number> {
  const metric = await registry.getSingleMetric('vigil_etcd_compactions_total')?.get();
  return metric?.values.find((value) => value.labels.result === result)?.value ?? 0;
}

describe('etcd compaction', () => {
  test('compacts to the previous pass\'s revision, counts failures, and stops with leadership', async () => {
    const clock = new FakeClock();
    const registry = new Registry();
    const { store, compacted, revision, failNext } = fakeStore();
    const compaction = new EtcdCompaction({ store, intervalMs: 1_000, clock, logger: pino({ level: 'silent' }), metricsRegistry: registry });
    const leadership = new AbortController();
    compaction.start(leadership.signal);
    await clock.advance(0);
    await settle();
    assert.deepEqual(compacted, [], 'the first pass only records revision 10');
    revision.value = 25;
    await clock.advance(1_000);
    await settle();
    assert.deepEqual(compacted, [10]);
    revision.value = 40;
    failNext.value = true;
    await clock.advance(1_000);
    await settle();
    assert.deepEqual(compacted, [10]);
    assert.equal(await count(registry, 'error'), 1);
    await clock.advance(1_000);
    await settle();
    assert.deepEqual(compacted, [10, 40]);
    assert.equal(await count(registry, 'success'), 2);
    leadership.abort();
    await compaction.stop({ graceMs: 0 });
    revision.value = 99;
    await clock.advance(5_000);
    await settle();
    assert.deepEqual(compacted, [10, 40], 'nothing after leadership ended');
  });
});
