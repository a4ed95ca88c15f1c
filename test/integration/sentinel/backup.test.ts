// The configuration backup through the REST facade: the export in Sentinel's format with every secret redacted unless
// ?secrets=true, and the import: redacted values skipped (the stored ones kept), unknown keys and bad values refused
// with nothing written, and the 5 MB limit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret, Settings } from '../../../schemas/generated/types.ts';
import { assertError, assertShape, startFacade, type TestApi } from './fixtures.ts';

let api: TestApi;

const GOTIFY = { id: 'ch1', name: 'Gotify', type: 'gotify', enabled: true, settings: { url: 'http://gotify:8080', token: 'tok-1' }, events: [] };

before(async () => {
  api = await startFacade();
  assert.equal((await api.request('POST', '/api/settings/poll-interval', { body: { interval: '2h' } })).status, 200);
  assert.equal((await api.request('PUT', '/api/settings/notifications', { body: [GOTIFY] })).status, 200);
});
after(async () => await api.close());

async function settings(): Promise<Settings> {
  return (await api.resources.get('Settings', undefined, 'default')) as unknown as Settings;
}

async function channelToken(): Promise<string> {
  const secret = (await api.resources.get('Secret', 'vigil-system', 'notification-ch1')) as unknown as Secret;
  return Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8');
}

describe('GET /api/config/export', () => {
  test('answers the documented shape as a download, secrets redacted', async () => {
    const response = await api.request('GET', '/api/config/export');
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-disposition']), /^attachment; filename="vigil-config-\d{8}\.json"$/);
    const backup = response.json<Record<string, unknown> & { settings: Record<string, string>; notifications: Array<{ settings: Record<string, unknown> }> }>();
    assertShape(backup, { version: 'string', exported_at: 'string', settings: 'object', notifications: 'array', registries: 'array' });
    assert.equal(backup.version, '1');
    assert.equal(backup.exported_at, api.clock.now().toISOString().replace('.000Z', 'Z'));
    assert.equal(backup.settings.poll_interval, '2h0m0s');
    assert.equal(backup.notifications[0]?.settings.token, '***REDACTED***');
    assert.ok(!response.text.includes('tok-1'));
  });

  test('?secrets=true includes them', async () => {
    const backup = (await api.request('GET', '/api/config/export?secrets=true')).json<{ notifications: Array<{ settings: Record<string, unknown> }> }>();
    assert.equal(backup.notifications[0]?.settings.token, 'tok-1');
  });
});

describe('POST /api/config/import', () => {
  test('a redacted export imports back: settings applied, redacted secrets skipped and the stored ones kept', async () => {
    const backup = (await api.request('GET', '/api/config/export')).json<{ settings: Record<string, string> }>();
    backup.settings.poll_interval = '3h';
    const response = await api.request('POST', '/api/config/import', { body: backup });
    assert.equal(response.status, 200, response.text);
    const result = response.json<Record<string, unknown>>();
    assertShape(result, { message: 'string', settings_imported: 'number', notifications_imported: 'number', registries_imported: 'number', redacted_skipped: 'number', warnings: 'array' });
    assert.equal(result.notifications_imported, 1);
    assert.ok(Number(result.redacted_skipped) >= 1);
    assert.equal((await settings()).spec?.pollInterval, '3h0m0s');
    assert.equal(await channelToken(), 'tok-1');
  });

  test('an unknown setting key or a bad value is a 400 naming it, and nothing is written', async () => {
    const before = (await settings()).metadata.resourceVersion;
    assertError(await api.request('POST', '/api/config/import', { body: { version: '1', settings: { poll_interval: '4h', colour: 'red' } } }), 400, /^settings: unknown setting key "colour"/);
    assertError(await api.request('POST', '/api/config/import', { body: { version: '1', settings: { poll_interval: '1m' } } }), 400, /^settings\.poll_interval: /);
    assertError(await api.request('POST', '/api/config/import', { body: { settings: {} } }), 400, /^version: missing/);
    assertError(await api.request('POST', '/api/config/import', { text: '[1,2]' }), 400, /must be a JSON object/);
    assert.equal((await settings()).metadata.resourceVersion, before);
  });

  test('a backup over 5 MB is refused (413)', async () => {
    const huge = JSON.stringify({ version: '1', settings: {}, padding: 'x'.repeat(5 * 1024 * 1024) });
    assertError(await api.request('POST', '/api/config/import', { text: huge }), 413, /larger than 5 MB/);
  });
});
