// Install from Home Assistant writes the approval POST /api/approve writes, requested by Home Assistant, and refuses
// what the approval queue does not offer (or an update already requested or running: MQTT delivers at least once).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { installDecision, REQUESTED_BY_HOME_ASSISTANT } from '../../../controllers/notifications/home-assistant/install.ts';
import { pendingContainer, REMOTE_DIGEST, upToDateContainer } from './fixtures.ts';

const NOW = new Date('2026-12-07T12:00:00.000Z');

describe('Home Assistant install', () => {
  test('a queued update is approved bound to its remote digest and version, requested by Home Assistant', () => {
    assert.deepEqual(installDecision(pendingContainer(), NOW), {
      kind: 'approve',
      update: { requestedAt: '2026-12-07T12:00:00.000Z', requestedBy: REQUESTED_BY_HOME_ASSISTANT, reason: 'Approved', digest: REMOTE_DIGEST, version: '1.1.0' },
    });
  });

  test('nothing queued, an auto-policy container, Vigil itself, a running or already requested update: refused', () => {
    assert.match(JSON.stringify(installDecision(upToDateContainer(), NOW)), /no pending update/);
    assert.match(JSON.stringify(installDecision(pendingContainer({ status: { effective: { policy: { value: 'auto', source: 'label' } } } }), NOW)), /no pending update/);
    assert.match(JSON.stringify(installDecision(pendingContainer({ status: { self: true } }), NOW)), /self-update/);
    assert.match(JSON.stringify(installDecision(pendingContainer({ status: { operation: { type: 'update', phase: 'Running', startedAt: '2026-12-07T11:59:00Z' } } }), NOW)), /already running/);
    const requested = pendingContainer({ spec: { update: { requestedAt: '2026-12-07T11:59:00.000Z', reason: 'Approved', digest: REMOTE_DIGEST } } });
    assert.match(JSON.stringify(installDecision(requested, NOW)), /already requested/);
    assert.equal(installDecision(undefined, NOW).kind, 'refuse');
  });
});
