// The approval queue: entries from Containers' status.pendingUpdate while they stand (manual policy, not rejected,
// target not ignored), keys `name` and `HOST::name`, approve binding the digest, reject and ignore.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PendingUpdate } from '../../../schemas/generated/types.ts';
import { addContainer, assertError, assertShape, getContainer, putSettings, startFacade, DIGEST_A, DIGEST_B, type TestApi } from './fixtures.ts';

let api: TestApi;

function pending(image: string, versions: string[], detectedAt: string, digest = DIGEST_A): PendingUpdate {
  return { currentImage: image, currentDigest: DIGEST_B, remoteDigest: digest, detectedAt, newerVersions: versions, resolvedCurrentVersion: '1.27.4', ...(versions[0] === undefined ? {} : { resolvedTargetVersion: versions[0] }) };
}

before(async () => {
  api = await startFacade();
  await putSettings(api, { releaseSources: [{ imagePattern: 'nginx', githubRepo: 'nginx/nginx' }] });
  await addContainer(api, { name: 'nginx', status: { image: 'nginx:1.27.4', pendingUpdate: pending('nginx:1.27.4', ['1.27.5'], '2026-11-22T10:00:00Z') } });
  await addContainer(api, { name: 'app', status: { image: 'registry.example:5000/team/app:2.0.0', pendingUpdate: pending('registry.example:5000/team/app:2.0.0', ['2.2.0', '2.1.0'], '2026-11-22T11:00:00Z') } });
  // Switched to auto since the check: its stale entry must not show.
  await addContainer(api, { name: 'auto-now', status: { effective: { policy: { value: 'auto', source: 'spec' } }, pendingUpdate: pending('x:1', ['2'], '2026-11-22T09:00:00Z') } });
  await addContainer(api, { name: 'remote', host: 'edge-1', status: { image: 'redis:7.0.0', pendingUpdate: pending('redis:7.0.0', ['7.2.0'], '2026-11-22T12:00:00Z') } });
  await addContainer(api, { name: 'vigil', status: { self: true, effective: { policy: { value: 'auto', source: 'label' } }, pendingUpdate: pending('ghcr.io/vigil/vigil:1.0.0', ['1.1.0'], '2026-11-22T13:00:00Z') } });
});
after(async () => await api.close());

describe('GET /api/queue and /api/queue/count', () => {
  test('lists standing entries oldest first with the reference fields and a release notes link where known', async () => {
    const response = await api.request('GET', '/api/queue');
    assert.equal(response.status, 200);
    const queue = response.json<Array<Record<string, unknown>>>();
    assert.deepEqual(queue.map((entry) => entry.key), ['nginx', 'app', 'edge-1::remote', 'vigil']);
    const nginx = queue[0];
    assertShape(nginx, { container_name: 'string', current_image: 'string', newer_versions: 'array', resolved_current_version: 'string', resolved_target_version: 'string', release_notes_url: 'string', remote_digest: 'string', detected_at: 'string', host_id: 'string' });
    assert.deepEqual(
      { name: nginx?.container_name, image: nginx?.current_image, versions: nginx?.newer_versions, current: nginx?.resolved_current_version, target: nginx?.resolved_target_version, notes: nginx?.release_notes_url },
      { name: 'nginx', image: 'nginx:1.27.4', versions: ['1.27.5'], current: '1.27.4', target: '1.27.5', notes: 'https://github.com/nginx/nginx/releases/tag/1.27.5' },
    );
    assert.ok(!('release_notes_url' in (queue[1] ?? {})), 'no release notes without a matching source');
    assert.equal(queue[2]?.host_id, 'edge-1');
    assert.deepEqual((await api.request('GET', '/api/queue/count')).json(), { count: 4 });
  });
});

describe('approve', () => {
  test('writes spec.update {reason: Approved} bound to the queued digest and version', async () => {
    const response = await api.request('POST', '/api/approve/nginx');
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json(), { status: 'approved', name: 'nginx', message: 'update started for nginx' });
    const update = (await getContainer(api, 'nginx')).spec.update;
    assert.deepEqual({ reason: update?.reason, digest: update?.digest, version: update?.version, by: update?.requestedBy }, { reason: 'Approved', digest: DIGEST_A, version: '1.27.5', by: 'admin' });
  });

  test('takes HOST::name keys for other hosts', async () => {
    assert.equal((await api.request('POST', '/api/approve/edge-1::remote')).status, 200);
    assert.equal((await getContainer(api, 'remote', 'edge-1')).spec.update?.reason, 'Approved');
  });

  test("is refused for Vigil's own container (403) and a 404 without a standing entry", async () => {
    assertError(await api.request('POST', '/api/approve/vigil'), 403, /Vigil's own container/);
    assertError(await api.request('POST', '/api/approve/auto-now'), 404, /^no pending update for "auto-now"$/);
    assertError(await api.request('POST', '/api/approve/ghost'), 404, /not found/);
  });
});

describe('reject and ignore', () => {
  test('reject writes spec.rejectedUpdate for the queued digest and the entry disappears at once', async () => {
    const response = await api.request('POST', '/api/reject/app');
    assert.deepEqual(response.json(), { status: 'rejected', name: 'app', message: 'update rejected for app' });
    const rejected = (await getContainer(api, 'app')).spec.rejectedUpdate;
    assert.deepEqual({ digest: rejected?.digest, version: rejected?.version, by: rejected?.rejectedBy }, { digest: DIGEST_A, version: '2.2.0', by: 'admin' });
    assert.ok(!(await api.request('GET', '/api/queue')).json<Array<Record<string, unknown>>>().some((entry) => entry.key === 'app'));
    assertError(await api.request('POST', '/api/reject/app'), 404, /no pending update/);
  });

  test('ignore appends the top version to spec.ignoredVersions and the entry disappears until a newer check', async () => {
    const response = await api.request('POST', '/api/ignore/edge-1::remote');
    assert.deepEqual(response.json(), { status: 'ignored', name: 'remote', version: '7.2.0', message: 'version 7.2.0 ignored for remote' });
    assert.deepEqual((await getContainer(api, 'remote', 'edge-1')).spec.ignoredVersions, ['7.2.0']);
    assert.deepEqual((await api.request('GET', '/api/queue')).json<Array<Record<string, unknown>>>().map((entry) => entry.key), ['nginx', 'vigil']);
  });

  test('a key with a bad host name is a 400', async () => {
    assertError(await api.request('POST', '/api/ignore/Bad_Host::x'), 400, /is not a host name/);
  });
});
