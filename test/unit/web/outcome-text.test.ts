// What the dashboard's outcome toasts say (web/src/live/outcome-text.ts): one per update or rollback record of a
// container or service, by outcome; none for checks, scans and notification records.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { outcomeToast } from '../../../web/src/live/outcome-text.ts';
import type { UpdateRecord, UpdateRecordSpec } from '../../../schemas/generated/types.ts';

function record(spec: Partial<UpdateRecordSpec>): UpdateRecord {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'UpdateRecord', metadata: { name: 'r', namespace: 'local' }, spec: { type: 'update', outcome: 'success', finishedAt: '2026-12-08T00:00:00Z', ...spec } };
}

describe('outcome toasts', () => {
  test('updates and rollbacks of containers and services, by outcome', () => {
    assert.deepEqual(outcomeToast(record({ containerName: 'web', newImage: 'nginx:1.27' })), { text: 'Updated web to nginx:1.27', tone: 'ok' });
    assert.deepEqual(outcomeToast(record({ containerName: 'web', outcome: 'rollback', error: 'unhealthy' })), { text: 'Update of web failed and was rolled back: unhealthy', tone: 'error' });
    assert.deepEqual(outcomeToast(record({ containerName: 'web', outcome: 'failed', error: 'pull refused' })), { text: 'Update of web failed: pull refused', tone: 'error' });
    assert.deepEqual(outcomeToast(record({ type: 'rollback', containerName: 'web', newImage: 'nginx:1.26' })), { text: 'Rolled back web to nginx:1.26', tone: 'ok' });
    assert.deepEqual(outcomeToast(record({ type: 'service_update', service: 'api', outcome: 'timeout' })), { text: 'Update of service api timed out', tone: 'error' });
    assert.equal(outcomeToast(record({ containerName: 'web', outcome: 'dry_run' }))?.tone, 'ok');
  });

  test('checks, scans, notifications and skipped or identical updates get no toast', () => {
    assert.equal(outcomeToast(record({ type: 'check', outcome: 'check_failed' })), undefined);
    assert.equal(outcomeToast(record({ type: 'scan_summary', outcome: 'scan_summary' })), undefined);
    assert.equal(outcomeToast(record({ type: 'notification', outcome: 'failed' })), undefined);
    assert.equal(outcomeToast(record({ containerName: 'web', outcome: 'identical' })), undefined);
    assert.equal(outcomeToast(record({ containerName: 'web', outcome: 'skipped' })), undefined);
  });
});
