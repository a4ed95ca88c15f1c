import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, ContainerStatus } from '../../../schemas/generated/types.ts';
import { containerStateEvent } from '../../../controllers/notifications/pipeline/container-state.ts';

const NOW = new Date('2026-03-01T12:00:00Z');

function withStatus(status: ContainerStatus): Container {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'web', namespace: 'local' }, spec: {}, status: { name: 'web', image: 'nginx', id: 'abc', ...status } };
}

describe('containerStateEvent', () => {
  it('sends once per transition into a bad state', () => {
    const running = withStatus({ state: 'running', health: 'healthy' });
    const unhealthy = withStatus({ state: 'running', health: 'unhealthy' });
    assert.equal(containerStateEvent(running, unhealthy, NOW)?.payload.containers[0]?.state, 'unhealthy');
    assert.equal(containerStateEvent(unhealthy, unhealthy, NOW), undefined);
    assert.equal(containerStateEvent(unhealthy, running, NOW), undefined);
  });
  it('names a non-zero exit and ignores a clean one', () => {
    assert.equal(containerStateEvent(undefined, withStatus({ state: 'exited', exitCode: 0 }), NOW), undefined);
    assert.equal(containerStateEvent(undefined, withStatus({ state: 'exited', exitCode: 137 }), NOW)?.payload.containers[0]?.state, 'exited 137');
  });
  it('a restart loop is a bad state from the third restart; each later crash count is a new key', () => {
    assert.equal(containerStateEvent(undefined, withStatus({ state: 'restarting', restartCount: 2 }), NOW), undefined);
    const first = containerStateEvent(undefined, withStatus({ state: 'restarting', restartCount: 3 }), NOW);
    assert.equal(first?.key, 'state/local/web/restarting/3/abc');
    // Re-derived after a controller restart: same key, so the outbox keeps one delivery.
    assert.equal(containerStateEvent(undefined, withStatus({ state: 'restarting', restartCount: 3 }), NOW)?.key, first?.key);
  });
});
