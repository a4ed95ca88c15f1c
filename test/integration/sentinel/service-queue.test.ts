// Swarm services in the approval queue and the service view: a manual service's status.pendingUpdate is a queue row
// (Sentinel's shape plus type "service", key `service:NAME`) while its check is of the digest the service runs;
// approve writes spec.update to the queued target bound to its digest, reject spec.rejectedUpdate, ignore spec.ignoredVersions; GET
// /api/services shows what the check found.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PendingUpdate, RegistryCheck, SwarmService, SwarmServiceSpec, SwarmServiceStatus } from '../../../schemas/generated/types.ts';
import { addContainer, assertError, assertShape, startFacade, DIGEST_A, DIGEST_B, type TestApi } from './fixtures.ts';

let api: TestApi;
const IMAGE = 'registry.example:5000/team/web';

function pending(tag: string, versions: string[], detectedAt: string): PendingUpdate {
  return { currentImage: `${IMAGE}:${tag}`, currentDigest: DIGEST_B, remoteDigest: DIGEST_A, targetImage: `${IMAGE}:${versions[0] ?? tag}`, detectedAt, newerVersions: versions, resolvedCurrentVersion: tag, ...(versions[0] === undefined ? {} : { resolvedTargetVersion: versions[0] }) };
}

function check(tag: string, version: string): RegistryCheck {
  return { registry: 'registry.example:5000', currentTag: tag, resolvedCurrentVersion: tag, newerVersions: [version], target: { tag: version, version, digest: DIGEST_A, image: `${IMAGE}:${version}` }, localDigest: DIGEST_B, remoteDigest: DIGEST_A, updateAvailable: true, lastChecked: '2026-11-22T10:00:00Z' };
}

async function addService(name: string, status: SwarmServiceStatus, spec?: SwarmServiceSpec): Promise<void> {
  await api.resources.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'SwarmService', metadata: { name }, ...(spec === undefined ? {} : { spec }), status: { serviceID: `id-${name}`, host: 'local', image: `${IMAGE}:1.0.0`, digest: DIGEST_B, mode: 'replicated', replicas: 2, desiredTasks: 2, runningTasks: 2, ...status } }, { includeStatus: true });
}

async function getService(name: string): Promise<SwarmService> {
  return (await api.resources.get('SwarmService', undefined, name)) as unknown as SwarmService;
}

async function queueKeys(): Promise<unknown[]> {
  return (await api.request('GET', '/api/queue')).json<Array<Record<string, unknown>>>().map((entry) => entry.key);
}

before(async () => {
  api = await startFacade();
  await addContainer(api, { name: 'nginx', status: { image: 'nginx:1.27.4', pendingUpdate: { currentImage: 'nginx:1.27.4', remoteDigest: DIGEST_A, detectedAt: '2026-11-22T09:30:00Z', newerVersions: ['1.27.5'], resolvedTargetVersion: '1.27.5' } } });
  const manual = { effective: { policy: { value: 'manual' as const, source: 'default' } } };
  await addService('web', { ...manual, registryCheck: check('1.0.0', '1.1.0'), pendingUpdate: pending('1.0.0', ['1.1.0'], '2026-11-22T10:00:00Z') });
  await addService('api', { ...manual, registryCheck: check('1.0.0', '2.0.0'), pendingUpdate: pending('1.0.0', ['2.0.0'], '2026-11-22T09:00:00Z') });
  await addService('ignored', { ...manual, registryCheck: check('1.0.0', '1.1.0'), pendingUpdate: pending('1.0.0', ['1.1.0'], '2026-11-22T11:00:00Z') });
  // Updated since the check (another digest now): the entry is stale and does not show.
  await addService('stale', { ...manual, digest: DIGEST_A, registryCheck: check('1.0.0', '1.1.0'), pendingUpdate: pending('1.0.0', ['1.1.0'], '2026-11-22T08:00:00Z') });
  await addService('auto', { effective: { policy: { value: 'auto', source: 'label' } }, registryCheck: check('1.0.0', '1.1.0'), pendingUpdate: pending('1.0.0', ['1.1.0'], '2026-11-22T08:00:00Z') });
});
after(async () => await api?.close());

describe('Swarm services in the approval queue', () => {
  test('lists standing service entries with the containers\', oldest first, with type service', async () => {
    const response = await api.request('GET', '/api/queue');
    assert.equal(response.status, 200, response.text);
    const rows = response.json<Array<Record<string, unknown>>>();
    assert.deepEqual(rows.map((entry) => entry.key), ['service:api', 'nginx', 'service:web', 'service:ignored']);
    const web = rows.find((entry) => entry.key === 'service:web');
    assertShape(web, { container_name: 'string', current_image: 'string', newer_versions: 'array', resolved_current_version: 'string', resolved_target_version: 'string', remote_digest: 'string', detected_at: 'string', host_id: 'string', type: 'string' }, 'service queue row');
    assert.deepEqual({ name: web?.container_name, type: web?.type, image: web?.current_image, versions: web?.newer_versions, target: web?.resolved_target_version, id: web?.container_id }, { name: 'web', type: 'service', image: `${IMAGE}:1.0.0`, versions: ['1.1.0'], target: '1.1.0', id: 'id-web' });
    assert.deepEqual((await api.request('GET', '/api/queue/count')).json(), { count: 4 });
  });

  test('GET /api/services shows the found update; a stale check claims nothing', async () => {
    const rows = (await api.request('GET', '/api/services')).json<Array<Record<string, unknown>>>();
    const web = rows.find((row) => row.Name === 'web');
    assert.deepEqual({ has: web?.HasUpdate, newest: web?.NewestVersion, severity: web?.Severity, policy: web?.Policy, resolved: web?.ResolvedVersion }, { has: true, newest: '1.1.0', severity: 'minor', policy: 'manual', resolved: '1.0.0' });
    assert.equal(rows.find((row) => row.Name === 'api')?.Severity, 'major');
    const stale = rows.find((row) => row.Name === 'stale');
    assert.deepEqual({ has: stale?.HasUpdate, newest: stale?.NewestVersion }, { has: false, newest: '' });
    assert.equal(rows.find((row) => row.Name === 'auto')?.Policy, 'auto');
  });

  test('approve writes spec.update to the queued target', async () => {
    const response = await api.request('POST', '/api/approve/service:web');
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json(), { status: 'approved', name: 'web', message: 'update started for web' });
    const update = (await getService('web')).spec?.update;
    assert.deepEqual({ image: update?.image, by: update?.requestedBy }, { image: `${IMAGE}:1.1.0@${DIGEST_A}`, by: 'admin' }, 'bound to the queued digest');
  });

  test('reject hides the digest at once; ignore adds the version; 404 without a standing entry', async () => {
    const rejected = await api.request('POST', '/api/reject/service:api');
    assert.deepEqual(rejected.json(), { status: 'rejected', name: 'api', message: 'update rejected for api' });
    assert.deepEqual({ digest: (await getService('api')).spec?.rejectedUpdate?.digest, version: (await getService('api')).spec?.rejectedUpdate?.version }, { digest: DIGEST_A, version: '2.0.0' });
    const ignored = await api.request('POST', '/api/ignore/service:ignored');
    assert.deepEqual(ignored.json(), { status: 'ignored', name: 'ignored', version: '1.1.0', message: 'version 1.1.0 ignored for ignored' });
    assert.deepEqual((await getService('ignored')).spec?.ignoredVersions, ['1.1.0']);
    assert.ok(!(await queueKeys()).includes('service:api'));
    assert.ok(!(await queueKeys()).includes('service:ignored'));
    assertError(await api.request('POST', '/api/approve/service:stale'), 404, /^no pending update for service "stale"$/);
    assertError(await api.request('POST', '/api/approve/service:ghost'), 404, /^service "ghost" not found$/);
  });

  test('POST /api/services/{name}/update without a version takes the update the check found', async () => {
    await addService('found', { effective: { policy: { value: 'manual', source: 'default' } }, registryCheck: check('1.0.0', '1.2.0') });
    assert.equal((await api.request('POST', '/api/services/found/update')).status, 200);
    assert.equal((await getService('found')).spec?.update?.image, `${IMAGE}:1.2.0@${DIGEST_A}`);
  });
});
