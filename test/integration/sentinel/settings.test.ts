// Global settings through the REST facade: GET /api/settings merges the SENTINEL_* names and the runtime keys from
// Settings `default`; every POST /api/settings/* changes the resource (merge patch, field manager vigil-rest) and
// answers {"status":"ok", <field>, "message"}; ranges, formats and types are 400s naming the field; features that are
// server options or come later answer 501.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Settings } from '../../../schemas/generated/types.ts';
import { assertError, assertShape, startFacade, type TestApi } from './fixtures.ts';

let api: TestApi;

before(async () => {
  api = await startFacade();
});
after(async () => await api.close());

async function settings(): Promise<Settings> {
  return (await api.resources.get('Settings', undefined, 'default')) as unknown as Settings;
}

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await api.request('POST', `/api/settings/${path}`, { body });
  assert.equal(response.status, 200, `${path}: ${response.text}`);
  const answer = response.json<Record<string, unknown>>();
  assert.equal(answer.status, 'ok', path);
  assert.equal(typeof answer.message, 'string', path);
  return answer;
}

describe('GET /api/settings', () => {
  test('answers every setting as text, under its SENTINEL_* name and its runtime key, with built-in defaults before anything is stored', async () => {
    const response = await api.request('GET', '/api/settings');
    assert.equal(response.status, 200);
    const view = response.json<Record<string, unknown>>();
    for (const [key, value] of Object.entries(view)) assert.equal(typeof value, 'string', `${key} is text`);
    assert.equal(view.SENTINEL_POLL_INTERVAL, '6h');
    assert.equal(view.poll_interval, '6h');
    assert.equal(view.default_policy, 'manual');
    assert.equal(view.SENTINEL_DEFAULT_POLICY, 'manual');
    assert.equal(view.paused, 'false');
    assert.equal(view.grace_period, '30s');
    assert.equal(view.image_cleanup, 'true');
    assert.equal(view.schedule, '');
    assert.equal(view.scan_concurrency, '1');
    assert.equal(view.metrics_enabled, 'false');
  });
});

describe('POST /api/settings/*', () => {
  test('poll-interval stores the interval in Settings and echoes it the way Go prints durations', async () => {
    const answer = await post('poll-interval', { interval: '4h' });
    assert.deepEqual(answer, { status: 'ok', interval: '4h0m0s', message: 'poll interval updated to 4h0m0s' });
    const stored = await settings();
    assert.equal(stored.spec?.pollInterval, '4h0m0s');
    const manager = stored.metadata.managedFields?.find((entry) => entry.manager === 'vigil-rest');
    assert.ok(manager !== undefined, 'the change is recorded under the field manager vigil-rest');
    const view = (await api.request('GET', '/api/settings')).json<Record<string, string>>();
    assert.equal(view.poll_interval, '4h0m0s');
    assert.equal(view.SENTINEL_POLL_INTERVAL, '4h0m0s');
  });

  test('poll-interval outside 5m to 24h is a 400 naming the field, and nothing changes', async () => {
    assertError(await api.request('POST', '/api/settings/poll-interval', { body: { interval: '1m' } }), 400, /^interval: must be between 5m0s and 24h0m0s \(got "1m"\)$/);
    assertError(await api.request('POST', '/api/settings/poll-interval', { body: { interval: '25h' } }), 400, /^interval: must be between/);
    assertError(await api.request('POST', '/api/settings/poll-interval', { body: { interval: 'soon' } }), 400, /^interval: invalid duration "soon"/);
    assertError(await api.request('POST', '/api/settings/poll-interval', { body: { interval: 3600 } }), 400, /^interval: must be a string/);
    assertError(await api.request('POST', '/api/settings/poll-interval', { body: {} }), 400, /missing required field "interval"/);
    assertError(await api.request('POST', '/api/settings/poll-interval', { text: '{"interval":', contentType: 'application/json' }), 400, /./);
    assert.equal((await settings()).spec?.pollInterval, '4h0m0s');
  });

  test('grace-period takes 0 to 10m', async () => {
    assert.deepEqual(await post('grace-period', { duration: '90s' }), { status: 'ok', duration: '1m30s', message: 'grace period set to 1m30s' });
    assert.equal((await settings()).spec?.gracePeriod, '1m30s');
    assert.equal((await post('grace-period', { duration: '0s' })).duration, '0s');
    assertError(await api.request('POST', '/api/settings/grace-period', { body: { duration: '11m' } }), 400, /^duration: must be between 0s and 10m0s/);
  });

  test('default-policy and rollback-policy take their documented values only', async () => {
    assert.equal((await post('default-policy', { policy: 'auto' })).policy, 'auto');
    assert.equal((await settings()).spec?.defaultPolicy, 'auto');
    assertError(await api.request('POST', '/api/settings/default-policy', { body: { policy: 'sometimes' } }), 400, /^policy: must be one of "auto", "manual", "pinned"/);
    assert.equal((await post('rollback-policy', { policy: 'pinned' })).policy, 'pinned');
    assert.equal((await post('rollback-policy', { policy: '' })).policy, 'none');
    assert.equal((await settings()).spec?.rollbackPolicy, 'none');
    assertError(await api.request('POST', '/api/settings/rollback-policy', { body: { policy: 'auto' } }), 400, /^policy: must be one of/);
  });

  test('every on/off setting stores a boolean and refuses anything else', async () => {
    const toggles: Array<[string, keyof NonNullable<Settings['spec']>]> = [
      ['latest-auto-update', 'latestAutoUpdate'], ['image-cleanup', 'imageCleanup'], ['image-backup', 'imageBackup'],
      ['hooks-enabled', 'hooksEnabled'], ['hooks-write-labels', 'hooksWriteLabels'], ['dependency-aware', 'dependencyAware'],
      ['dry-run', 'dryRun'], ['pull-only', 'pullOnly'], ['show-stopped', 'showStopped'], ['remove-volumes', 'removeVolumes'],
      ['compose-sync', 'composeSync'],
    ];
    for (const [path, field] of toggles) {
      const answer = await post(path, { enabled: true });
      assert.equal(answer.enabled, true, path);
      assert.match(String(answer.message), /enabled$/, path);
      assert.equal((await settings()).spec?.[field], true, field);
      await post(path, { enabled: false });
      assert.equal((await settings()).spec?.[field], false, field);
      assertError(await api.request('POST', `/api/settings/${path}`, { body: { enabled: 'yes' } }), 400, /^enabled: must be a boolean \(got "yes"\)$/);
    }
    assert.deepEqual(await post('pause', { paused: true }), { status: 'ok', paused: true, message: 'scheduler paused' });
    assert.equal((await settings()).spec?.paused, true);
  });

  test('schedule is validated as a 5-field cron, and an empty one removes it', async () => {
    assert.deepEqual(await post('schedule', { schedule: '0  3 * * *' }), { status: 'ok', schedule: '0 3 * * *', message: 'schedule set to 0 3 * * *' });
    assert.equal((await settings()).spec?.schedule, '0 3 * * *');
    assertError(await api.request('POST', '/api/settings/schedule', { body: { schedule: '0 3 * *' } }), 400, /^schedule: invalid cron expression "0 3 \* \*": expected 5 fields/);
    assertError(await api.request('POST', '/api/settings/schedule', { body: { schedule: '0 25 * * *' } }), 400, /^schedule: invalid cron expression .*out of range/);
    await post('schedule', { schedule: '' });
    assert.equal((await settings()).spec?.schedule, undefined);
  });

  test('maintenance-window is validated, weekend spans included, and an empty one removes it', async () => {
    assert.equal((await post('maintenance-window', { window: 'Fri 22:00-Mon 06:00' })).window, 'Fri 22:00-Mon 06:00');
    assert.equal((await settings()).spec?.maintenanceWindow, 'Fri 22:00-Mon 06:00');
    assertError(await api.request('POST', '/api/settings/maintenance-window', { body: { window: 'weekends' } }), 400, /^window: invalid maintenance window/);
    await post('maintenance-window', { window: '' });
    assert.equal((await settings()).spec?.maintenanceWindow, undefined);
  });

  test('scan-concurrency takes a whole number from 1 to 32', async () => {
    assert.deepEqual(await post('scan-concurrency', { concurrency: 4 }), { status: 'ok', concurrency: 4, message: 'scan concurrency set to 4' });
    assert.equal((await settings()).spec?.scanConcurrency, 4);
    assertError(await api.request('POST', '/api/settings/scan-concurrency', { body: { concurrency: 0 } }), 400, /^concurrency: must be a whole number from 1 to 32/);
    assertError(await api.request('POST', '/api/settings/scan-concurrency', { body: { concurrency: 33 } }), 400, /^concurrency: must be a whole number from 1 to 32/);
    assertError(await api.request('POST', '/api/settings/scan-concurrency', { body: { concurrency: 2.5 } }), 400, /^concurrency: must be an integer \(got 2\.5\)$/);
  });

  test('version-scope stores the global mode and maps per-container scopes onto it, saying so', async () => {
    assert.deepEqual(await post('version-scope', { scope: 'strict' }), { status: 'ok', scope: 'strict', message: 'default version scope set to strict' });
    assert.equal((await settings()).spec?.versionScope, 'strict');
    const mapped = await post('version-scope', { scope: 'minor' });
    assert.equal(mapped.scope, 'default');
    assert.equal(mapped.requested, 'minor');
    assert.match(String(mapped.message), /minor is a per-container scope/);
    assert.equal((await settings()).spec?.versionScope, 'default');
    assertError(await api.request('POST', '/api/settings/version-scope', { body: { scope: 'newest' } }), 400, /^scope: must be one of "strict", "default"/);
  });

  test('update-delay accepts days and Go durations, and empty clears it', async () => {
    assert.deepEqual(await post('update-delay', { delay: '1h' }), { status: 'ok', delay: '1h0m0s', message: 'update delay set to 1h0m0s' });
    assert.equal((await settings()).spec?.updateDelay, '1h0m0s');
    assert.equal((await post('update-delay', { delay: '3d' })).delay, '72h0m0s');
    assert.equal((await settings()).spec?.updateDelay, '3d');
    await post('update-delay', { delay: '' });
    assert.equal((await settings()).spec?.updateDelay, undefined);
    assertError(await api.request('POST', '/api/settings/update-delay', { body: { delay: 'later' } }), 400, /^delay: invalid duration/);
  });

  test('filters, stack order and dashboard columns store lists without blanks or duplicates', async () => {
    assert.deepEqual(await post('filters', { patterns: ['test-*', ' test-* ', '', 'tmp-?'] }), { status: 'ok', patterns: ['test-*', 'tmp-?'], message: 'filters updated' });
    assert.deepEqual((await settings()).spec?.filters, ['test-*', 'tmp-?']);
    assert.equal((await api.request('GET', '/api/settings')).json<Record<string, string>>().filters, 'test-*\ntmp-?');
    assert.deepEqual((await post('stack-order', { order: ['web', 'db'] })).order, ['web', 'db']);
    assert.deepEqual((await settings()).spec?.stackOrder, ['web', 'db']);
    assert.deepEqual((await post('dashboard-columns', { columns: ['image', 'status'] })).columns, ['image', 'status']);
    assert.deepEqual((await settings()).spec?.dashboardColumns, ['image', 'status']);
    assertError(await api.request('POST', '/api/settings/filters', { body: { patterns: 'test-*' } }), 400, /^patterns: must be an array \(got "test-\*"\)$/);
    await post('filters', { patterns: [] });
    assert.equal((await settings()).spec?.filters, undefined);
  });

  test('ha-discovery stores its settings in spec.haDiscovery', async () => {
    assert.deepEqual(await post('ha-discovery', { enabled: true, prefix: 'ha' }), { status: 'ok', enabled: true, message: 'Home Assistant discovery enabled' });
    assert.deepEqual((await settings()).spec?.haDiscovery, { enabled: true, discoveryPrefix: 'ha' });
    await post('ha-discovery', { enabled: true, allow_install: true, channel: 'broker' });
    assert.deepEqual((await settings()).spec?.haDiscovery, { enabled: true, discoveryPrefix: 'ha', channelRef: 'broker', allowInstall: true });
    assertError(await api.request('POST', '/api/settings/ha-discovery', { body: { enabled: true, allow_install: 'yes' } }), 400, /allow_install/);
  });

  test('server options and features that come later answer 501 in the envelope; an unknown general key is a 400', async () => {
    assertError(await api.request('POST', '/api/settings/general', { body: { key: 'web_port', value: '9090' } }), 501, /web_port.*--port/);
    assertError(await api.request('POST', '/api/settings/general', { body: { key: 'colour', value: 'blue' } }), 400, /^key: unknown setting "colour"/);
    assertError(await api.request('POST', '/api/settings/switch-role', { body: { role: 'server' } }), 501, /not implemented/);
    assertError(await api.request('POST', '/api/settings/docker-tls', { body: { ca: 'a', cert: 'b', key: 'c' } }), 501, /Host resource/);
    assertError(await api.request('POST', '/api/settings/docker-tls-test', { body: {} }), 501, /not implemented/);
  });

  test('a setting git owns is refused with 409, since the next sync would restore it', async () => {
    await api.resources.apply({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { gracePeriod: '45s' } }, { fieldManager: 'vigil-gitops', force: true });
    assertError(await api.request('POST', '/api/settings/grace-period', { body: { duration: '10s' } }), 409, /set in git/);
    assert.equal((await settings()).spec?.gracePeriod, '45s');
    await api.resources.apply({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' } }, { fieldManager: 'vigil-gitops' });
  });
});

describe('release sources', () => {
  test('PUT replaces Settings releaseSources and GET shows them in the reference shape', async () => {
    const response = await api.request('PUT', '/api/release-sources', { body: [{ image_pattern: 'nginx', github_repo: 'nginx/nginx' }, { image_pattern: 'ghcr.io/org/*', github_repo: 'org/app' }] });
    assert.equal(response.status, 200, response.text);
    assertShape(response.json(), { status: 'string', count: 'number', message: 'string' });
    assert.deepEqual((await settings()).spec?.releaseSources, [{ imagePattern: 'nginx', githubRepo: 'nginx/nginx' }, { imagePattern: 'ghcr.io/org/*', githubRepo: 'org/app' }]);
    const read = await api.request('GET', '/api/release-sources');
    assert.deepEqual(read.json(), [{ image_pattern: 'nginx', github_repo: 'nginx/nginx' }, { image_pattern: 'ghcr.io/org/*', github_repo: 'org/app' }]);
    assertError(await api.request('PUT', '/api/release-sources', { body: [{ image_pattern: 'x', github_repo: 'not a repo' }] }), 400, /^\[0\]\.github_repo: must be OWNER\/REPO/);
    assertError(await api.request('PUT', '/api/release-sources', { body: [{ image_pattern: 'x' }] }), 400, /^missing required field "\[0\]\.github_repo"$/);
  });
});
