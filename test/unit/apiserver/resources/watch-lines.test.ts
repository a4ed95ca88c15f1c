// Watch lines: an object is serialized once and its bytes shared by every watcher and list; bookmarks per kind;
// Secrets masked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findKindByName, type ResourceKind } from '../../../../schemas/index.ts';
import { eventChunks, objectBytesOf } from '../../../../apiserver/resources/http/watch-response.ts';
import { SECRET_MASK } from '../../../../apiserver/resources/secrets.ts';
import { deepFreeze } from '../../../../apiserver/storage/objects.ts';
import type { WatchEvent } from '../../../../apiserver/storage/interface.ts';

function kind(name: string): ResourceKind {
  const found = findKindByName(name);
  if (found === undefined) throw new Error(name);
  return found;
}

const line = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('utf8');

test('a cached (frozen) object is serialized once, and a cached event is one line shared by every watcher', () => {
  const object = deepFreeze({ apiVersion: 'vigil.dev/v1alpha1', kind: 'UpdatePolicy', metadata: { name: 'p', resourceVersion: '7' }, spec: { policy: 'auto' } });
  const modified: WatchEvent = deepFreeze({ type: 'MODIFIED', key: '/registry/vigil.dev/updatepolicies/p', revision: 7, object });
  const added: WatchEvent = deepFreeze({ type: 'ADDED', key: modified.key, revision: 7, object });
  const first = eventChunks(kind('UpdatePolicy'), modified);
  const again = eventChunks(kind('UpdatePolicy'), modified);
  const second = eventChunks(kind('UpdatePolicy'), added);
  assert.equal(first.length, 1, 'one write per watcher');
  assert.equal(first[0], again[0], 'the same Buffer for every watcher of the event, not an equal one');
  assert.equal(objectBytesOf(object), objectBytesOf(object), 'the object is serialized once');
  assert.deepEqual(JSON.parse(line(first)), { type: 'MODIFIED', object });
  assert.deepEqual(JSON.parse(line(second)), { type: 'ADDED', object });
  assert.ok(line(first).endsWith('}\n'));
  const perWatcher: WatchEvent = { ...modified };
  assert.notEqual(eventChunks(kind('UpdatePolicy'), perWatcher)[0], first[0], 'an event made for one watcher is not cached');
  const mutable = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } };
  assert.notEqual(objectBytesOf(mutable), objectBytesOf(mutable), 'an object that may change is never cached');
});

test('a bookmark names the watched kind and carries only the resourceVersion (and the initial-events-end mark)', () => {
  const bookmark: WatchEvent = { type: 'BOOKMARK', key: '', revision: 9, object: { apiVersion: '', kind: '', metadata: { name: '', resourceVersion: '9' } } };
  assert.deepEqual(JSON.parse(line(eventChunks(kind('Container'), bookmark))), { type: 'BOOKMARK', object: { kind: 'Container', apiVersion: 'vigil.dev/v1alpha1', metadata: { resourceVersion: '9' } } });
  const end = JSON.parse(line(eventChunks(kind('Hook'), { ...bookmark, initialEventsEnd: true }))) as { object: { metadata: unknown } };
  assert.deepEqual(end.object.metadata, { resourceVersion: '9', annotations: { 'k8s.io/initial-events-end': 'true' } });
});

test('a Secret event is masked', () => {
  const event: WatchEvent = { type: 'ADDED', key: 'k', revision: 3, object: deepFreeze({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { token: 'aHVudGVyMg==' } }) };
  const text = line(eventChunks(kind('Secret'), event));
  assert.doesNotMatch(text, /aHVudGVyMg/);
  assert.match(text, new RegExp(SECRET_MASK));
});
