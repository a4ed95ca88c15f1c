// Registry checks of Swarm services in the containers' scan: one tag list and one HEAD per repository whoever uses
// it, the same status fields as a Container's, the approval queue for manual services, spec.update written for auto
// ones, and dry-run, pull-only, pinned and a failed earlier attempt respected.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EffectiveSettings, SettingsSpec, SwarmService, SwarmServiceSpec, SwarmServiceStatus } from '../../../schemas/generated/types.ts';
import { AUTO_UPDATE_REQUESTER, blockingDependency, decideAutoUpdate, inDependencyOrder } from '../../../controllers/registry-check/service-check-decisions.ts';
import type { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import { createContainer, SERVER, seedVersions, startCheckStack, type CheckStack } from './fixtures.ts';

interface ServiceFixture {
  name: string;
  repository: string;
  tag: string;
  digest: string;
  policy?: 'auto' | 'manual' | 'pinned';
  effective?: EffectiveSettings;
  spec?: SwarmServiceSpec;
  status?: SwarmServiceStatus;
}

function serviceResource(fixture: ServiceFixture): SwarmService {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'SwarmService',
    metadata: { name: fixture.name },
    ...(fixture.spec === undefined ? {} : { spec: fixture.spec }),
    status: {
      serviceID: `id-${fixture.name}`,
      host: 'local',
      image: `${SERVER}/${fixture.repository}:${fixture.tag}`,
      digest: fixture.digest,
      mode: 'replicated',
      replicas: 2,
      labels: {},
      effective: {
        policy: { value: fixture.policy ?? 'manual', source: fixture.policy === undefined ? 'default' : 'label' },
        versionScope: { value: 'major', source: 'default' },
        ...fixture.effective,
      },
      ...fixture.status,
    },
  };
}

async function createService(api: ResourceRegistry, fixture: ServiceFixture): Promise<void> {
  await api.create(serviceResource(fixture), { includeStatus: true });
}

async function getService(api: ResourceRegistry, name: string): Promise<SwarmService> {
  return (await api.get('SwarmService', undefined, name)) as SwarmService;
}

describe('registry checks of Swarm services', () => {
  let stack: CheckStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function scan(settings: SettingsSpec, services: (digests: Record<string, { digest: string }>) => ServiceFixture[], withContainer = false): Promise<CheckStack> {
    stack = await startCheckStack({
      settings,
      seed: async (api, registry) => {
        const seeded = seedVersions(registry, 'team/web', ['1.0.0', '1.1.0']);
        const digests = Object.fromEntries(Object.entries(seeded).map(([tag, image]) => [tag, { digest: image.digest }]));
        if (withContainer) await createContainer(api, { name: 'web-container', image: `${SERVER}/team/web:1.0.0`, digest: seeded['1.0.0']?.digest ?? '' });
        for (const fixture of services(digests)) await createService(api, fixture);
      },
    });
    await stack.idle();
    return stack;
  }

  test('a container and two services of one repository cost one tag list and one HEAD in a scan', async () => {
    const s = await scan({}, (digests) => [
      { name: 'web', repository: 'team/web', tag: '1.0.0', digest: digests['1.0.0']?.digest ?? '' },
      { name: 'web-copy', repository: 'team/web', tag: '1.0.0', digest: digests['1.0.0']?.digest ?? '' },
    ], true);
    assert.equal(s.registry.requests.tags, 1);
    assert.equal(s.registry.requests.head, 1);
    const web = await getService(s.api, 'web');
    assert.equal(web.status?.registryCheck?.updateAvailable, true);
    assert.equal(web.status?.registryCheck?.target?.version, '1.1.0');
    assert.equal(web.status?.registryCheck?.target?.image, `${SERVER}/team/web:1.1.0`);
    assert.deepEqual(web.status?.registryCheck?.newerVersions, ['1.1.0']);
    assert.equal(web.status?.conditions?.find((condition) => condition.type === 'UpdateAvailable')?.status, 'True');
    // Manual (the default): into the approval queue, nothing applied.
    assert.equal(web.status?.pendingUpdate?.targetImage, `${SERVER}/team/web:1.1.0`);
    assert.equal(web.status?.pendingUpdate?.resolvedTargetVersion, '1.1.0');
    assert.equal(web.spec?.update, undefined);
  });

  test('dependency order: a service that depends on another waits for its update; with dependencyAware off it does not', async () => {
    // Listed before its dependency, so only the dependency order of the scan puts db first.
    const fixtures = (digests: Record<string, { digest: string }>): ServiceFixture[] => [
      { name: 'api', repository: 'team/web', tag: '1.0.0', digest: digests['1.0.0']?.digest ?? '', policy: 'auto', effective: { dependsOn: { value: ['db'], source: 'label' } } },
      { name: 'db', repository: 'team/web', tag: '1.0.0', digest: digests['1.0.0']?.digest ?? '', policy: 'auto' },
    ];
    const ordered = await scan({}, fixtures);
    assert.ok((await getService(ordered.api, 'db')).spec?.update !== undefined, 'the dependency is updated');
    assert.equal((await getService(ordered.api, 'api')).spec?.update, undefined, 'its dependent waits for that update');
    await ordered.close();
    stack = undefined;
    const unordered = await scan({ dependencyAware: false }, fixtures);
    assert.ok((await getService(unordered.api, 'db')).spec?.update !== undefined);
    assert.ok((await getService(unordered.api, 'api')).spec?.update !== undefined, 'dependencyAware false: no order');
  });

  test('an auto service gets spec.update for the found version; pinned is not checked; up to date stays quiet', async () => {
    const s = await scan({}, (digests) => [
      { name: 'auto', repository: 'team/web', tag: '1.0.0', digest: digests['1.0.0']?.digest ?? '', policy: 'auto' },
      { name: 'pinned', repository: 'team/web', tag: '1.0.0', digest: digests['1.0.0']?.digest ?? '', policy: 'pinned' },
      { name: 'current', repository: 'team/web', tag: '1.1.0', digest: digests['1.1.0']?.digest ?? '', policy: 'auto' },
    ]);
    const auto = await getService(s.api, 'auto');
    assert.ok(auto.status?.registryCheck?.target?.digest?.startsWith('sha256:'));
    assert.equal(auto.spec?.update?.image, `${SERVER}/team/web:1.1.0@${auto.status?.registryCheck?.target?.digest ?? ''}`, 'bound to the digest the check found');
    assert.equal(auto.spec?.update?.requestedBy, AUTO_UPDATE_REQUESTER);
    assert.equal(auto.status?.pendingUpdate, undefined, 'auto services are not queued');
    const pinned = await getService(s.api, 'pinned');
    assert.equal(pinned.status?.registryCheck, undefined);
    const current = await getService(s.api, 'current');
    assert.equal(current.status?.registryCheck?.updateAvailable, false);
    assert.equal(current.spec?.update, undefined);
    assert.equal(current.status?.conditions?.find((condition) => condition.type === 'UpdateAvailable')?.reason, 'UpToDate');
  });

  test('a service updated since its check is checked again at once: its queue entry and found update go', async () => {
    let digests: Record<string, { digest: string }> = {};
    const s = await scan({}, (seeded) => {
      digests = seeded;
      return [{ name: 'web', repository: 'team/web', tag: '1.0.0', digest: seeded['1.0.0']?.digest ?? '' }];
    });
    assert.notEqual((await getService(s.api, 'web')).status?.pendingUpdate, undefined);
    const heads = s.registry.requests.head;
    // What the swarm-service reconciler writes once the update to 1.1.0 is done.
    await s.api.modify('SwarmService', undefined, 'web', (current) => ({ ...current, status: { ...(current.status as object), image: `${SERVER}/team/web:1.1.0`, digest: digests['1.1.0']?.digest ?? '' } }), { subresource: 'status' });
    await s.idle();
    const web = await getService(s.api, 'web');
    assert.equal(web.status?.registryCheck?.localDigest, digests['1.1.0']?.digest);
    assert.equal(web.status?.registryCheck?.updateAvailable, false);
    assert.equal(web.status?.pendingUpdate, undefined);
    assert.equal(web.status?.conditions?.find((condition) => condition.type === 'UpdateAvailable')?.reason, 'UpToDate');
    assert.equal(s.registry.requests.head, heads + 1, 'one HEAD for the re-check');
  });

  test('dry-run and pull-only apply nothing to an auto service', async () => {
    const dry = await scan({ dryRun: true }, (digests) => [
      { name: 'auto', repository: 'team/web', tag: '1.0.0', digest: digests['1.0.0']?.digest ?? '', policy: 'auto' },
    ]);
    const service = await getService(dry.api, 'auto');
    assert.equal(service.status?.registryCheck?.updateAvailable, true);
    assert.equal(service.spec?.update, undefined);
    await dry.close();
    stack = undefined;
    const pull = await scan({}, (digests) => [
      { name: 'auto', repository: 'team/web', tag: '1.0.0', digest: digests['1.0.0']?.digest ?? '', policy: 'auto', effective: { pullOnly: { value: true, source: 'label' } } },
    ]);
    const pulled = await getService(pull.api, 'auto');
    assert.equal(pulled.status?.registryCheck?.updateAvailable, true);
    assert.equal(pulled.spec?.update, undefined);
  });

  test('version scope and tag filters of the service apply; ignored versions are not offered', async () => {
    const s = await scan({}, (digests) => [
      { name: 'patch', repository: 'team/web', tag: '1.0.0', digest: digests['1.0.0']?.digest ?? '', effective: { versionScope: { value: 'patch', source: 'label' } } },
      { name: 'excluded', repository: 'team/web', tag: '1.0.0', digest: digests['1.0.0']?.digest ?? '', effective: { excludeTags: { value: '^1\\.1', source: 'label' } } },
      { name: 'ignored', repository: 'team/web', tag: '1.0.0', digest: digests['1.0.0']?.digest ?? '', spec: { ignoredVersions: ['1.1.0'] } },
    ]);
    for (const name of ['patch', 'excluded', 'ignored']) {
      const service = await getService(s.api, name);
      assert.equal(service.status?.registryCheck?.updateAvailable, false, name);
      assert.equal(service.status?.pendingUpdate, undefined, name);
    }
    assert.equal((await getService(s.api, 'patch')).status?.registryCheck?.beyondScopeCount, 1);
  });
});

describe('decideAutoUpdate', () => {
  const now = Date.parse('2025-01-02T00:00:00Z');
  const found: SwarmServiceStatus = {
    digest: 'sha256:old',
    effective: { policy: { value: 'auto', source: 'label' } },
    registryCheck: { updateAvailable: true, localDigest: 'sha256:old', firstSeen: '2025-01-01T23:00:00Z', target: { tag: '2.0', digest: 'sha256:new', image: 'r/web:2.0' } },
  };
  const service = (status: SwarmServiceStatus, spec?: SwarmServiceSpec): SwarmService => ({ apiVersion: 'vigil.dev/v1alpha1', kind: 'SwarmService', metadata: { name: 'web' }, ...(spec === undefined ? {} : { spec }), status });

  test('applies a found update of an auto service', () => {
    assert.deepEqual(decideAutoUpdate(service(found), undefined, now), { kind: 'update', image: 'r/web:2.0@sha256:new' });
  });

  test('does not try again a digest whose update was rolled back, but does a newer one', () => {
    const rolledBack = { ...found, lastUpdate: { kind: 'update' as const, outcome: 'rollback' as const, finishedAt: '2025-01-01T23:30:00Z', toImage: 'r/web:2.0@sha256:new' } };
    assert.equal(decideAutoUpdate(service(rolledBack), undefined, now).kind, 'none');
    const newer = { ...rolledBack, registryCheck: { ...found.registryCheck, target: { tag: '2.0', digest: 'sha256:newer', image: 'r/web:2.0' } } };
    assert.equal(decideAutoUpdate(service(newer), undefined, now).kind, 'update');
  });

  test('waits for the update delay, a running operation or a pending request; dry-run says so', () => {
    const delayed = { ...found, effective: { ...found.effective, updateDelay: { value: '2h', source: 'label' } } };
    assert.equal(decideAutoUpdate(service(delayed), undefined, now).kind, 'none');
    assert.equal(decideAutoUpdate(service({ ...found, operation: { kind: 'update', startedAt: '2025-01-01T23:59:00Z', phase: 'following', digest: 'sha256:new' } }), undefined, now).kind, 'none');
    assert.equal(decideAutoUpdate(service(found, { update: { requestedAt: '2025-01-01T23:59:00Z' } }), undefined, now).kind, 'none');
    assert.equal(decideAutoUpdate(service(found), { dryRun: true }, now).kind, 'dryRun');
    assert.equal(decideAutoUpdate(service({ ...found, digest: 'sha256:other' }), undefined, now).kind, 'none', 'a check of another digest than the service runs');
  });

  test('applies inside the maintenance window only (windows are in local time)', () => {
    const hour = new Date(now).getHours();
    const pad = (value: number): string => String(value % 24).padStart(2, '0');
    const inWindow = (window: string): SwarmService => service({ ...found, effective: { ...found.effective, maintenanceWindow: { value: window, source: 'settings' } } });
    assert.equal(decideAutoUpdate(inWindow(`${pad(hour)}:00-${pad(hour + 1)}:30`), undefined, now).kind, 'update');
    const outside = decideAutoUpdate(inWindow(`${pad(hour + 2)}:00-${pad(hour + 3)}:00`), undefined, now);
    assert.equal(outside.kind, 'none');
    assert.match(outside.kind === 'none' ? outside.why : '', /maintenance window/);
  });
});

describe('dependency order of Swarm services', () => {
  const now = Date.parse('2025-01-02T00:00:00Z');
  const named = (name: string, status: SwarmServiceStatus, spec?: SwarmServiceSpec): SwarmService => ({ apiVersion: 'vigil.dev/v1alpha1', kind: 'SwarmService', metadata: { name }, ...(spec === undefined ? {} : { spec }), status });
  const due: SwarmServiceStatus = {
    digest: 'sha256:old',
    effective: { policy: { value: 'auto', source: 'label' } },
    registryCheck: { updateAvailable: true, localDigest: 'sha256:old', firstSeen: '2025-01-01T23:00:00Z', target: { tag: '2.0', digest: 'sha256:new', image: 'r/web:2.0' } },
  };
  const dependent = named('api', { ...due, effective: { ...due.effective, dependsOn: { value: ['db', 'not-a-service'], source: 'label' } } });

  test('dependencies come first; a cycle keeps the listed order', () => {
    const db = named('db', due);
    const cache = named('cache', { ...due, effective: { dependsOn: { value: ['db'], source: 'label' } } });
    assert.deepEqual(inDependencyOrder([dependent, cache, db]).map((service) => service.metadata.name), ['db', 'api', 'cache']);
    const a = named('a', { effective: { dependsOn: { value: ['b'], source: 'label' } } });
    const b = named('b', { effective: { dependsOn: { value: ['a'], source: 'label' } } });
    assert.deepEqual(inDependencyOrder([a, b]).map((service) => service.metadata.name), ['b', 'a']);
  });

  test('a dependency holds back while its update is due, requested or running, not while it waits or is done', () => {
    const lookup = (db: SwarmService) => (name: string) => (name === 'db' ? db : undefined);
    assert.match(blockingDependency(dependent, undefined, now, lookup(named('db', due))) ?? '', /db, which it depends on, to be updated first/);
    assert.match(blockingDependency(dependent, undefined, now, lookup(named('db', { ...due, operation: { kind: 'update', startedAt: '2025-01-01T23:59:00Z', phase: 'following', digest: 'sha256:new' } }))) ?? '', /finish its update/);
    assert.match(blockingDependency(dependent, undefined, now, lookup(named('db', { digest: 'sha256:old' }, { update: { requestedAt: '2025-01-01T23:59:00Z' } }))) ?? '', /finish its update/);
    assert.equal(blockingDependency(dependent, undefined, now, lookup(named('db', { ...due, effective: { ...due.effective, updateDelay: { value: '2h', source: 'label' } } }))), undefined, 'a dependency that waits for its delay holds nothing back');
    assert.equal(blockingDependency(dependent, undefined, now, lookup(named('db', { digest: 'sha256:new' }))), undefined, 'up to date');
    assert.equal(blockingDependency(dependent, { dependencyAware: false }, now, lookup(named('db', due))), undefined, 'dependencyAware false');
    const decision = decideAutoUpdate(dependent, undefined, now, lookup(named('db', due)));
    assert.equal(decision.kind, 'none');
    assert.equal(decideAutoUpdate(dependent, undefined, now, lookup(named('db', { digest: 'sha256:new' }))).kind, 'update');
  });
});
