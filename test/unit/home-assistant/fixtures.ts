// Containers as the inventory and the registry check leave them, for the Home Assistant unit tests.
import type { Container } from '../../../schemas/generated/types.ts';
import type { StoredContainer } from '../../../apiserver/sentinel/container-key.ts';

export const LOCAL_DIGEST = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
export const REMOTE_DIGEST = 'sha256:2222222222222222222222222222222222222222222222222222222222222222';

/** `web` on `local`, running team/app:1.0.0 with 1.1.0 queued for approval (manual policy). */
export function pendingContainer(extra: { host?: string; name?: string; status?: Partial<NonNullable<Container['status']>>; spec?: Container['spec'] } = {}): StoredContainer {
  const host = extra.host ?? 'local';
  const name = extra.name ?? 'web';
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Container',
    metadata: { namespace: host, name, resourceVersion: '1', generation: 1 },
    spec: { hostRef: host, containerName: name, ...extra.spec },
    status: {
      id: 'c0ffee',
      name,
      image: 'registry.example:5000/team/app:1.0.0',
      imageID: 'sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      state: 'running',
      effective: { policy: { value: 'manual', source: 'default' } },
      registryCheck: {
        currentTag: '1.0.0',
        resolvedCurrentVersion: '1.0.0',
        newerVersions: ['1.1.0'],
        updateAvailable: true,
        localDigest: LOCAL_DIGEST,
        remoteDigest: REMOTE_DIGEST,
        target: { tag: '1.1.0', version: '1.1.0', digest: REMOTE_DIGEST, image: 'registry.example:5000/team/app:1.1.0' },
      },
      pendingUpdate: {
        currentImage: 'registry.example:5000/team/app:1.0.0',
        currentDigest: LOCAL_DIGEST,
        remoteDigest: REMOTE_DIGEST,
        targetImage: 'registry.example:5000/team/app:1.1.0',
        detectedAt: '2026-12-07T10:00:00Z',
        newerVersions: ['1.1.0'],
        resolvedCurrentVersion: '1.0.0',
        resolvedTargetVersion: '1.1.0',
      },
      ...extra.status,
    },
  };
}

/** The same container up to date. */
export function upToDateContainer(extra: { host?: string; name?: string } = {}): StoredContainer {
  const container = pendingContainer(extra);
  const { pendingUpdate: _pending, ...status } = container.status ?? {};
  return { ...container, status: { ...status, registryCheck: { currentTag: '1.0.0', resolvedCurrentVersion: '1.0.0', updateAvailable: false, localDigest: LOCAL_DIGEST } } };
}
