// Secret masking: what may leave the server, how masked values sent back are restored, stringData folding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldStringData, maskSecret, restoreMasked, SECRET_MASK } from '../../../../apiserver/resources/secrets.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const stored = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', annotations: { [LAST_APPLIED]: '{"apiVersion":"v1","data":{"token":"aHVudGVyMg=="},"kind":"Secret"}\n', other: 'kept' } },
  data: { token: 'aHVudGVyMg==' },
};

test('the mask is valid base64 that says what it is', () => {
  assert.equal(Buffer.from(SECRET_MASK, 'base64').toString('utf8'), '<masked>');
});

test('masking replaces every data value and the data inside the last-applied annotation, nothing else', () => {
  const masked = maskSecret(stored);
  assert.deepEqual(masked.data, { token: SECRET_MASK });
  assert.equal(masked.metadata.annotations.other, 'kept');
  assert.equal(masked.metadata.annotations[LAST_APPLIED], `{"apiVersion":"v1","kind":"Secret","data":{"token":"${SECRET_MASK}"}}\n`);
  assert.doesNotMatch(JSON.stringify(masked), /aHVudGVyMg/);
  assert.deepEqual(stored.data, { token: 'aHVudGVyMg==' }, 'the stored object is not modified');
  const broken = maskSecret({ ...stored, metadata: { annotations: { [LAST_APPLIED]: 'not json aHVudGVyMg==' } } });
  assert.equal(broken.metadata.annotations[LAST_APPLIED], SECRET_MASK);
  const other = { apiVersion: 'vigil.dev/v1alpha1', kind: 'Registry', metadata: { name: 'r' }, data: { x: 'y' } };
  assert.equal(maskSecret(other), other);
});

test('masked values sent back are restored from the stored object; new values stay', () => {
  const desired = { ...maskSecret(stored), data: { token: SECRET_MASK, added: 'bmV3' } };
  const restored = restoreMasked(stored, desired);
  assert.deepEqual(restored.data, { token: 'aHVudGVyMg==', added: 'bmV3' });
  assert.equal((restored.metadata as { annotations: Record<string, string> }).annotations[LAST_APPLIED], stored.metadata.annotations[LAST_APPLIED]);
  assert.deepEqual(restoreMasked(stored, { ...stored, data: { token: 'Y2hhbmdlZA==' } }).data, { token: 'Y2hhbmdlZA==' });
});

test('stringData is folded into data as base64 and removed', () => {
  const folded = foldStringData({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'YQ==' }, stringData: { b: 'plain text' } });
  assert.deepEqual(folded, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'YQ==', b: Buffer.from('plain text').toString('base64') } });
});
