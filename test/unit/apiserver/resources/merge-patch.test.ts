// JSON merge patch: the examples of RFC 7386 appendix A, verbatim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch } from '../../../../apiserver/resources/patch/merge-patch.ts';

const examples: Array<[unknown, unknown, unknown]> = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

test('every example of RFC 7386 appendix A gives the RFC\'s result', () => {
  for (const [target, patch, result] of examples) {
    assert.deepEqual(applyMergePatch(target, patch), result, `${JSON.stringify(target)} + ${JSON.stringify(patch)}`);
  }
});

test('neither the target nor the patch is modified', () => {
  const target = { a: { b: 'c' }, list: [1] };
  const patch = { a: { b: null, d: 'e' } };
  applyMergePatch(target, patch);
  assert.deepEqual(target, { a: { b: 'c' }, list: [1] });
  assert.deepEqual(patch, { a: { b: null, d: 'e' } });
});
