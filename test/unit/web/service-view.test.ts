// What the Services pages show of a SwarmService (web/src/live/service-view.ts): the found update only while the
// check was of the digest the service runs (as REST GET /api/services), the queued target otherwise, image without
// its digest pin, effective policy and scope with their source.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RegistryCheck, SwarmService } from '../../../schemas/generated/types.ts';
import { serviceRowOf } from '../../../web/src/live/service-view.ts';

const OLD = 'sha256:aaaa';
const NEW = 'sha256:bbbb';

function service(status: SwarmService['status']): SwarmService {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'SwarmService', metadata: { name: 'web' }, status };
}

const checked: RegistryCheck = {
  lastChecked: '2026-01-01T00:00:00Z',
  localDigest: OLD,
  updateAvailable: true,
  resolvedCurrentVersion: '1.0.0',
  target: { image: 'r.test/team/web:1.1.0', tag: '1.1.0', version: '1.1.0', digest: NEW },
};

describe('the Services pages view of a SwarmService', () => {
  test('a standing check gives the found target and its severity; the image loses its digest pin', () => {
    const row = serviceRowOf(service({ image: 'r.test/team/web:1.0.0', digest: OLD, mode: 'replicated', replicas: 2, desiredTasks: 2, runningTasks: 1, registryCheck: checked }));
    assert.deepEqual(row.update, { target: '1.1.0', severity: 'minor' });
    assert.equal(row.image, 'r.test/team/web:1.0.0');
    assert.equal(row.tag, '1.0.0');
    assert.equal(row.replicated, true);
    assert.deepEqual([row.running, row.desired], [1, 2]);
    assert.equal(row.updateState, 'none');
  });

  test('a check of a digest the service no longer runs claims no update', () => {
    const row = serviceRowOf(service({ image: 'r.test/team/web:1.1.0', digest: NEW, registryCheck: checked }));
    assert.equal(row.update, undefined);
  });

  test('policy and version scope come from status.effective with their source, else the spec or the default', () => {
    const effective = serviceRowOf(service({ effective: { policy: { value: 'auto', source: 'label' }, versionScope: { value: 'patch', source: 'updatePolicy' } } }));
    assert.deepEqual([effective.policy, effective.policySource, effective.versionScope, effective.versionScopeSource], ['auto', 'label', 'patch', 'updatePolicy']);
    const bare = serviceRowOf(service(undefined));
    assert.deepEqual([bare.policy, bare.policySource, bare.versionScope, bare.mode, bare.tag], ['manual', 'default', 'default', 'unknown', 'latest']);
  });
});
