// Swarm services on GET /api/events: service_update when an update becomes available, a rollout starts and it ends
// (update, rollback, scale), queue_change when a manual service enters or leaves the approval queue; nothing for a
// status write that changes none of these (a re-read of the tasks).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sentinelEvents } from '../../../../apiserver/sentinel/events/event-mapping.ts';
import type { StoredObject, WatchEvent } from '../../../../apiserver/storage/interface.ts';
import type { SwarmServiceStatus } from '../../../../schemas/generated/types.ts';

const OLD = 'sha256:1111';
const NEW = 'sha256:2222';

function service(status: SwarmServiceStatus): StoredObject {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'SwarmService',
    metadata: { name: 'web', resourceVersion: '1' },
    status: { host: 'local', image: 'r/web:1.0', digest: OLD, effective: { policy: { value: 'manual', source: 'default' } }, runningTasks: 2, ...status },
  } as unknown as StoredObject;
}

function change(before: StoredObject, after: StoredObject): WatchEvent {
  return { type: 'MODIFIED', key: 'k', object: after, prevObject: before, revision: 2 } as unknown as WatchEvent;
}

function events(before: StoredObject, after: StoredObject): string[][] {
  return sentinelEvents(change(before, after), { now: new Date(0) }).map((event) => [event.type, event.container_name ?? '', event.message]);
}

const found: SwarmServiceStatus = {
  registryCheck: { updateAvailable: true, localDigest: OLD, lastChecked: '2026-01-01T00:00:00Z', target: { tag: '1.1', version: '1.1', digest: NEW, image: 'r/web:1.1' } },
  pendingUpdate: { currentImage: 'r/web:1.0', remoteDigest: NEW, targetImage: 'r/web:1.1', detectedAt: '2026-01-01T00:00:00Z', newerVersions: ['1.1'] },
};

describe('Swarm services on the event stream', () => {
  test('a found update of a manual service: service_update and queue_change; the same again: nothing', () => {
    assert.deepEqual(events(service({}), service(found)), [
      ['queue_change', 'web', 'Added to queue'],
      ['service_update', 'web', 'Update available for service web: 1.1'],
    ]);
    assert.deepEqual(events(service(found), service({ ...found, runningTasks: 1 })), []);
  });

  test('a rollout that starts and ends, and a scale', () => {
    const operation = { kind: 'update' as const, startedAt: '2026-01-01T00:01:00Z', phase: 'following' as const, digest: NEW, toImage: `r/web:1.1@${NEW}` };
    assert.deepEqual(events(service(found), service({ ...found, operation })), [
      ['queue_change', 'web', 'Removed from queue'],
      ['service_update', 'web', `Update of service web started (r/web:1.1@${NEW})`],
    ]);
    const done = { digest: NEW, lastUpdate: { kind: 'update' as const, outcome: 'rollback' as const, finishedAt: '2026-01-01T00:02:00Z', message: 'task failed its health check' } };
    assert.deepEqual(events(service({ operation }), service(done)), [['service_update', 'web', 'Update of service web was rolled back by Swarm: task failed its health check']]);
    const scaled = { lastUpdate: { kind: 'scale' as const, outcome: 'success' as const, finishedAt: '2026-01-01T00:03:00Z', message: 'scaled from 2 to 0' } };
    assert.deepEqual(events(service(done), service(scaled)), [['service_update', 'web', 'Service web scaled from 2 to 0']]);
  });

  test('a check of a digest the service no longer runs is no event', () => {
    assert.deepEqual(events(service({}), service({ ...found, digest: NEW })), []);
  });
});
