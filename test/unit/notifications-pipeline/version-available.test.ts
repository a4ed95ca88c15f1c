// version_available: derived from the registry check's newest beyond-scope version, deduped like update_available.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, NotifyMode, NotifyState } from '../../../schemas/generated/types.ts';
import { decideVersionAvailable } from '../../../controllers/notifications/pipeline/version-available.ts';
import { findNewerVersions } from '../../../controllers/registry/versions.ts';

const NOW = new Date('2026-03-01T12:00:00Z');

function container(options: { mode?: NotifyMode; snooze?: string; notify?: NotifyState; lastChecked?: string; beyond?: string | undefined } = {}): Container {
  const beyond = 'beyond' in options ? options.beyond : '2.0.0';
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Container',
    metadata: { name: 'web', namespace: 'local' },
    spec: {},
    status: {
      name: 'web',
      image: 'nginx:1.25.3',
      registryCheck: {
        updateAvailable: false,
        resolvedCurrentVersion: '1.25.3',
        newerVersions: [],
        beyondScopeCount: beyond === undefined ? 0 : 2,
        ...(beyond === undefined ? {} : { newestBeyondScope: beyond }),
        lastChecked: options.lastChecked ?? '2026-03-01T11:59:00Z',
      },
      effective: {
        notifyMode: { value: options.mode ?? 'default', source: 'default' },
        ...(options.snooze === undefined ? {} : { notifySnooze: { value: options.snooze, source: 'label' } }),
      },
      ...(options.notify === undefined ? {} : { notify: options.notify }),
    },
  } as Container;
}

describe('the registry check names the newest version beyond the scope', () => {
  it('a new major under the minor scope is beyond it, and the newest of several is named', () => {
    const found = findNewerVersions({ currentTag: '1.25.3', tags: ['1.25.3', '1.26.0', '2.0.0', '2.1.0', '3.0.0-rc1'], scope: 'minor' });
    assert.deepEqual(found?.newerVersions, ['1.26.0']);
    assert.equal(found?.beyondScopeCount, 2);
    assert.equal(found?.newestBeyondScope, '2.1.0');
  });
  it('nothing beyond the scope: no name', () => {
    const found = findNewerVersions({ currentTag: '1.25.3', tags: ['1.25.3', '1.26.0', '2.0.0'], scope: 'major' });
    assert.equal(found?.beyondScopeCount, 0);
    assert.equal(found?.newestBeyondScope, undefined);
  });
});

describe('decideVersionAvailable', () => {
  it('notifies a new beyond-scope version once, with the current and the new version, and records it', () => {
    const first = decideVersionAvailable(container(), NOW);
    assert.equal(first.notify, true);
    if (!first.notify) return;
    assert.equal(first.event.payload.type, 'version_available');
    assert.deepEqual(first.event.payload.containers, [{ name: 'web', host: 'local', image: 'nginx:1.25.3', currentVersion: '1.25.3', targetVersion: '2.0.0', targetTag: '2.0.0', targetImage: 'nginx:2.0.0' }]);
    assert.deepEqual(first.state, { lastNotifiedVersion: '2.0.0', lastVersionNotifiedAt: NOW.toISOString() });
    for (let scan = 0; scan < 20; scan++) {
      const again = decideVersionAvailable(container({ notify: first.state, lastChecked: `2026-03-01T12:${String(scan).padStart(2, '0')}:00Z` }), NOW);
      assert.deepEqual(again, { notify: false, reason: 'already_notified' });
    }
    // A newer beyond-scope version is news again.
    assert.equal(decideVersionAvailable(container({ notify: first.state, beyond: '3.0.0' }), NOW).notify, true);
  });
  it('nothing beyond the scope: nothing to send', () => {
    assert.deepEqual(decideVersionAvailable(container({ beyond: undefined }), NOW), { notify: false, reason: 'no_version' });
  });
  it('notifies again after the snooze, not before', () => {
    const notify = { lastNotifiedVersion: '2.0.0', lastVersionNotifiedAt: '2026-03-01T00:00:00Z' };
    assert.deepEqual(decideVersionAvailable(container({ notify, snooze: '1d' }), NOW), { notify: false, reason: 'snoozed' });
    assert.equal(decideVersionAvailable(container({ notify, snooze: '6h' }), NOW).notify, true);
  });
  it('every_scan notifies once per scan', () => {
    const first = decideVersionAvailable(container({ mode: 'every_scan' }), NOW);
    assert.equal(first.notify, true);
    if (!first.notify) return;
    assert.equal(decideVersionAvailable(container({ mode: 'every_scan', notify: first.state }), NOW).notify, false);
    assert.equal(decideVersionAvailable(container({ mode: 'every_scan', notify: first.state, lastChecked: '2026-03-01T12:05:00Z' }), NOW).notify, true);
  });
  it('muted and digest_only never send version_available', () => {
    assert.deepEqual(decideVersionAvailable(container({ mode: 'muted' }), NOW), { notify: false, reason: 'muted' });
    assert.deepEqual(decideVersionAvailable(container({ mode: 'digest_only' }), NOW), { notify: false, reason: 'digest_only' });
  });
});
