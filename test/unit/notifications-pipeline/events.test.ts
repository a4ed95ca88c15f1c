import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, NotifyMode, NotifyState, UpdateRecord } from '../../../schemas/generated/types.ts';
import { decideUpdateAvailable } from '../../../controllers/notifications/pipeline/update-available.ts';
import { eventFromRecord, startedEvent, withTag } from '../../../controllers/notifications/pipeline/update-events.ts';

const NOW = new Date('2026-03-01T12:00:00Z');

function container(options: { mode?: NotifyMode; snooze?: string; notify?: NotifyState; lastChecked?: string } = {}): Container {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Container',
    metadata: { name: 'web', namespace: 'local' },
    spec: {},
    status: {
      name: 'web',
      image: 'nginx:1.25',
      registryCheck: {
        updateAvailable: true,
        localDigest: 'sha256:old',
        remoteDigest: 'sha256:new',
        lastChecked: options.lastChecked ?? '2026-03-01T11:59:00Z',
        target: { image: 'nginx:1.26', tag: '1.26', version: '1.26.0', digest: 'sha256:new' },
      },
      effective: {
        notifyMode: { value: options.mode ?? 'default', source: 'default' },
        ...(options.snooze === undefined ? {} : { notifySnooze: { value: options.snooze, source: 'label' } }),
      },
      ...(options.notify === undefined ? {} : { notify: options.notify }),
    },
  } as Container;
}

describe('decideUpdateAvailable', () => {
  it('notifies a new digest once with the target tag and version, and records it', () => {
    const first = decideUpdateAvailable(container(), NOW);
    assert.equal(first.notify, true);
    if (!first.notify) return;
    assert.equal(first.event.payload.containers[0]?.targetVersion, '1.26.0');
    // The target tag and the reference pulled, which Sentinel leaves out.
    assert.equal(first.event.payload.containers[0]?.targetTag, '1.26');
    assert.equal(first.event.payload.containers[0]?.targetImage, 'nginx:1.26');
    assert.equal(first.event.payload.containers[0]?.currentVersion, '1.25');
    assert.deepEqual(first.state, { lastNotifiedDigest: 'sha256:new', lastNotifiedAt: NOW.toISOString() });
    // 20 scans later with the same digest and the recorded state: nothing.
    for (let scan = 0; scan < 20; scan++) {
      const again = decideUpdateAvailable(container({ notify: first.state, lastChecked: `2026-03-01T12:${String(scan).padStart(2, '0')}:00Z` }), NOW);
      assert.deepEqual(again, { notify: false, reason: 'already_notified' });
    }
  });
  it('notifies again after the snooze, not before', () => {
    const notify = { lastNotifiedDigest: 'sha256:new', lastNotifiedAt: '2026-03-01T00:00:00Z' };
    assert.equal(decideUpdateAvailable(container({ notify, snooze: '1d' }), NOW).notify, false);
    assert.equal(decideUpdateAvailable(container({ notify, snooze: '6h' }), NOW).notify, true);
  });
  it('every_scan notifies once per scan', () => {
    const first = decideUpdateAvailable(container({ mode: 'every_scan' }), NOW);
    assert.equal(first.notify, true);
    if (!first.notify) return;
    assert.equal(decideUpdateAvailable(container({ mode: 'every_scan', notify: first.state }), NOW).notify, false);
    assert.equal(decideUpdateAvailable(container({ mode: 'every_scan', notify: first.state, lastChecked: '2026-03-01T12:05:00Z' }), NOW).notify, true);
  });
  it('muted and digest_only never send update_available', () => {
    assert.deepEqual(decideUpdateAvailable(container({ mode: 'muted' }), NOW), { notify: false, reason: 'muted' });
    assert.deepEqual(decideUpdateAvailable(container({ mode: 'digest_only' }), NOW), { notify: false, reason: 'digest_only' });
  });
});

function record(type: UpdateRecord['spec']['type'], outcome: UpdateRecord['spec']['outcome']): UpdateRecord {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'UpdateRecord',
    metadata: { name: 'web-abc12', namespace: 'local' },
    spec: { type, outcome, containerName: 'web', oldImage: 'nginx:1.25', newImage: 'nginx:1.26', finishedAt: '2026-03-01T12:00:00Z', error: 'boom' },
  };
}

describe('eventFromRecord', () => {
  it('maps type and outcome to the event type, keyed by the record', () => {
    assert.equal(eventFromRecord(record('update', 'success'))?.payload.type, 'update_succeeded');
    assert.equal(eventFromRecord(record('update', 'rollback'))?.payload.type, 'update_failed');
    assert.equal(eventFromRecord(record('rollback', 'success'))?.payload.type, 'rollback_succeeded');
    assert.equal(eventFromRecord(record('rollback', 'failed'))?.payload.type, 'rollback_failed');
    assert.equal(eventFromRecord(record('check', 'success')), undefined);
    assert.equal(eventFromRecord(record('update', 'dry_run')), undefined);
    const event = eventFromRecord(record('update', 'failed'));
    assert.equal(event?.key, 'record/local/web-abc12');
    assert.deepEqual(event?.payload.containers[0], { name: 'web', host: 'local', image: 'nginx:1.26', currentVersion: '1.25', targetVersion: '1.26', targetTag: '1.26', targetImage: 'nginx:1.26', error: 'boom' });
  });
});

describe('startedEvent', () => {
  it('is keyed by the operation start so a resumed operation is not announced twice', () => {
    const withOperation = container();
    if (withOperation.status === undefined) throw new Error('fixture has a status');
    withOperation.status.operation = { type: 'update', phase: 'Running', startedAt: '2026-03-01T12:00:01Z' };
    const event = startedEvent(withOperation);
    assert.equal(event?.key, 'started/local/web/2026-03-01T12:00:01Z');
    assert.equal(event?.payload.containers[0]?.targetVersion, '1.26.0');
    withOperation.status.operation = { type: 'rollback', phase: 'Running', startedAt: '2026-03-01T12:00:01Z' };
    assert.equal(startedEvent(withOperation), undefined);
  });
});

describe('withTag', () => {
  it('replaces the tag, not a registry port', () => {
    assert.equal(withTag('127.0.0.1:5000/team/app:1.0.0', '2.0.0'), '127.0.0.1:5000/team/app:2.0.0');
    assert.equal(withTag('127.0.0.1:5000/team/app', '2.0.0'), '127.0.0.1:5000/team/app:2.0.0');
    assert.equal(withTag('nginx:1.25@sha256:abc', '1.26'), 'nginx:1.26');
  });
});
