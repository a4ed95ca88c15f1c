import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, ContainerStatus, SwarmService, SwarmServiceStatus } from '../../../schemas/generated/types.ts';
import { buildDigest, digestContainer, formatWaited } from '../../../controllers/notifications/pipeline/digest-message.ts';
import { renderMessage } from '../../../controllers/notifications/pipeline/render.ts';

const NOW = new Date('2026-03-10T09:00:00Z');

function container(name: string, host: string, status: ContainerStatus, spec: Container['spec'] = {}): Container {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name, namespace: host }, spec, status: { name, ...status } } as Container;
}

function available(image: string, target: { tag: string; version?: string }, firstSeen: string, mode?: 'default' | 'every_scan' | 'digest_only' | 'muted'): ContainerStatus {
  return {
    image,
    registryCheck: {
      updateAvailable: true,
      target: { image: `${image.split(':')[0] ?? image}:${target.tag}`, tag: target.tag, ...(target.version === undefined ? {} : { version: target.version }), digest: `sha256:${'b'.repeat(64)}` },
      localDigest: `sha256:${'a'.repeat(64)}`,
      firstSeen,
    },
    ...(mode === undefined ? {} : { effective: { notifyMode: { value: mode, source: 'spec' } } }),
  } as ContainerStatus;
}

describe('digest message', () => {
  it('lists every pending container with its versions and wait, digest_only included, muted left out, sorted by host and name', () => {
    const digest = buildDigest([
      container('web', 'local', available('nginx:1.25', { tag: '1.27' }, '2026-03-07T05:00:00Z')),
      container('quiet', 'local', available('redis:7.0', { tag: '7.2' }, '2026-03-09T09:00:00Z', 'muted')),
      container('db', 'edge', available('postgres:15', { tag: '16', version: '16.2' }, '2026-03-10T08:48:00Z', 'digest_only')),
      container('api', 'local', available('app:2.0', { tag: '2.1' }, '2026-03-10T03:30:00Z', 'every_scan')),
      container('idle', 'local', { image: 'busybox:1' } as ContainerStatus),
    ], NOW);
    assert.ok(digest !== undefined);
    assert.equal(digest.event.key, 'digest/2026-03-10T09:00:00.000Z');
    assert.equal(digest.event.payload.type, 'digest');
    assert.deepEqual(digest.event.payload.containers.map((entry) => `${entry.host}/${entry.name}`), ['edge/db', 'local/api', 'local/web']);
    assert.deepEqual(digest.listed, [
      { host: 'edge', name: 'db', currentVersion: '15', targetVersion: '16.2', waitingSince: '2026-03-10T08:48:00Z' },
      { host: 'local', name: 'api', currentVersion: '2.0', targetVersion: '2.1', waitingSince: '2026-03-10T03:30:00Z' },
      { host: 'local', name: 'web', currentVersion: '1.25', targetVersion: '1.27', waitingSince: '2026-03-07T05:00:00Z' },
    ]);
    const { message } = renderMessage('hook/digest', digest.event.payload, undefined);
    assert.equal(message.title, 'Pending updates');
    assert.equal(message.body, [
      'db on edge 15 → 16.2, waiting 12m',
      'api on local 2.0 → 2.1, waiting 5h 30m',
      'web on local 1.25 → 1.27, waiting 3d 4h',
    ].join('\n'));
  });

  it('a digest template is rendered once per container, so every container is named', () => {
    const digest = buildDigest([
      container('web', 'local', available('nginx:1.25', { tag: '1.27' }, '2026-03-07T05:00:00Z')),
      container('db', 'local', available('postgres:15', { tag: '16' }, '2026-03-07T05:00:00Z')),
    ], NOW);
    assert.ok(digest !== undefined);
    const { message } = renderMessage('hook/digest', digest.event.payload, { digest: '- {{.ContainerName}}: {{.OldImage}} → {{.NewImage}}' });
    assert.equal(message.body, '- db: postgres:15 → postgres:16\n- web: nginx:1.25 → nginx:1.27');
  });

  it('nothing pending: no digest', () => {
    assert.equal(buildDigest([container('idle', 'local', { image: 'busybox:1' } as ContainerStatus)], NOW), undefined);
    assert.equal(buildDigest([], NOW), undefined);
  });

  it('gone, deleted and pinned containers are not listed (Sentinel keeps removed ones forever)', () => {
    const status = available('nginx:1.25', { tag: '1.27' }, '2026-03-07T05:00:00Z');
    assert.equal(digestContainer(container('web', 'local', { ...status, state: 'gone' })), undefined);
    const deleted = container('web', 'local', status);
    deleted.metadata.deletionTimestamp = '2026-03-10T08:00:00Z';
    assert.equal(digestContainer(deleted), undefined);
    assert.equal(digestContainer(container('web', 'local', { ...status, effective: { policy: { value: 'pinned', source: 'spec' } } } as ContainerStatus)), undefined);
    assert.notEqual(digestContainer(container('web', 'local', status)), undefined);
  });

  it('an approval-queue entry without a current registry check is listed from the entry, waiting since it was detected', () => {
    const entry = digestContainer(container('web', 'local', {
      image: 'nginx:1.25',
      pendingUpdate: { currentImage: 'nginx:1.25', detectedAt: '2026-03-09T09:00:00Z', resolvedTargetVersion: '1.26', remoteDigest: `sha256:${'c'.repeat(64)}` },
    } as ContainerStatus));
    assert.deepEqual(entry, {
      name: 'web', host: 'local', image: 'nginx:1.25', currentVersion: '1.25', targetVersion: '1.26',
      targetDigest: `sha256:${'c'.repeat(64)}`, waitingSince: '2026-03-09T09:00:00Z',
    });
  });

  it('formats the wait to the minute in at most two units', () => {
    assert.equal(formatWaited('2026-03-10T09:00:00Z', '2026-03-10T09:00:30Z'), '0m');
    assert.equal(formatWaited('2026-03-10T08:53:00Z', '2026-03-10T09:00:00Z'), '7m');
    assert.equal(formatWaited('2026-03-10T04:00:00Z', '2026-03-10T09:00:00Z'), '5h');
    assert.equal(formatWaited('2026-03-03T09:00:00Z', '2026-03-10T09:00:00Z'), '7d');
    assert.equal(formatWaited('2026-03-10T10:00:00Z', '2026-03-10T09:00:00Z'), '0m', 'a wait seen in the future is no wait');
    assert.equal(formatWaited('never', '2026-03-10T09:00:00Z'), undefined);
  });

  it('lists Swarm services by the same rules (kind service), digest_only included, muted and stale checks left out', () => {
    const service = (name: string, mode: 'default' | 'digest_only' | 'muted', pinned = `sha256:${'a'.repeat(64)}`): SwarmService => {
      const status = available('reg/api:1.0', { tag: '1.1' }, '2026-03-09T09:00:00Z', mode);
      return { apiVersion: 'vigil.dev/v1alpha1', kind: 'SwarmService', metadata: { name }, status: { host: 'manager-1', clusterID: 'c1', image: 'reg/api:1.0', digest: pinned, registryCheck: { ...status.registryCheck, lastChecked: '2026-03-10T08:00:00Z' }, ...(status.effective === undefined ? {} : { effective: status.effective }) } satisfies SwarmServiceStatus };
    };
    const digest = buildDigest([container('web', 'local', available('nginx:1.25', { tag: '1.27' }, '2026-03-07T05:00:00Z'))], NOW, [
      service('api', 'digest_only'),
      service('quiet', 'muted'),
      service('moved', 'default', `sha256:${'d'.repeat(64)}`),
    ]);
    assert.deepEqual(digest?.event.payload.containers.map((entry) => [entry.kind ?? 'container', entry.host, entry.name, entry.targetVersion, entry.cluster]), [
      ['container', 'local', 'web', '1.27', undefined],
      ['service', 'manager-1', 'api', '1.1', 'c1'],
    ]);
  });
});
