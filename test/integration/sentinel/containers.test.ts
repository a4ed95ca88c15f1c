// The container reads of the REST facade: list, detail with history and snapshots, versions, row, stats and last
// scan, read from Container, UpdateRecord, Snapshot and Settings resources; errors in the envelope.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addContainer, addRecord, addSnapshot, assertError, assertShape, getContainer, putSettings, setStatus, startFacade, DIGEST_A, DIGEST_B, type TestApi } from './fixtures.ts';

let api: TestApi;

before(async () => {
  api = await startFacade();
  await addContainer(api, {
    name: 'nginx',
    status: {
      image: 'nginx:1.27.4',
      compose: { project: 'webstack' },
      effective: { policy: { value: 'auto', source: 'label' } },
      registryCheck: { newerVersions: ['1.27.6', '1.27.5'], updateAvailable: true, lastChecked: '2026-11-22T14:00:00Z' },
    },
  });
  await addContainer(api, { name: 'redis', status: { image: 'redis:7', state: 'exited' } });
  await addContainer(api, {
    name: 'queued',
    status: {
      image: 'app:1.0.0',
      pendingUpdate: { currentImage: 'app:1.0.0', remoteDigest: DIGEST_A, currentDigest: DIGEST_B, detectedAt: '2026-11-22T13:00:00Z', newerVersions: ['1.1.0'], resolvedTargetVersion: '1.1.0' },
    },
  });
  await addContainer(api, { name: 'removed', status: { state: 'gone', goneSince: '2026-11-22T12:00:00Z' } });
  await addContainer(api, { name: 'db', host: 'edge-1', status: { image: 'postgres:16' } });
  await api.resources.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name: 'edge-1' }, spec: { displayName: 'Edge One' } });
});
after(async () => await api.close());

describe('GET /api/containers', () => {
  test('lists present containers of every host with the reference fields and their types', async () => {
    const response = await api.request('GET', '/api/containers');
    assert.equal(response.status, 200);
    const list = response.json<Array<Record<string, unknown>>>();
    assert.deepEqual(list.map((entry) => `${String(entry.host_id)}/${String(entry.name)}`), ['local/nginx', 'local/queued', 'local/redis', 'edge-1/db']);
    const nginx = list[0];
    assertShape(nginx, { id: 'string', name: 'string', image: 'string', policy: 'string', state: 'string', maintenance: 'boolean', stack: 'string', host_id: 'string', host_name: 'string', health: 'string', policy_source: 'string', self: 'boolean', update_available: 'boolean' });
    assert.deepEqual({ image: nginx?.image, policy: nginx?.policy, state: nginx?.state, stack: nginx?.stack, update_available: nginx?.update_available }, {
      image: 'nginx:1.27.4', policy: 'auto', state: 'running', stack: 'webstack', update_available: true,
    });
    assert.equal(list[2]?.state, 'exited');
    assert.ok(!('stack' in (list[2] ?? {})), 'no stack when the container is not in a compose project');
    assert.equal(list[3]?.host_name, 'Edge One');
  });

  test('a change made through the resource API shows at once', async () => {
    await setStatus(api, 'redis', (status) => ({ ...status, state: 'running', maintenance: true }));
    const redis = (await api.request('GET', '/api/containers')).json<Array<Record<string, unknown>>>().find((entry) => entry.name === 'redis');
    assert.deepEqual({ state: redis?.state, maintenance: redis?.maintenance }, { state: 'running', maintenance: true });
  });
});

describe('GET /api/containers/{name}', () => {
  test('answers the container with its history newest first (duration in ns) and its snapshots', async () => {
    const nginx = await getContainer(api, 'nginx');
    await addRecord(api, { type: 'update', outcome: 'success', containerName: 'nginx', container: 'nginx', oldImage: 'nginx:1.27.3', newImage: 'nginx:1.27.4', duration: 12.5, finishedAt: '2025-01-15T14:30:00Z', requestedBy: 'admin', reason: 'Manual' });
    await addRecord(api, { type: 'update', outcome: 'failed', containerName: 'nginx', container: 'nginx', oldImage: 'nginx:1.27.2', newImage: 'nginx:1.27.3', duration: 3, error: 'pull failed', finishedAt: '2025-01-14T10:00:00Z' });
    await addRecord(api, { type: 'update', outcome: 'success', containerName: 'redis', container: 'redis', finishedAt: '2025-01-16T10:00:00Z' });
    await addSnapshot(api, nginx, '2025-01-15T14:29:58Z', 'nginx:1.27.3');
    await addSnapshot(api, nginx, '2025-01-14T09:59:00Z', 'nginx:1.27.2');
    const response = await api.request('GET', '/api/containers/nginx');
    assert.equal(response.status, 200);
    const detail = response.json<Record<string, unknown> & { history: Array<Record<string, unknown>>; snapshots: Array<Record<string, unknown>> }>();
    assertShape(detail, { id: 'string', name: 'string', image: 'string', policy: 'string', state: 'string', maintenance: 'boolean', history: 'array', snapshots: 'array' });
    assert.deepEqual(detail.history.map((entry) => entry.timestamp), ['2025-01-15T14:30:00Z', '2025-01-14T10:00:00Z']);
    const { id, ...first } = detail.history[0] ?? {};
    assert.match(String(id), /^nginx-/);
    assert.deepEqual(first, {
      timestamp: '2025-01-15T14:30:00Z', container_name: 'nginx', type: 'update', old_image: 'nginx:1.27.3', old_digest: '', new_image: 'nginx:1.27.4', new_digest: '',
      outcome: 'success', duration: 12_500_000_000, host_id: 'local', host_name: 'local', requested_by: 'admin', reason: 'Manual',
    });
    assert.equal(detail.history[1]?.error, 'pull failed');
    assert.deepEqual(detail.snapshots.map((entry) => [entry.container_name, entry.timestamp, entry.image_ref]), [
      ['nginx', '2025-01-15T14:29:58Z', 'nginx:1.27.3'],
      ['nginx', '2025-01-14T09:59:00Z', 'nginx:1.27.2'],
    ]);
  });

  test('?host= selects a container on another host', async () => {
    const response = await api.request('GET', '/api/containers/db?host=edge-1');
    assert.equal(response.status, 200);
    assert.equal(response.json<Record<string, unknown>>().image, 'postgres:16');
    assertError(await api.request('GET', '/api/containers/db'), 404, /^container "db" not found$/);
  });

  test('an unknown or gone container is a 404 and a bad host name a 400, in the error envelope', async () => {
    assertError(await api.request('GET', '/api/containers/nope'), 404, /container "nope" not found/);
    assertError(await api.request('GET', '/api/containers/removed'), 404, /no longer exists/);
    assertError(await api.request('GET', '/api/containers/db?host=Not_A_Host'), 400, /^host: "Not_A_Host" is not a host name/);
  });
});

describe('versions, row, stats, last scan, GHCR', () => {
  test('versions are the newer versions of the last registry check', async () => {
    const response = await api.request('GET', '/api/containers/nginx/versions');
    assert.equal(response.status, 200);
    assert.deepEqual(response.json(), ['1.27.6', '1.27.5']);
    assert.deepEqual((await api.request('GET', '/api/containers/redis/versions')).json(), []);
  });

  test('stats count present containers, running ones and standing queue entries', async () => {
    const response = await api.request('GET', '/api/stats');
    assert.equal(response.status, 200);
    const stats = response.json<Record<string, unknown>>();
    assertShape(stats, { total: 'number', running: 'number', pending: 'number' });
    assert.deepEqual(stats, { total: 4, running: 4, pending: 1 });
  });

  test('the row is an escaped HTML fragment with the stats', async () => {
    await addContainer(api, { name: 'xss', status: { image: '<script>alert("x")</script>' } });
    const response = await api.request('GET', '/api/containers/xss/row');
    assert.equal(response.status, 200);
    const row = response.json<{ html: string; stats: Record<string, number> }>();
    assert.match(row.html, /^<tr class="container-row" data-name="xss"/);
    assert.ok(row.html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'), row.html);
    assert.ok(!row.html.includes('<script>'));
    assertShape(row.stats, { total: 'number', running: 'number', pending: 'number' });
  });

  test('last-scan is null before any scan, then the Settings lastScan', async () => {
    assert.deepEqual((await api.request('GET', '/api/last-scan')).json(), { last_scan: null });
    await putSettings(api, {}, { lastScan: '2025-01-15T14:00:00Z' });
    assert.deepEqual((await api.request('GET', '/api/last-scan')).json(), { last_scan: '2025-01-15T14:00:00Z' });
  });

  test('GHCR alternatives without the GHCR service answer as Sentinel without a cache', async () => {
    assert.deepEqual((await api.request('GET', '/api/containers/nginx/ghcr')).json(), { available: false });
    assert.deepEqual((await api.request('GET', '/api/ghcr/alternatives')).json(), []);
    assertError(await api.request('GET', '/api/containers/ghost/ghcr'), 404, /not found/);
  });

  test('tags and logs answer 503 while their services are not running', async () => {
    assertError(await api.request('GET', '/api/containers/nginx/tags'), 503, /registry client is not running/);
    assertError(await api.request('GET', '/api/containers/nginx/logs'), 503, /Docker controllers are not running/);
    assertError(await api.request('GET', '/api/containers/nginx/logs?lines=abc'), 400, /^lines: must be a whole number from 1 to 500/);
  });

  test('an unknown REST path answers 404 in the envelope; a resource API path still a Status', async () => {
    assertError(await api.request('GET', '/api/does-not-exist'), 404, /not found/);
    const status = await api.request('GET', '/api/v1/nothing');
    assert.equal(status.status, 404);
    assert.equal(status.json<Record<string, unknown>>().kind, 'Status');
  });
});

describe('port links: GET, POST and DELETE /api/containers/{name}/port-config', () => {
  test('an override is stored in the Container spec and answered as {"ports": {PORT: {"url"}}}; DELETE reverts to the default', async () => {
    assert.deepEqual((await api.request('GET', '/api/containers/nginx/port-config')).json(), { ports: {} });
    const set = await api.request('POST', '/api/containers/nginx/port-config/8080', { body: { url: 'https://app.example.com' } });
    assert.equal(set.status, 200, set.text);
    assertShape(set.json(), { status: 'string', port: 'string', url: 'string', message: 'string' });
    assert.deepEqual(set.json(), { status: 'ok', port: '8080', url: 'https://app.example.com', message: 'port 8080 of nginx links to https://app.example.com' });
    assert.equal((await api.request('POST', '/api/containers/nginx/port-config/0443', { body: { url: 'https://secure.example.com' } })).status, 200);
    assert.deepEqual((await getContainer(api, 'nginx')).spec.portConfig, { 8080: 'https://app.example.com', 443: 'https://secure.example.com' });
    const got = await api.request('GET', '/api/containers/nginx/port-config');
    assert.equal(got.status, 200);
    assert.deepEqual(got.json(), { ports: { 443: { url: 'https://secure.example.com' }, 8080: { url: 'https://app.example.com' } } });

    const removed = await api.request('DELETE', '/api/containers/nginx/port-config/8080');
    assert.equal(removed.status, 200, removed.text);
    assert.deepEqual(removed.json(), { status: 'ok', port: '8080', message: 'port 8080 of nginx uses its default link' });
    assert.equal((await api.request('DELETE', '/api/containers/nginx/port-config/443')).status, 200);
    assert.equal((await getContainer(api, 'nginx')).spec.portConfig, undefined, 'no empty map is left behind');
    assert.deepEqual((await api.request('GET', '/api/containers/nginx/port-config')).json(), { ports: {} });
  });

  test('a bad port, URL or body is a 400 naming it; an unknown container a 404; a host selects its own container', async () => {
    assertError(await api.request('POST', '/api/containers/nginx/port-config/70000', { body: { url: 'https://a.example' } }), 400, /^port: must be a port number from 1 to 65535 \(got "70000"\)$/);
    assertError(await api.request('POST', '/api/containers/nginx/port-config/http', { body: { url: 'https://a.example' } }), 400, /^port: /);
    assertError(await api.request('POST', '/api/containers/nginx/port-config/80', { body: { url: 'app.example.com' } }), 400, /^url: must be an absolute URL/);
    assertError(await api.request('POST', '/api/containers/nginx/port-config/80', { body: { url: 'ftp://app.example.com' } }), 400, /^url: must be an http or https URL/);
    assertError(await api.request('POST', '/api/containers/nginx/port-config/80', { body: { url: 5 } }), 400, /^url: must be a string/);
    assertError(await api.request('POST', '/api/containers/nginx/port-config/80', { body: {} }), 400, /^missing required field "url"$/);
    assertError(await api.request('GET', '/api/containers/nothing/port-config'), 404, /not found/);
    assertError(await api.request('POST', '/api/containers/nothing/port-config/80', { body: { url: 'https://a.example' } }), 404, /not found/);
    assert.equal((await getContainer(api, 'nginx')).spec.portConfig, undefined, 'refused requests change nothing');

    assert.equal((await api.request('POST', '/api/containers/db/port-config/5432?host=edge-1', { body: { url: 'http://db.example:5432' } })).status, 200);
    assert.deepEqual((await getContainer(api, 'db', 'edge-1')).spec.portConfig, { 5432: 'http://db.example:5432' });
    assertError(await api.request('GET', '/api/containers/db/port-config'), 404, /not found/);
  });
});
