// A compose file that could not be synced is heard on GET /api/events, once per distinct failure.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sentinelEvents } from '../../../../apiserver/sentinel/events/event-mapping.ts';
import type { StoredObject, WatchEvent } from '../../../../apiserver/storage/interface.ts';

function container(condition: { status: string; reason: string; message: string } | undefined): StoredObject {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Container',
    metadata: { name: 'lab-web-1', namespace: 'local', resourceVersion: '1' },
    spec: { containerName: 'lab-web-1' },
    status: { name: 'lab-web-1', state: 'running', conditions: condition === undefined ? [] : [{ type: 'ComposeSynced', lastTransitionTime: '2026-01-01T00:00:00Z', ...condition }] },
  } as unknown as StoredObject;
}

function change(before: StoredObject, after: StoredObject): WatchEvent {
  return { type: 'MODIFIED', key: 'k', object: after, prevObject: before, revision: 2 } as unknown as WatchEvent;
}

const NOT_WRITABLE = { status: 'False', reason: 'ComposeFileNotWritable', message: 'cannot write compose file /srv/lab/compose.yaml: EROFS' };

describe('ComposeSynced on the event stream', () => {
  test('turning False is a container_update event with the message; staying False with the same message is not', () => {
    const events = sentinelEvents(change(container(undefined), container(NOT_WRITABLE)), { now: new Date(0) });
    assert.deepEqual(events.map((event) => [event.type, event.container_name, event.message]), [
      ['container_update', 'lab-web-1', 'Compose file of lab-web-1 not synced: cannot write compose file /srv/lab/compose.yaml: EROFS'],
    ]);
    assert.deepEqual(sentinelEvents(change(container(NOT_WRITABLE), container(NOT_WRITABLE)), { now: new Date(0) }), []);
  });

  test('a successful sync is no event of its own (the update event says it)', () => {
    const synced = { status: 'True', reason: 'Synced', message: '/srv/lab/compose.yaml: service web image app:1 → app:2' };
    assert.deepEqual(sentinelEvents(change(container(undefined), container(synced)), { now: new Date(0) }), []);
  });
});
