// decideIdle for a registry switch request (Container spec.update reason SwitchRegistry, written by POST
// /api/containers/{name}/switch-ghcr): the target is the request's image, bound to its digest when one is given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideIdle } from '../../../controllers/update/controller/desired.ts';
import type { Container } from '../../../schemas/generated/types.ts';

const DIGEST = `sha256:${'c'.repeat(64)}`;

function container(update: NonNullable<Container['spec']>['update']): Container {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Container',
    metadata: { name: 'web', namespace: 'local' },
    spec: { update },
    status: { id: 'a'.repeat(64), image: 'owner/app:1.0', state: 'running' },
  } as Container;
}

test('a SwitchRegistry request updates to its image, bound to the digest that was compared', () => {
  const decision = decideIdle(container({ requestedAt: '2026-12-07T12:00:00Z', reason: 'SwitchRegistry', image: 'ghcr.io/owner/app:1.0', digest: DIGEST }), undefined, Date.parse('2026-12-07T12:00:01Z'));
  assert.equal(decision.kind, 'update');
  assert.ok(decision.kind === 'update');
  assert.equal(decision.reason, 'SwitchRegistry');
  assert.equal(decision.targetImage, 'ghcr.io/owner/app:1.0');
  assert.equal(decision.targetDigest, DIGEST);
});

test('a SwitchRegistry request without a digest (a different build allowed) is not bound to one', () => {
  const decision = decideIdle(container({ requestedAt: '2026-12-07T12:00:00Z', reason: 'SwitchRegistry', image: 'ghcr.io/owner/app:1.0' }), undefined, Date.parse('2026-12-07T12:00:01Z'));
  assert.ok(decision.kind === 'update');
  assert.equal(decision.targetDigest, undefined);
});
