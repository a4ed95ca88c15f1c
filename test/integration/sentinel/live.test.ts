// About, rate limits, /metrics and the Grafana dashboard, and the inbound webhook through the REST facade. The
// webhook's registry checks are a fake that holds what was asked (the real ones are issue 5's controllers).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { CheckAnswer, RegistryChecks } from '../../../apiserver/sentinel/context.ts';
import { ControllerMetrics } from '../../../controllers/runtime/metrics.ts';
import { startApi } from '../apiserver/fixtures/api.ts';
import { addContainer, addRecord, assertError, assertShape, putSettings, type TestApi } from './fixtures.ts';

/** Registry checks that remember what they were asked: images to check and scans requested. */
class RecordingChecks implements RegistryChecks {
  images: string[] = [];
  scans: string[] = [];

  async checkNow(): Promise<CheckAnswer> {
    return { outcome: 'up_to_date', newerVersions: [] };
  }

  async checkImage(image: string): Promise<{ repository: string; containers: [] }> {
    this.images.push(image);
    return { repository: image, containers: [] };
  }

  async scan(options: { requestedBy: string }): Promise<string> {
    this.scans.push(options.requestedBy);
    return new Date(0).toISOString();
  }
}

let api: TestApi;
const checks = new RecordingChecks();

before(async () => {
  // One registry for the app and the controller manager, as `vigil serve` has it (the manager's metrics are made here).
  const metricsRegistry = new Registry();
  ControllerMetrics.for(metricsRegistry).initController('inventory');
  api = await startApi({ app: { sentinel: { checks }, metricsRegistry } });
  await addContainer(api, { name: 'nginx' });
  await addContainer(api, { name: 'gone', status: { state: 'gone' } });
  await addRecord(api, { type: 'update', outcome: 'success', containerName: 'nginx', container: 'nginx', finishedAt: '2026-11-22T14:00:00Z' });
  await addRecord(api, { type: 'update', outcome: 'failed', containerName: 'nginx', container: 'nginx', finishedAt: '2026-11-22T14:10:00Z' });
  assert.equal((await api.request('PUT', '/api/settings/notifications', { body: [{ id: 'ch1', name: 'Gotify', type: 'gotify', settings: { url: 'http://g', token: 't' }, events: [] }] })).status, 200);
});
after(async () => await api.close());

describe('GET /api/about and /api/ratelimits', () => {
  test('about answers every documented field with its type, counting present containers and successful updates', async () => {
    api.clock.advance(((3 * 24 + 12) * 60 + 5) * 60_000);
    const about = (await api.request('GET', '/api/about')).json<Record<string, unknown>>();
    assertShape(about, {
      version: 'string', commit: 'string', go_version: 'string', data_directory: 'string', uptime: 'string', started_at: 'string', poll_interval: 'string',
      last_scan: 'null', containers: 'number', updates_applied: 'number', snapshots: 'number', channels: 'array', registries: 'array',
    });
    assert.equal(about.uptime, '3d 12h 5m');
    assert.deepEqual({ containers: about.containers, updates_applied: about.updates_applied, channels: about.channels }, { containers: 1, updates_applied: 1, channels: [{ name: 'Gotify', type: 'gotify' }] });
  });

  test('rate limits answer the overall health and one entry per registry', async () => {
    const limits = (await api.request('GET', '/api/ratelimits')).json<Record<string, unknown>>();
    assert.deepEqual(limits, { health: 'ok', registries: [] });
  });
});

describe('/metrics and the Grafana dashboard', () => {
  test('/metrics is a 404 until enabled in Settings, then the Prometheus exposition with Vigil metrics', async () => {
    assertError(await api.request('GET', '/metrics'), 404, /metrics are disabled/);
    await putSettings(api, { metrics: { enabled: true } });
    const response = await api.request('GET', '/metrics');
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    for (const family of ['vigil_containers', 'vigil_queue_pending', 'vigil_updates_total', 'vigil_scans_total']) {
      assert.match(response.text, new RegExp(`^# TYPE ${family} `, 'm'), family);
    }
  });

  test('the Grafana dashboard is a download whose panels query served metric families', async () => {
    const response = await api.request('GET', '/api/grafana-dashboard');
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-disposition']), /^attachment; filename="vigil-grafana-dashboard\.json"$/);
    const dashboard = response.json<{ title?: unknown; panels?: Array<{ targets?: Array<{ expr?: string }> }> }>();
    assert.equal(typeof dashboard.title, 'string');
    const expressions = (dashboard.panels ?? []).flatMap((panel) => panel.targets ?? []).map((target) => target.expr ?? '');
    assert.ok(expressions.length > 0);
    const served = (await api.request('GET', '/metrics')).text;
    for (const expression of expressions) {
      for (const name of expression.match(/vigil_[a-z_]+/g) ?? []) {
        const family = name.replace(/_(bucket|sum|count)$/, '');
        assert.match(served, new RegExp(`^# TYPE ${family} `, 'm'), `${expression} queries ${family}, which /metrics serves`);
      }
    }
  });
});

describe('POST /api/webhook', () => {
  async function hook(body: string, secret: string | undefined): Promise<Awaited<ReturnType<TestApi['request']>>> {
    return await api.request('POST', '/api/webhook', { text: body, anonymous: true, headers: secret === undefined ? {} : { 'x-webhook-secret': secret } });
  }

  let secret = '';

  test('disabled answers 403; enabling makes a secret shown once; a wrong or missing secret is a 401', async () => {
    assertError(await hook('{}', 'x'), 403, /webhooks are disabled/);
    const enabled = (await api.request('POST', '/api/settings/webhook-enabled', { body: { enabled: true } })).json<{ secret?: string }>();
    secret = enabled.secret ?? '';
    assert.ok(secret.length >= 16);
    const info = (await api.request('GET', '/api/settings/webhook-info')).json<Record<string, unknown>>();
    assert.equal(info.enabled, true);
    assert.notEqual(info.secret, secret);
    assertError(await hook('{}', 'wrong'), 401, /invalid or missing webhook secret/);
    assertError(await hook('{}', undefined), 401, /invalid or missing webhook secret/);
    assert.deepEqual({ images: checks.images, scans: checks.scans }, { images: [], scans: [] });
  });

  test('Docker Hub, GHCR and generic payloads check the named image', async () => {
    const dockerHub = await hook('{"push_data":{"tag":"latest"},"repository":{"repo_name":"myuser/myapp"}}', secret);
    assert.equal(dockerHub.status, 200, dockerHub.text);
    assert.deepEqual(dockerHub.json(), { status: 'accepted', image: 'myuser/myapp', tag: 'latest', source: 'dockerhub' });
    const ghcr = await hook('{"action":"published","package":{"name":"App","namespace":"Org","package_version":{"container_metadata":{"tag":{"name":"1.2"}}}}}', secret);
    assert.deepEqual(ghcr.json(), { status: 'accepted', image: 'ghcr.io/org/app', tag: '1.2', source: 'ghcr' });
    const generic = await hook('{"image":"localhost:5000/team/app:2.0"}', secret);
    assert.deepEqual(generic.json(), { status: 'accepted', image: 'localhost:5000/team/app', tag: '2.0', source: 'generic' });
    assert.deepEqual(checks.images, ['myuser/myapp:latest', 'ghcr.io/org/app:1.2', 'localhost:5000/team/app:2.0']);
    assert.deepEqual(checks.scans, []);
  });

  test('an unknown payload, or no JSON at all, asks for a full scan', async () => {
    assert.deepEqual((await hook('{"hello":"world"}', secret)).json(), { status: 'accepted', image: '', tag: '', source: 'unknown' });
    assert.equal((await hook('not json', secret)).status, 200);
    assert.deepEqual(checks.scans, ['webhook', 'webhook']);
  });
});
