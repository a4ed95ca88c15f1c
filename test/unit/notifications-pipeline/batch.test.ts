// Batching against a fake clock: `now` is a number the test moves, and a flush is due when now ≥ flushAt.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchPolicyOf, flushAt, flushBatch, MAX_WAIT_FACTOR, takeIntoBatch, type BatchPolicy, type PendingBatch } from '../../../controllers/notifications/pipeline/batch.ts';
import { renderMessage } from '../../../controllers/notifications/pipeline/render.ts';
import type { NotificationEventType } from '../../../controllers/notifications/channels/sender.ts';
import type { DerivedEvent } from '../../../controllers/notifications/pipeline/update-events.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-10T09:00:00Z');

function event(name: string, type: NotificationEventType = 'update_available', at = T0): DerivedEvent {
  return {
    key: `${type}/${name}`,
    payload: { type, timestamp: new Date(at).toISOString(), containers: [{ name, host: 'local', image: `${name}:1`, currentVersion: '1', targetVersion: '2' }] },
  };
}

/** Feeds events at the given minutes; returns what was sent at once and when the batch would flush. */
function feed(policy: BatchPolicy | undefined, minutes: number[], type: NotificationEventType = 'update_available'): { batch: PendingBatch | undefined; immediate: DerivedEvent[] } {
  let batch: PendingBatch | undefined;
  const immediate: DerivedEvent[] = [];
  minutes.forEach((minute, i) => {
    const taken = takeIntoBatch(batch, event(`c${i}`, type, T0 + minute * MINUTE), policy, T0 + minute * MINUTE);
    batch = taken.batch;
    immediate.push(...taken.immediate);
  });
  return { batch, immediate };
}

describe('batch policy', () => {
  it('reads the channel window; absent or 0s means no batching; the maximum wait is three windows', () => {
    assert.equal(batchPolicyOf({}), undefined);
    assert.equal(batchPolicyOf({ batching: { window: '0s' } }), undefined);
    assert.deepEqual(batchPolicyOf({ batching: { window: '2m0s' } }), { windowMs: 2 * MINUTE, maxWaitMs: MAX_WAIT_FACTOR * 2 * MINUTE });
    assert.deepEqual(batchPolicyOf({ batching: { window: '10m' } }), { windowMs: 10 * MINUTE, maxWaitMs: 30 * MINUTE });
  });
});

describe('batching', () => {
  const policy: BatchPolicy = { windowMs: 2 * MINUTE, maxWaitMs: 6 * MINUTE };

  it('without a window every event is sent at once', () => {
    const { batch, immediate } = feed(undefined, [0, 0, 1]);
    assert.equal(batch, undefined);
    assert.deepEqual(immediate.map((held) => held.key), ['update_available/c0', 'update_available/c1', 'update_available/c2']);
  });

  it('a burst is flushed one window after its last event', () => {
    const { batch, immediate } = feed(policy, [0, 0.5, 1]);
    assert.deepEqual(immediate, []);
    assert.ok(batch !== undefined);
    assert.equal(flushAt(batch, policy), T0 + 3 * MINUTE);
  });

  it('a stream of events cannot postpone the flush beyond the maximum wait (Sentinel restarts the timer forever)', () => {
    // An event every minute for an hour: each one alone would push a pure debounce on by a window.
    const { batch } = feed(policy, Array.from({ length: 60 }, (_, minute) => minute));
    assert.ok(batch !== undefined);
    assert.equal(flushAt(batch, policy), T0 + 6 * MINUTE);
  });

  it('after a flush the next event starts a new batch with its own maximum wait', () => {
    const first = feed(policy, [0, 1, 2, 3, 4, 5, 6]).batch;
    assert.ok(first !== undefined);
    assert.equal(flushAt(first, policy), T0 + 6 * MINUTE);
    const next = takeIntoBatch(undefined, event('late', 'update_available', T0 + 7 * MINUTE), policy, T0 + 7 * MINUTE).batch;
    assert.ok(next !== undefined);
    assert.equal(flushAt(next, policy), T0 + 9 * MINUTE);
  });

  it('failures, rollbacks, state changes and the digest are never held', () => {
    for (const type of ['update_failed', 'rollback_succeeded', 'rollback_failed', 'container_state', 'digest'] as const) {
      const { batch, immediate } = feed(policy, [0], type);
      assert.equal(batch, undefined, type);
      assert.equal(immediate.length, 1, type);
    }
  });

  it('the same event taken in twice is held once', () => {
    const once = takeIntoBatch(undefined, event('web'), policy, T0).batch;
    const twice = takeIntoBatch(once, event('web'), policy, T0 + MINUTE).batch;
    assert.equal(twice?.events.length, 1);
    assert.equal(twice?.lastAt, T0, 'a repeat does not move the flush either');
  });
});

describe('flushing', () => {
  it('one message per event type that names every container and its versions', () => {
    let batch: PendingBatch | undefined;
    const events = [event('web'), event('db'), event('api', 'update_succeeded'), event('cache'), event('queue', 'update_started')];
    for (const held of events) batch = takeIntoBatch(batch, held, { windowMs: MINUTE, maxWaitMs: 3 * MINUTE }, T0).batch;
    assert.ok(batch !== undefined);
    const flushed = flushBatch(batch);
    assert.deepEqual(flushed.map((sent) => sent.payload.type), ['update_available', 'update_succeeded', 'update_started']);
    const available = flushed[0];
    assert.ok(available !== undefined);
    assert.deepEqual(available.payload.containers.map((container) => container.name), ['web', 'db', 'cache']);
    assert.equal(available.key, 'batch/update_available/web/3/update_available/cache');
    assert.equal(renderMessage('hook/b', available.payload, undefined).message.body, 'web on local 1 → 2\ndb on local 1 → 2\ncache on local 1 → 2');
    // A type with one event is that event, unchanged.
    assert.deepEqual(flushed[1], events[2]);
  });

  it('the merged event carries the time of its latest event', () => {
    let batch: PendingBatch | undefined;
    const policy = { windowMs: MINUTE, maxWaitMs: 3 * MINUTE };
    batch = takeIntoBatch(batch, event('web', 'update_available', T0 + 2 * MINUTE), policy, T0).batch;
    batch = takeIntoBatch(batch, event('db', 'update_available', T0), policy, T0).batch;
    assert.ok(batch !== undefined);
    assert.equal(flushBatch(batch)[0]?.payload.timestamp, new Date(T0 + 2 * MINUTE).toISOString());
  });
});
