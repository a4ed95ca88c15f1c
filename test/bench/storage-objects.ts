// A realistic Container resource (~1.7 KB of JSON) for storage benchmarks.
import type { StoredObject } from '../../apiserver/storage/interface.ts';

export const BENCH_PREFIX = '/registry/vigil.dev/containers/';

export function benchObject(i: number, extra: Record<string, unknown> = {}): StoredObject {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Container',
    metadata: {
      name: `app-${i}`,
      namespace: 'local',
      uid: `6f1c9a2e-0000-4000-8000-${String(i).padStart(12, '0')}`,
      generation: 1,
      creationTimestamp: '2026-11-22T15:00:00Z',
      labels: { app: `app-${i % 50}`, tier: i % 2 === 0 ? 'web' : 'db', 'com.docker.compose.project': `stack-${i % 20}` },
    },
    spec: { containerName: `app-${i}`, policy: i % 3 === 0 ? 'auto' : 'manual', ...extra },
    status: {
      observedGeneration: 1,
      id: 'c'.repeat(64),
      name: `app-${i}`,
      image: `registry.example.com/team/app-${i % 50}:1.2.3`,
      imageID: `sha256:${'a'.repeat(64)}`,
      repoDigests: [`registry.example.com/team/app-${i % 50}@sha256:${'b'.repeat(64)}`],
      state: 'running',
      health: 'healthy',
      restartCount: 0,
      ports: [{ containerPort: 8080, protocol: 'tcp', hostIP: '127.0.0.1', hostPort: 10000 + i }],
      networks: [{ name: 'bridge', ipv4Address: '172.17.0.2', aliases: [], macAddress: '02:42:ac:11:00:02' }],
      createdAt: '2026-11-22T15:00:00Z',
      startedAt: '2026-11-22T15:00:01Z',
      effective: {
        policy: { value: i % 3 === 0 ? 'auto' : 'manual', source: 'spec' },
        versionScope: { value: 'strict', source: 'default' },
      },
      conditions: [
        { type: 'Running', status: 'True', reason: 'Running', message: 'container is running', lastTransitionTime: '2026-11-22T15:00:01Z', observedGeneration: 1 },
        { type: 'Healthy', status: 'True', reason: 'Healthy', message: 'health check passing', lastTransitionTime: '2026-11-22T15:00:05Z', observedGeneration: 1 },
      ],
    },
  };
}
