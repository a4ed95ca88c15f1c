import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  findCondition,
  isConditionFalse,
  isConditionTrue,
  removeCondition,
  setCondition,
  type Condition,
} from '../../../../controllers/runtime/conditions.ts';
import { deepFreeze } from '../../../../apiserver/storage/objects.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const T1 = T0 + 60_000;

describe('conditions', () => {
  test('a new condition type is added with lastTransitionTime now, second precision', () => {
    const conditions = setCondition(undefined, { type: 'Ready', status: 'True', reason: 'Connected', observedGeneration: 3 }, T0 + 123);
    assert.deepEqual(conditions, [
      { type: 'Ready', status: 'True', observedGeneration: 3, lastTransitionTime: '2026-01-01T12:00:00Z', reason: 'Connected', message: '' },
    ]);
  });

  test('lastTransitionTime stays when the status stays, while reason, message and observedGeneration follow', () => {
    const first = setCondition([], { type: 'Ready', status: 'False', reason: 'EngineUnreachable', message: 'refused', observedGeneration: 1 }, T0);
    const second = setCondition(first, { type: 'Ready', status: 'False', reason: 'TLSHandshakeFailed', message: 'bad cert', observedGeneration: 2 }, T1);
    assert.deepEqual(findCondition(second, 'Ready'), {
      type: 'Ready',
      status: 'False',
      observedGeneration: 2,
      lastTransitionTime: '2026-01-01T12:00:00Z',
      reason: 'TLSHandshakeFailed',
      message: 'bad cert',
    });
  });

  test('lastTransitionTime moves when the status flips', () => {
    const first = setCondition([], { type: 'Ready', status: 'False', reason: 'EngineUnreachable' }, T0);
    const flipped = setCondition(first, { type: 'Ready', status: 'True', reason: 'Connected' }, T1);
    assert.equal(findCondition(flipped, 'Ready')?.lastTransitionTime, '2026-01-01T12:01:00Z');
    assert.ok(isConditionTrue(flipped, 'Ready'));
    assert.ok(!isConditionFalse(flipped, 'Ready'));
  });

  test('setting the same condition twice gives an equal array (the no-op write that keeps a controller quiet)', () => {
    const update = { type: 'Connected', status: 'True' as const, reason: 'Connected', message: 'ok', observedGeneration: 4 };
    const once = setCondition([], update, T0);
    assert.deepEqual(setCondition(once, update, T1), once);
  });

  test('other types keep their place and content; frozen input is never modified', () => {
    const input: Condition[] = deepFreeze([
      { type: 'Connected', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z', reason: 'Connected', message: '' },
      { type: 'Ready', status: 'Unknown', lastTransitionTime: '2025-01-01T00:00:00Z', reason: 'Pending', message: '' },
    ]);
    const next = setCondition(input, { type: 'Ready', status: 'True', reason: 'Synced' }, T0);
    assert.deepEqual(next.map((condition) => condition.type), ['Connected', 'Ready']);
    assert.equal(next[0], input[0]);
    assert.equal(input[1]?.status, 'Unknown');
    assert.deepEqual(removeCondition(next, 'Connected').map((condition) => condition.type), ['Ready']);
    assert.deepEqual(removeCondition(next, 'Missing'), next);
    assert.equal(findCondition(next, 'Missing'), undefined);
    assert.equal(isConditionTrue(undefined, 'Ready'), false);
  });

  test('a reason that is not CamelCase is refused, naming the condition', () => {
    assert.throws(() => setCondition([], { type: 'Ready', status: 'False', reason: 'engine unreachable' }, T0), {
      message: 'condition Ready: reason "engine unreachable" is not CamelCase',
    });
  });
});
