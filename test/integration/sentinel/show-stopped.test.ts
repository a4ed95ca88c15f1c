// Settings.showStopped (SENTINEL_SHOW_STOPPED) through the real app: with it false, the listing views of the REST
// facade — GET /api/containers, /api/stats (and the stats of a row), /api/queue and /api/queue/count — leave stopped
// containers out, while the resources stay and are still reachable by name.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addContainer, startFacade, DIGEST_A, DIGEST_B, type TestApi } from './fixtures.ts';

let api: TestApi;

function pending(image: string, detectedAt: string): NonNullable<Parameters<typeof addContainer>[1]['status']>['pendingUpdate'] {
  return { currentImage: image, remoteDigest: DIGEST_A, currentDigest: DIGEST_B, detectedAt, newerVersions: ['1.1.0'], resolvedTargetVersion: '1.1.0' };
}

async function setShowStopped(enabled: boolean): Promise<void> {
  const response = await api.request('POST', '/api/settings/show-stopped', { body: { enabled } });
  assert.equal(response.status, 200, response.text);
}

async function names(path: string): Promise<string[]> {
  const response = await api.request('GET', path);
  assert.equal(response.status, 200, response.text);
  return response.json<Array<{ name?: string; container_name?: string }>>().map((entry) => entry.name ?? entry.container_name ?? '').sort();
}

before(async () => {
  api = await startFacade();
  await addContainer(api, { name: 'web', status: { image: 'app:1.0.0', pendingUpdate: pending('app:1.0.0', '2026-11-22T13:00:00Z') } });
  await addContainer(api, { name: 'batch', status: { image: 'app:1.0.0', state: 'exited', exitCode: 0, pendingUpdate: pending('app:1.0.0', '2026-11-22T13:05:00Z') } });
  await addContainer(api, { name: 'fresh', status: { image: 'app:1.0.0', state: 'created' } });
  await addContainer(api, { name: 'held', status: { image: 'app:1.0.0', state: 'paused' } });
});
after(async () => await api.close());

describe('Settings.showStopped', () => {
  test('showStopped true (the default) lists stopped containers in containers, stats and queue', async () => {
    await setShowStopped(true);
    assert.deepEqual(await names('/api/containers'), ['batch', 'fresh', 'held', 'web']);
    assert.deepEqual((await api.request('GET', '/api/stats')).json(), { total: 4, running: 1, pending: 2 });
    assert.deepEqual(await names('/api/queue'), ['batch', 'web']);
    assert.deepEqual((await api.request('GET', '/api/queue/count')).json(), { count: 2 });
  });

  test('showStopped false leaves stopped containers out of GET /api/containers, stats and the queue views', async () => {
    await setShowStopped(false);
    const settings = await api.resources.get('Settings', undefined, 'default');
    assert.equal((settings.spec as { showStopped?: boolean }).showStopped, false);
    // exited and created are stopped; paused is not.
    assert.deepEqual(await names('/api/containers'), ['held', 'web']);
    assert.deepEqual((await api.request('GET', '/api/stats')).json(), { total: 2, running: 1, pending: 1 });
    assert.deepEqual(await names('/api/queue'), ['web']);
    assert.deepEqual((await api.request('GET', '/api/queue/count')).json(), { count: 1 });
    const row = await api.request('GET', '/api/containers/web/row');
    assert.deepEqual(row.json<{ stats: unknown }>().stats, { total: 2, running: 1, pending: 1 });
  });

  test('showStopped false: a hidden container still exists and is read by name', async () => {
    await setShowStopped(false);
    const detail = await api.request('GET', '/api/containers/batch');
    assert.equal(detail.status, 200, detail.text);
    assert.equal(detail.json<{ state: string }>().state, 'exited');
    const list = await api.resources.list('Container', { namespace: 'local' });
    assert.equal(list.items.length, 4);
  });
});
