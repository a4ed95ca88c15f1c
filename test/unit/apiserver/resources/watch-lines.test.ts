// Watch lines: one serialization per event shared by every watcher; bookmarks per kind; Secrets masked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findKindByName, type ResourceKind } from '../../../../schemas/index.ts';
import { eventLine } from '../../../../apiserver/resources/http/watch-response.ts';
import { SECRET_MASK } from '../../../../apiserver/resources/secrets.ts';
import type { WatchEvent } from '../../../../apiserver/storage/interface.ts';

function kind(name: string): ResourceKind {
  const found = findKindByName(name);
  if (found === undefined) throw new Error(name);
  return found;
}

test('an event is serialized once: every watcher gets the same bytes', () => {
  const event: WatchEvent = Object.freeze({
    type: 'MODIFIED',
    key: '/registry/vigil.dev/updatepolicies/p',
    revision: 7,
    object: Object.freeze({ apiVersion: 'vigil.dev/v1alpha1', kind: 'UpdatePolicy', metadata: { name: 'p', resourceVersion: '7' }, spec: { policy: 'auto' } }),
  });
  const first = eventLine(kind('UpdatePolicy'), event);
  assert.equal(eventLine(kind('UpdatePolicy'), event), first, 'the same Buffer, not an equal one');
  assert.deepEqual(JSON.parse(first.toString('utf8')), { type: 'MODIFIED', object: event.object });
  assert.ok(first.toString('utf8').endsWith('}\n'));
});

test('a bookmark names the watched kind and carries only the resourceVersion (and the initial-events-end mark)', () => {
  const bookmark: WatchEvent = { type: 'BOOKMARK', key: '', revision: 9, object: { apiVersion: '', kind: '', metadata: { name: '', resourceVersion: '9' } } };
  assert.deepEqual(JSON.parse(eventLine(kind('Container'), bookmark).toString('utf8')), { type: 'BOOKMARK', object: { kind: 'Container', apiVersion: 'vigil.dev/v1alpha1', metadata: { resourceVersion: '9' } } });
  const end = JSON.parse(eventLine(kind('Hook'), { ...bookmark, initialEventsEnd: true }).toString('utf8')) as { object: { metadata: unknown } };
  assert.deepEqual(end.object.metadata, { resourceVersion: '9', annotations: { 'k8s.io/initial-events-end': 'true' } });
});

test('a Secret event is masked', () => {
  const event: WatchEvent = { type: 'ADDED', key: 'k', revision: 3, object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { token: 'aHVudGVyMg==' } } };
  const line = eventLine(kind('Secret'), event).toString('utf8');
  assert.doesNotMatch(line, /aHVudGVyMg/);
  assert.match(line, new RegExp(SECRET_MASK));
});
