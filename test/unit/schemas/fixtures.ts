// One complete, valid object of every kind, typed with the generated types so that a schema change that
// breaks them fails the type check as well as the tests. Tests clone these and break one thing at a time.
import type {
  Container, Hook, Host, ManifestSource, NotificationChannel, NotificationDelivery, PortainerInstance, Registry, Secret, Settings, Snapshot, SwarmService, UpdatePolicy, UpdateRecord,
} from '../../../schemas/generated/types.ts';

const at = '2025-01-15T14:30:00Z';
const ready = { type: 'Ready', status: 'True', lastTransitionTime: at, reason: 'Reconciled', message: '', observedGeneration: 1 } as const;

export const host: Host = {
  apiVersion: 'vigil.dev/v1alpha1',
  kind: 'Host',
  metadata: { name: 'nas', labels: { site: 'home' } },
  spec: {
    displayName: 'NAS',
    dockerHost: 'tcp://192.168.1.20:2376',
    tls: {
      caSecretRef: { name: 'nas-tls', key: 'ca.pem' },
      certSecretRef: { name: 'nas-tls', key: 'cert.pem' },
      keySecretRef: { name: 'nas-tls', key: 'key.pem', namespace: 'vigil-system' },
      verify: true,
    },
    paused: false,
    resyncInterval: '5m',
  },
  status: {
    observedGeneration: 1,
    endpoint: 'tcp://192.168.1.20:2376',
    reachable: true,
    engineVersion: '27.3.1',
    apiVersion: '1.47',
    engineID: 'ABCD:EFGH',
    os: 'linux',
    arch: 'amd64',
    swarm: { role: 'none' },
    containers: { total: 3, running: 2, stopped: 1 },
    lastConnected: at,
    lastResync: at,
    conditions: [{ ...ready }, { ...ready, type: 'Connected' }],
  },
};

export const container: Container = {
  apiVersion: 'vigil.dev/v1alpha1',
  kind: 'Container',
  metadata: { name: 'my-app-0e86b84b', namespace: 'local', generation: 3 },
  spec: {
    hostRef: 'local',
    containerName: 'My_App',
    policy: 'manual',
    versionScope: 'minor',
    includeTags: '^v?[0-9]+\\.[0-9]+\\.[0-9]+$',
    excludeTags: '(?i)rc',
    schedule: '0 3 * * mon-fri',
    updateDelay: '3d',
    gracePeriod: '45s',
    pullOnly: false,
    removeVolumes: false,
    notifyMode: 'digest_only',
    notifySnooze: '12h',
    verify: 'warn',
    maintenanceWindow: 'Sat 22:00-Mon 06:00; 02:00-04:00',
    rollbackPolicy: 'pinned',
    hooksEnabled: true,
    imageCleanup: true,
    imageBackup: false,
    dependsOn: ['db'],
    ignoredVersions: ['1.28.0'],
    portConfig: { '8080': 'https://app.example.com', '53/udp': 'https://dns.example.com' },
    update: { requestedAt: at, requestedBy: 'admin', reason: 'Approved', version: '1.27.5', digest: 'sha256:' + 'a'.repeat(64) },
    rollback: { requestedAt: at, snapshot: 'my-app-0e86b84b-20250115143000' },
    lifecycle: { action: 'restart', requestedAt: at },
    check: { requestedAt: at },
    rejectedUpdate: { version: '1.27.6', digest: 'sha256:' + 'b'.repeat(64), rejectedAt: at },
  },
  status: {
    observedGeneration: 3,
    id: 'abc123def456',
    name: 'My_App',
    image: 'nginx:1.27.4',
    imageID: 'sha256:' + 'c'.repeat(64),
    repoDigests: ['nginx@sha256:' + 'd'.repeat(64)],
    state: 'running',
    health: 'healthy',
    exitCode: 0,
    restartCount: 0,
    labels: { 'sentinel.policy': 'auto', 'com.docker.compose.project': 'web' },
    ports: [{ containerPort: 80, protocol: 'tcp', hostIP: '0.0.0.0', hostPort: 8080 }],
    networks: [{
      name: 'web_default', networkID: 'n1', ipv4Address: '172.18.0.5', aliases: ['app'], macAddress: '02:42:ac:12:00:05',
      ipamConfig: { ipv4Address: '172.18.0.5' },
    }],
    mounts: [{ type: 'volume', name: 'data', source: '/var/lib/docker/volumes/data/_data', destination: '/data', rw: true }],
    networkMode: 'web_default',
    compose: { project: 'web', service: 'app', workingDir: '/srv/web', configFiles: ['/srv/web/compose.yaml'], dependsOn: ['db'] },
    createdAt: at,
    startedAt: at,
    self: false,
    maintenance: false,
    effective: {
      policy: { value: 'manual', source: 'spec' },
      versionScope: { value: 'minor', source: 'spec' },
      gracePeriod: { value: '45s', source: 'spec' },
      notifyMode: { value: 'digest_only', source: 'spec' },
      pullOnly: { value: false, source: 'updatePolicy/web-apps' },
      imageCleanup: { value: true, source: 'settings' },
      rollbackPolicy: { value: 'pinned', source: 'spec' },
      verify: { value: 'warn', source: 'label' },
      dependsOn: { value: ['db'], source: 'spec' },
    },
    hooks: [{ phase: 'pre-update', command: ['sh', '-c', 'pg_dump > /backup.sql'], timeoutSeconds: 60, source: 'hook/db-backup' }],
    registryCheck: {
      registry: 'docker.io',
      currentTag: '1.27.4',
      resolvedCurrentVersion: '1.27.4',
      newerVersions: ['1.27.5'],
      beyondScopeCount: 2,
      target: { tag: '1.27.5', version: '1.27.5', digest: 'sha256:' + 'a'.repeat(64), image: 'nginx:1.27.5' },
      localDigest: 'sha256:' + 'd'.repeat(64),
      remoteDigest: 'sha256:' + 'a'.repeat(64),
      updateAvailable: true,
      firstSeen: at,
      lastSeen: at,
      lastChecked: at,
      rateLimited: false,
    },
    pendingUpdate: {
      currentImage: 'nginx:1.27.4',
      currentDigest: 'sha256:' + 'd'.repeat(64),
      remoteDigest: 'sha256:' + 'a'.repeat(64),
      targetImage: 'nginx:1.27.5',
      detectedAt: at,
      newerVersions: ['1.27.5'],
      resolvedCurrentVersion: '1.27.4',
      resolvedTargetVersion: '1.27.5',
      releaseNotesUrl: 'https://github.com/nginx/nginx/releases/tag/1.27.5',
    },
    operation: {
      type: 'update', phase: 'Running', step: 'pull', reason: 'Approved', request: at, startedAt: at, lastTransition: at,
      targetImage: 'nginx:1.27.5', oldContainerID: 'abc123def456', oldImageID: 'sha256:' + 'c'.repeat(64),
      snapshot: 'my-app-0e86b84b-20250115143000', attempt: 1, details: { pulledLayers: 3 },
    },
    lastUpdate: { outcome: 'success', at, oldImage: 'nginx:1.27.3', newImage: 'nginx:1.27.4', record: 'my-app-0e86b84b-x7k2p' },
    handledRequests: { check: at, lifecycle: at },
    notify: { lastNotifiedDigest: 'sha256:' + 'a'.repeat(64), lastNotifiedAt: at },
    conditions: [{ ...ready }, { ...ready, type: 'UpdateAvailable', reason: 'NewerVersion' }],
  },
};

export const updatePolicy: UpdatePolicy = {
  apiVersion: 'vigil.dev/v1alpha1',
  kind: 'UpdatePolicy',
  metadata: { name: 'web-apps' },
  spec: {
    selector: {
      matchLabels: { 'com.docker.compose.project': 'web' },
      matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend'] }, { key: 'legacy', operator: 'DoesNotExist' }],
    },
    containerNames: ['web-*'],
    hosts: ['local', 'nas'],
    priority: 10,
    policy: 'auto',
    versionScope: 'patch',
    updateDelay: '1d',
    gracePeriod: '1m',
    maintenanceWindow: '02:00-05:00',
    rollbackPolicy: 'manual',
    notifyMode: 'default',
    pullOnly: false,
  },
  status: { observedGeneration: 1, matchedContainers: 4, conditions: [{ ...ready }] },
};

export const hook: Hook = {
  apiVersion: 'vigil.dev/v1alpha1',
  kind: 'Hook',
  metadata: { name: 'db-backup' },
  spec: {
    selector: { matchLabels: { role: 'db' } },
    containerNames: ['postgres'],
    phase: 'pre-update',
    command: ['sh', '-c', 'pg_dump > /backup.sql'],
    timeoutSeconds: 60,
    skipExitCode: 75,
  },
  status: { observedGeneration: 1, lastRun: { container: 'local/postgres', exitCode: 0, at, outcome: 'success' } },
};

export const registry: Registry = {
  apiVersion: 'vigil.dev/v1alpha1',
  kind: 'Registry',
  metadata: { name: 'docker-hub' },
  spec: {
    server: 'docker.io',
    credentials: { username: 'myuser', passwordSecretRef: { name: 'docker-hub', key: 'token' } },
    concurrency: 4,
    rateLimitReserve: { scheduled: 10, manual: 2 },
    tagListTTL: '15m',
  },
  status: {
    rateLimit: { limit: 100, remaining: 95, windowSeconds: 21600, reset: at },
    health: 'ok',
    requests: 12,
    lastChecked: at,
    conditions: [{ ...ready }],
  },
};

export const notificationChannel: NotificationChannel = {
  apiVersion: 'vigil.dev/v1alpha1',
  kind: 'NotificationChannel',
  metadata: { name: 'gotify' },
  spec: {
    type: 'gotify',
    displayName: 'Gotify',
    enabled: true,
    events: ['update_available', 'update_failed'],
    settings: { gotify: { url: 'http://gotify:8080', priority: 5 } },
    secretRef: { name: 'gotify' },
    templates: { update_available: 'Update: {{.ContainerName}}' },
    batching: { window: '2m' },
    retries: 3,
  },
  status: { lastSuccess: at, pending: 0, sentCount: 5, failedCount: 0, conditions: [{ ...ready }] },
};

export const settings: Settings = {
  apiVersion: 'vigil.dev/v1alpha1',
  kind: 'Settings',
  metadata: { name: 'default' },
  spec: {
    pollInterval: '4h',
    schedule: '0 3 * * *',
    defaultPolicy: 'manual',
    gracePeriod: '30s',
    paused: false,
    latestAutoUpdate: false,
    filters: ['test-*'],
    imageCleanup: true,
    imageBackup: false,
    hooksEnabled: true,
    hooksWriteLabels: false,
    dependencyAware: true,
    rollbackPolicy: 'manual',
    versionScope: 'strict',
    dryRun: false,
    pullOnly: false,
    updateDelay: '0s',
    showStopped: true,
    removeVolumes: false,
    scanConcurrency: 4,
    updateConcurrency: 2,
    maintenanceWindow: 'Sat 02:00-Sat 06:00',
    stackOrder: ['web', 'db'],
    dashboardColumns: ['image', 'status'],
    composeSync: false,
    haDiscovery: { enabled: true, channelRef: 'mqtt', discoveryPrefix: 'homeassistant' },
    digest: { enabled: true, time: '09:00', interval: '24h' },
    webhook: { enabled: true, secretRef: { name: 'webhook', key: 'secret' } },
    metrics: { enabled: true },
    releaseSources: [{ imagePattern: 'nginx', githubRepo: 'nginx/nginx' }],
    snapshotRetention: { perContainer: 5, maxAge: '30d' },
    historyRetention: { maxRecords: 5000, maxAge: '90d' },
    manifests: { directory: '/etc/vigil/manifests', resyncInterval: '5m', prune: true },
    notificationTemplates: { update_failed: 'Failed: {{.ContainerName}}: {{.Error}}' },
    scan: { requestedAt: at, requestedBy: 'admin' },
  },
  status: {
    lastScan: at,
    scanning: false,
    nextScan: at,
    counts: { containers: 25, running: 23, pending: 2, updatesApplied: 42, snapshots: 150 },
    handledRequests: { scan: at },
    registries: [{ server: 'docker.io', rateLimit: { limit: 100, remaining: 76, windowSeconds: 21600, reset: at }, health: 'ok', requests: 24, lastChecked: at }],
    conditions: [{ ...ready }],
  },
};

export const secret: Secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'gotify', namespace: 'vigil-system' },
  type: 'Opaque',
  data: { token: Buffer.from('abc123').toString('base64') },
  stringData: { 'bot_token': 'plain' },
};

export const snapshot: Snapshot = {
  apiVersion: 'vigil.dev/v1alpha1',
  kind: 'Snapshot',
  metadata: {
    name: 'my-app-0e86b84b-20250115143000',
    namespace: 'local',
    ownerReferences: [{ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', name: 'my-app-0e86b84b', uid: 'u-1', controller: true }],
  },
  spec: {
    containerName: 'My_App',
    containerID: 'abc123def456',
    image: 'nginx:1.27.4',
    imageID: 'sha256:' + 'c'.repeat(64),
    takenAt: at,
    reason: 'pre-update',
    inspect: { Id: 'abc123def456', Config: { Image: 'nginx:1.27.4', Env: ['A=1'] }, HostConfig: { NetworkMode: 'bridge' } },
  },
};

export const updateRecord: UpdateRecord = {
  apiVersion: 'vigil.dev/v1alpha1',
  kind: 'UpdateRecord',
  metadata: { name: 'my-app-0e86b84b-x7k2p', namespace: 'local' },
  spec: {
    type: 'update',
    outcome: 'success',
    containerName: 'My_App',
    container: 'my-app-0e86b84b',
    hostName: 'local',
    reason: 'Approved',
    oldImage: 'nginx:1.27.3',
    newImage: 'nginx:1.27.4',
    duration: 12.5,
    startedAt: at,
    finishedAt: at,
    steps: [{ name: 'pull', outcome: 'success', startedAt: at, finishedAt: at }],
  },
};

export const manifestSource: ManifestSource = {
  apiVersion: 'vigil.dev/v1alpha1',
  kind: 'ManifestSource',
  metadata: { name: 'homelab' },
  spec: { directory: '/srv/gitops/vigil', resyncInterval: '1m', prune: true, suspend: false },
  status: {
    gitCommit: '0123456789abcdef0123456789abcdef01234567',
    lastAppliedRevision: '0123456789abcdef0123456789abcdef01234567',
    lastAttemptedRevision: '0123456789abcdef0123456789abcdef01234567',
    lastAppliedDigest: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    inventory: [{ apiVersion: 'vigil.dev/v1alpha1', kind: 'UpdatePolicy', name: 'web-apps' }],
    results: [
      { object: 'UpdatePolicy/web-apps', file: 'policies.yaml', line: 1, action: 'unchanged' },
      { object: 'Container/local/nginx', file: 'containers.yaml', line: 4, action: 'driftCorrected', drift: { fields: ['.spec.policy'], managers: ['kubectl-edit'] } },
    ],
    conditions: [{ ...ready }],
  },
};

export const swarmService: SwarmService = {
  apiVersion: 'vigil.dev/v1alpha1',
  kind: 'SwarmService',
  metadata: { name: 'web' },
  spec: { rollout: { parallelism: 1, monitorSeconds: 5, failureAction: 'rollback', order: 'start-first' } },
  status: {
    serviceID: 'k3b1ty0w4hfq0qk1t7x1b2c3d',
    clusterID: 'x8f2n4m1p0q9r7s6t5u4v3w2y',
    host: 'local',
    image: 'ghcr.io/team/web:2.1.0',
    digest: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    mode: 'replicated',
    replicas: 2,
    desiredTasks: 2,
    runningTasks: 2,
    tasks: [{ id: 'q1w2e3r4t5y6', nodeID: 'n1', nodeName: 'node-1', nodeAddr: '127.0.0.1', slot: 1, state: 'running', desiredState: 'running', image: 'ghcr.io/team/web:2.1.0@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' }],
    updateStatus: { state: 'completed', message: 'update completed' },
    lastUpdate: { outcome: 'success', kind: 'update', finishedAt: at, fromImage: 'ghcr.io/team/web:2.0.0', toImage: 'ghcr.io/team/web:2.1.0' },
    conditions: [{ ...ready }],
  },
};

export const notificationDelivery: NotificationDelivery = {
  apiVersion: 'vigil.dev/v1alpha1',
  kind: 'NotificationDelivery',
  metadata: { name: 'ops-webhook.record.local.nginx-x7k2p' },
  spec: {
    channel: 'ops-webhook',
    sequence: 7,
    eventKey: 'record/local/nginx-x7k2p',
    payload: { type: 'update_succeeded', timestamp: at, containers: [{ name: 'nginx', host: 'local', image: 'nginx:1.27.4', currentVersion: '1.27.3', targetVersion: '1.27.4' }] },
  },
  status: { attempts: 1, notBefore: at, lastError: 'HTTP 503 Service Unavailable' },
};

export const portainerInstance: PortainerInstance = {
  apiVersion: 'vigil.dev/v1alpha1',
  kind: 'PortainerInstance',
  metadata: { name: 'office' },
  spec: {
    url: 'https://portainer.example.com:9443',
    apiKeySecretRef: { name: 'portainer-office', key: 'apiKey' },
    tls: { pinnedSha256: 'AB:'.repeat(31) + 'AB' },
    enabled: true,
    endpoints: { ids: [1, 3] },
    syncInterval: '1m',
  },
  status: {
    observedGeneration: 1,
    version: '2.23.0',
    lastSync: at,
    endpoints: [
      { id: 1, name: 'local', type: 1, url: 'unix:///var/run/docker.sock', status: 'up', hostRef: 'portainer-office-1' },
      { id: 2, name: 'cluster', type: 6, status: 'up', skipped: 'not a Docker endpoint (type 6)' },
    ],
    conditions: [{ ...ready }],
  },
};

/** Every fixture by kind name. */
export const fixtures = {
  Host: host,
  Container: container,
  UpdatePolicy: updatePolicy,
  Hook: hook,
  Registry: registry,
  NotificationChannel: notificationChannel,
  Settings: settings,
  Secret: secret,
  Snapshot: snapshot,
  UpdateRecord: updateRecord,
  ManifestSource: manifestSource,
  SwarmService: swarmService,
  NotificationDelivery: notificationDelivery,
  PortainerInstance: portainerInstance,
} as const;

export type FixtureKind = keyof typeof fixtures;

/** A deep copy of a fixture as plain JSON. */
export function copyOf(kind: FixtureKind): Record<string, unknown> {
  return JSON.parse(JSON.stringify(fixtures[kind])) as Record<string, unknown>;
}

/**
 * A copy of a fixture with one change: `path` is dotted with numeric array indices ("spec.ports.0.hostPort");
 * the value `undefined` deletes the field. Missing intermediate objects are created.
 */
export function changed(kind: FixtureKind, path: string, value: unknown): Record<string, unknown> {
  const object = copyOf(kind);
  const keys = path.split('.');
  let current: Record<string, unknown> | unknown[] = object;
  for (const key of keys.slice(0, -1)) {
    const next: unknown = Array.isArray(current) ? current[Number(key)] : current[key];
    if (typeof next === 'object' && next !== null) {
      current = next as Record<string, unknown> | unknown[];
    } else {
      const created: Record<string, unknown> = {};
      if (Array.isArray(current)) current[Number(key)] = created;
      else current[key] = created;
      current = created;
    }
  }
  const last = keys.at(-1) ?? '';
  if (Array.isArray(current)) current[Number(last)] = value;
  else if (value === undefined) delete current[last];
  else current[last] = value;
  return object;
}
