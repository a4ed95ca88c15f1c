// decideIdle with a registry check made against the image the container ran before (an update to a chosen tag, a
// rollback): nothing acts on that old finding. Seen as a real downgrade: after an update from 2 to a chosen tag 3, the
// auto policy took the container back to 2, the "newer version" of the check made while it ran 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideIdle } from '../../../controllers/update/controller/desired.ts';
import type { Container, ContainerStatus } from '../../../schemas/generated/types.ts';

const RUNNING = `sha256:${'3'.repeat(64)}`;
const CHECKED = `sha256:${'1'.repeat(64)}`;
const NOW = Date.parse('2026-12-07T12:00:00Z');

function container(localDigest: string, update?: NonNullable<Container['spec']>['update']): Container {
  const status: ContainerStatus = {
    id: 'a'.repeat(64),
    image: 'registry.test/team/app:3',
    imageID: `sha256:${'f'.repeat(64)}`,
    repoDigests: [`registry.test/team/app@${RUNNING}`],
    state: 'running',
    effective: { policy: { value: 'auto', source: 'label' } },
    registryCheck: { localDigest, updateAvailable: true, currentTag: '1', target: { tag: '2', version: '2', image: 'registry.test/team/app:2', digest: `sha256:${'2'.repeat(64)}` }, firstSeen: '2026-12-07T11:00:00Z', lastChecked: '2026-12-07T11:00:00Z' },
  };
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'app', namespace: 'local' }, spec: update === undefined ? {} : { update }, status } as Container;
}

test('auto policy: a check of the image the container ran before starts no update', () => {
  assert.deepEqual(decideIdle(container(CHECKED), undefined, NOW), { kind: 'none' });
});

test('auto policy: a check of the image the container runs still starts its update', () => {
  const decision = decideIdle(container(RUNNING), undefined, NOW);
  assert.ok(decision.kind === 'update', JSON.stringify(decision));
  assert.equal(decision.targetImage, 'registry.test/team/app:2');
});

test('"update now" with a check of another image pulls the current reference, not the old finding', () => {
  const decision = decideIdle(container(CHECKED, { requestedAt: '2026-12-07T11:59:00Z', reason: 'Manual' }), undefined, NOW);
  assert.ok(decision.kind === 'update', JSON.stringify(decision));
  assert.equal(decision.targetImage, 'registry.test/team/app:3');
});
