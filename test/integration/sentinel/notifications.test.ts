// Notifications through the REST facade: channels are NotificationChannel resources whose secrets live in their own
// Secret, masked on GET and kept when sent back masked; templates in Settings with a preview; per-container modes in
// Container spec.notifyMode; clearing dedup states and triggering a digest are Settings requests; digest settings in
// Settings spec.digest; the digest banner from Settings status and its dismissal in spec; a test send needs the
// notification senders (503 without them; test/integration/notifications sends for real).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DigestEntry, NotificationChannel, Secret, Settings } from '../../../schemas/generated/types.ts';
import { addContainer, assertError, assertShape, getContainer, setStatus, startFacade, type TestApi } from './fixtures.ts';

let api: TestApi;

before(async () => {
  api = await startFacade();
  await addContainer(api, { name: 'nginx' });
  await addContainer(api, { name: 'db', host: 'edge-1' });
});
after(async () => await api.close());

async function channel(name: string): Promise<NotificationChannel> {
  return (await api.resources.get('NotificationChannel', undefined, name)) as unknown as NotificationChannel;
}

async function secretValues(name: string): Promise<Record<string, string>> {
  const secret = (await api.resources.get('Secret', 'vigil-system', name)) as unknown as Secret;
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

async function settings(): Promise<Settings> {
  return (await api.resources.get('Settings', undefined, 'default')) as unknown as Settings;
}

/** Writes Settings status as the notification controller would (it is not part of the facade's test server). */
async function writeSettingsStatus(change: (status: Settings['status']) => Settings['status']): Promise<void> {
  await api.resources.modify('Settings', undefined, 'default', (current) => ({ ...current, status: change(current.status as Settings['status']) }), {
    subresource: 'status',
    fieldManager: 'vigil-notifications',
  });
}

async function writeLastDigest(at: string, listed: DigestEntry[]): Promise<void> {
  await writeSettingsStatus((status) => ({ ...status, lastDigest: at, lastDigestContainers: listed }));
}

const GOTIFY = { id: 'ch1', name: 'Gotify', type: 'gotify', enabled: true, settings: { url: 'http://gotify:8080', token: 'abc123', priority: 5 }, events: ['update_available'] };
const NTFY = { id: 'ch2', name: 'Phone', type: 'ntfy', enabled: false, settings: { server: 'https://ntfy.sh', topic: 'vigil', username: 'me', password: 'pw-1' }, events: [] };
const WEBHOOK = { id: 'Hook_3', name: 'CI', type: 'webhook', enabled: true, settings: { url: 'https://ci.example.com/hook', headers: { Authorization: 'Bearer xyz' } }, events: [] };

describe('notification channels', () => {
  test('PUT saves each channel as a NotificationChannel with its secrets only in its own Secret', async () => {
    const response = await api.request('PUT', '/api/settings/notifications', { body: [GOTIFY, NTFY, WEBHOOK] });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json(), { status: 'ok', message: 'notification settings saved' });
    const gotify = await channel('ch1');
    assert.equal(gotify.spec.type, 'gotify');
    assert.equal(gotify.spec.displayName, 'Gotify');
    assert.deepEqual(gotify.spec.settings, { gotify: { url: 'http://gotify:8080', priority: 5 } });
    assert.deepEqual(gotify.spec.events, ['update_available']);
    assert.deepEqual(gotify.spec.secretRef, { name: 'notification-ch1' });
    assert.ok(!JSON.stringify(gotify).includes('abc123'), 'the token is not in the resource');
    assert.deepEqual(await secretValues('notification-ch1'), { token: 'abc123' });
    assert.equal((await channel('ch2')).spec.enabled, false);
    assert.deepEqual(await secretValues('notification-ch2'), { password: 'pw-1' });
    // An id that is no DNS name gets a resource name of its own; the REST id is kept on the resource.
    const hooks = (await api.resources.list('NotificationChannel')).items.filter((item) => item.metadata.annotations?.['vigil.dev/rest-id'] === 'Hook_3');
    assert.equal(hooks.length, 1);
    assert.match(hooks[0]?.metadata.name ?? '', /^hook-3-[0-9a-f]{8}$/);
  });

  test('GET lists the channels in the saved order with every secret masked', async () => {
    const response = await api.request('GET', '/api/settings/notifications');
    assert.equal(response.status, 200);
    const channels = response.json<Array<Record<string, unknown>>>();
    assert.deepEqual(channels.map((entry) => entry.id), ['ch1', 'ch2', 'Hook_3']);
    for (const entry of channels) assertShape(entry, { id: 'string', type: 'string', name: 'string', enabled: 'boolean', settings: 'object', events: 'array' });
    assert.deepEqual(channels[0]?.settings, { url: 'http://gotify:8080', priority: 5, token: '****' });
    assert.deepEqual(channels[1]?.settings, { server: 'https://ntfy.sh', topic: 'vigil', username: 'me', password: '****' });
    assert.deepEqual(channels[2]?.settings, { url: 'https://ci.example.com/hook', headers: { Authorization: '****' } });
    assert.ok(!response.text.includes('abc123') && !response.text.includes('pw-1') && !response.text.includes('xyz'));
  });

  test('a masked secret sent back keeps the stored one; a new value replaces it; a channel left out is deleted with its Secret', async () => {
    const listed = (await api.request('GET', '/api/settings/notifications')).json<Array<Record<string, unknown>>>();
    const [gotify, ntfy] = listed;
    assert.ok(gotify !== undefined && ntfy !== undefined);
    const renamed = { ...gotify, name: 'Gotify (home)' };
    const newPassword = { ...ntfy, settings: { ...(ntfy.settings as Record<string, unknown>), password: 'pw-2' } };
    const response = await api.request('PUT', '/api/settings/notifications', { body: [renamed, newPassword] });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(await secretValues('notification-ch1'), { token: 'abc123' });
    assert.equal((await channel('ch1')).spec.displayName, 'Gotify (home)');
    assert.deepEqual(await secretValues('notification-ch2'), { password: 'pw-2' });
    const names = (await api.resources.list('NotificationChannel')).items.map((item) => item.metadata.name);
    assert.deepEqual(names.sort(), ['ch1', 'ch2']);
    const secrets = (await api.resources.list('Secret', { namespace: 'vigil-system' })).items.map((item) => item.metadata.name);
    assert.ok(!secrets.some((name) => name?.startsWith('notification-hook-3')), `the left-out channel's Secret is gone: ${secrets.join(', ')}`);
  });

  test('fields REST does not know (templates, retries, maxPending) survive a save', async () => {
    await api.resources.modify('NotificationChannel', undefined, 'ch1', (current) => ({ ...current, spec: { ...(current.spec as object), retries: 1, maxPending: 50 } }));
    const listed = (await api.request('GET', '/api/settings/notifications')).json<unknown[]>();
    assert.equal((await api.request('PUT', '/api/settings/notifications', { body: listed })).status, 200);
    assert.equal((await channel('ch1')).spec.retries, 1);
    assert.equal((await channel('ch1')).spec.maxPending, 50);
  });

  test('bad channels are 400s naming the field, and nothing is saved', async () => {
    const before = (await api.resources.list('NotificationChannel')).items.length;
    assertError(await api.request('PUT', '/api/settings/notifications', { body: [{ id: 'x', type: 'carrier-pigeon' }] }), 400, /^\[0\]\.type: must be one of "gotify"/);
    assertError(await api.request('PUT', '/api/settings/notifications', { body: [{ id: 'x', type: 'gotify', settings: { url: 'http://g' } }] }), 400, /^\[0\]\.settings\.token: required for a gotify channel$/);
    assertError(await api.request('PUT', '/api/settings/notifications', { body: [{ id: 'x', type: 'gotify', settings: { token: 't' } }] }), 400, /^\[0\]\.settings\.url: required for a gotify channel$/);
    assertError(await api.request('PUT', '/api/settings/notifications', { body: [{ id: 'x', type: 'slack', settings: { webhook_url: 'h', colour: 'red' } }] }), 400, /^\[0\]\.settings\.colour: unknown setting for a slack channel/);
    assertError(await api.request('PUT', '/api/settings/notifications', { body: [{ id: 'x', type: 'slack', settings: { webhook_url: 'h' }, events: ['reboot'] }] }), 400, /^\[0\]\.events\[0\]: must be one of update_available/);
    assertError(await api.request('PUT', '/api/settings/notifications', { body: [{ id: 'new', type: 'telegram', settings: { chat_id: '1', bot_token: '12****' } }] }), 400, /^\[0\]\.settings\.bot_token: the value is masked but no value is stored/);
    assertError(await api.request('PUT', '/api/settings/notifications', { body: { channels: [] } }), 400, /^request body must be a JSON array$/);
    assert.equal((await api.resources.list('NotificationChannel')).items.length, before);
  });

  test('event types list every event a channel can filter on', async () => {
    const response = await api.request('GET', '/api/settings/notifications/event-types');
    assert.deepEqual(response.json(), ['update_available', 'version_available', 'update_started', 'update_succeeded', 'update_failed', 'rollback_succeeded', 'rollback_failed', 'container_state', 'digest']);
  });

  test('a channel given as a Shoutrrr URL is saved as its typed spec with the credentials in its Secret; a bad URL is a 400 naming the part', async () => {
    const response = await api.request('PUT', '/api/settings/notifications', { body: [{ id: 'disc', name: 'Discord', url: 'discord://tokenABC@123456789', events: ['update_failed'] }] });
    assert.equal(response.status, 200, response.text);
    const saved = await channel('disc');
    assert.equal(saved.spec.type, 'discord');
    assert.deepEqual(saved.spec.events, ['update_failed']);
    assert.ok(!JSON.stringify(saved).includes('tokenABC'), 'the token is not in the resource');
    assert.deepEqual(await secretValues('notification-disc'), { webhook_url: 'https://discord.com/api/webhooks/123456789/tokenABC' });
    const listed = (await api.request('GET', '/api/settings/notifications')).json<Array<{ id: string; settings: Record<string, string> }>>();
    assert.ok(!JSON.stringify(listed).includes('tokenABC'), 'masked when listed');
    const bad = await api.request('PUT', '/api/settings/notifications', { body: [{ id: 'x', url: 'discord://secretTOKEN@notanumber' }] });
    assertError(bad, 400, /^\[0\]\.url: Shoutrrr URL: webhook id/);
    assert.ok(!bad.text.includes('secretTOKEN'), 'the error does not repeat the token');
    assert.equal((await channel('disc')).spec.type, 'discord', 'nothing changed');
    assertError(await api.request('PUT', '/api/settings/notifications', { body: [{ id: 'y', name: 'neither' }] }), 400, /^\[0\]\.type: required \(or give a Shoutrrr url\)/);
  });

  test('notify-batch-window sets the batching window of every channel; beyond 10m is a 400 and nothing changes', async () => {
    await api.request('PUT', '/api/settings/notifications', { body: [GOTIFY, WEBHOOK] });
    const response = await api.request('POST', '/api/settings/notify-batch-window', { body: { window: '2m' } });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json(), { status: 'ok', window: '2m0s', channels: 2 });
    const windows = (await api.resources.list('NotificationChannel')).items.map((item) => (item as unknown as { spec: { batching?: { window?: string } } }).spec.batching?.window);
    assert.deepEqual(windows, ['2m0s', '2m0s']);
    assertError(await api.request('POST', '/api/settings/notify-batch-window', { body: { window: '11m' } }), 400, /^window: must be between 0s and 10m0s/);
    assert.equal((await channel('ch1')).spec.batching?.window, '2m0s');
    const off = await api.request('POST', '/api/settings/notify-batch-window', { body: { window: '0' } });
    assert.equal(off.json<{ window: string }>().window, '0s');
    assert.equal((await channel('ch1')).spec.batching?.window, '0s');
  });

  test('a test notification answers 503 when the notification senders are not running (the real send: test/integration/notifications)', async () => {
    assertError(await api.request('POST', '/api/settings/notifications/test', { body: { id: 'ch1' } }), 503, /^the notification senders are not running/);
  });
});

describe('notification templates', () => {
  test('PUT stores a template in Settings, GET shows it, DELETE reverts it', async () => {
    const saved = await api.request('PUT', '/api/settings/notifications/templates', { body: { event_type: 'update_available', template: 'Update: {{.ContainerName}}' } });
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.json<Record<string, unknown>>().status, 'ok');
    assert.deepEqual((await settings()).spec?.notificationTemplates, { update_available: 'Update: {{.ContainerName}}' });
    assert.deepEqual((await api.request('GET', '/api/settings/notifications/templates')).json(), { templates: { update_available: 'Update: {{.ContainerName}}' } });
    assert.equal((await api.request('DELETE', '/api/settings/notifications/templates/update_available')).status, 200);
    assert.deepEqual((await api.request('GET', '/api/settings/notifications/templates')).json(), { templates: {} });
    assertError(await api.request('DELETE', '/api/settings/notifications/templates/reboot'), 400, /^type: must be one of/);
  });

  test('a template that does not render is refused when saved', async () => {
    assertError(await api.request('PUT', '/api/settings/notifications/templates', { body: { event_type: 'update_failed', template: '{{.Nope}}' } }), 400, /^template: unknown field \.Nope/);
    assertError(await api.request('PUT', '/api/settings/notifications/templates', { body: { event_type: 'reboot', template: 'x' } }), 400, /^event_type: must be one of/);
  });

  test('preview renders the Go-template placeholders over sample data without escaping anything', async () => {
    const response = await api.request('POST', '/api/settings/notifications/templates/preview', { body: { event_type: 'update_available', template: 'Update: {{.ContainerName}}' } });
    assert.equal(response.status, 200);
    assert.deepEqual(response.json(), { preview: 'Update: sentinel-test' });
    const failed = await api.request('POST', '/api/settings/notifications/templates/preview', {
      body: { event_type: 'update_failed', template: '<b>{{.Title}}</b> {{.OldImage}} -> {{.NewImage}}{{if .Error}} & "{{.Error}}"{{end}}' },
    });
    assert.equal(failed.json<{ preview: string }>().preview, '<b>Update failed</b> nginx:1.27.3 -> nginx:1.27.4 & "health check failed: the container exited with code 1"');
    const emoji = await api.request('POST', '/api/settings/notifications/templates/preview', { body: { event_type: 'version_available', template: '{{.Emoji}} {{.Title}} ({{.Severity}}): {{.ContainerNames}} [{{.ContainerCount}}]' } });
    assert.equal(emoji.json<{ preview: string }>().preview, '🆕 New version available (info): sentinel-test [1]');
    assertError(await api.request('POST', '/api/settings/notifications/templates/preview', { body: { template: '{{range .X}}' } }), 400, /^template: unsupported action \{\{range \.X\}\}/);
    assertError(await api.request('POST', '/api/settings/notifications/templates/preview', { body: { template: '' } }), 400, /template/);
  });
});

describe('per-container notification modes', () => {
  test('POST sets Container spec.notifyMode, GET reads it, default removes it', async () => {
    assert.deepEqual((await api.request('GET', '/api/containers/nginx/notify-pref')).json(), { mode: 'default' });
    const set = await api.request('POST', '/api/containers/nginx/notify-pref', { body: { mode: 'muted' } });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.json(), { status: 'ok', mode: 'muted' });
    assert.equal((await getContainer(api, 'nginx')).spec.notifyMode, 'muted');
    assert.deepEqual((await api.request('GET', '/api/containers/nginx/notify-pref')).json(), { mode: 'muted' });
    assert.equal((await api.request('POST', '/api/containers/db/notify-pref?host=edge-1', { body: { mode: 'digest_only' } })).status, 200);
    assert.deepEqual((await api.request('GET', '/api/settings/container-notify-prefs')).json(), { nginx: { mode: 'muted' }, 'edge-1::db': { mode: 'digest_only' } });
    await api.request('POST', '/api/containers/nginx/notify-pref', { body: { mode: 'default' } });
    assert.equal((await getContainer(api, 'nginx')).spec.notifyMode, undefined);
    assertError(await api.request('POST', '/api/containers/nginx/notify-pref', { body: { mode: 'loud' } }), 400, /^mode: must be one of "default", "every_scan", "digest_only", "muted"/);
    assertError(await api.request('GET', '/api/containers/ghost/notify-pref'), 404, /container "ghost" not found/);
  });

  test('DELETE /api/notify-states writes the Settings request the notification controller handles', async () => {
    await setStatus(api, 'nginx', (status) => ({ ...status, notify: { lastNotifiedDigest: `sha256:${'3'.repeat(64)}`, lastNotifiedAt: '2026-11-22T10:00:00Z' } }));
    const response = await api.request('DELETE', '/api/notify-states');
    assert.equal(response.status, 200, response.text);
    assertShape(response.json(), { status: 'string', cleared: 'number', message: 'string' });
    assert.equal(response.json<{ cleared: number }>().cleared, 1);
    const request = (await settings()).spec?.resetNotifyStates;
    assert.equal(request?.requestedAt, api.clock.now().toISOString());
    assert.equal(request?.requestedBy, 'admin');
  });
});

describe('digest', () => {
  test('GET shows the digest settings as text with their defaults; POST stores the given fields only', async () => {
    const initial = (await api.request('GET', '/api/settings/digest')).json<Record<string, unknown>>();
    assert.deepEqual(initial, { digest_enabled: 'false', digest_time: '09:00', digest_interval: '24h', default_notify_mode: 'default' });
    const saved = await api.request('POST', '/api/settings/digest', { body: { digest_enabled: true, digest_time: '07:30' } });
    assert.deepEqual(saved.json(), { status: 'ok', message: 'digest settings saved' });
    assert.deepEqual((await settings()).spec?.digest, { enabled: true, time: '07:30' });
    await api.request('POST', '/api/settings/digest', { body: { digest_interval: '12h' } });
    assert.deepEqual((await settings()).spec?.digest, { enabled: true, time: '07:30', interval: '12h0m0s' });
    assertError(await api.request('POST', '/api/settings/digest', { body: { digest_time: '25:00' } }), 400, /^digest_time: must be a time of day HH:MM/);
    assertError(await api.request('POST', '/api/settings/digest', { body: { digest_interval: '30m' } }), 400, /^digest_interval: must be between 1h0m0s and 168h0m0s/);
    assertError(await api.request('POST', '/api/settings/digest', { body: { default_notify_mode: 'muted' } }), 400, /^default_notify_mode: /);
  });

  test('triggering a digest writes the Settings request the notification controller handles, later than the last one handled', async () => {
    const response = await api.request('POST', '/api/digest/trigger');
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json(), { status: 'ok', message: 'digest triggered' });
    const first = (await settings()).spec?.sendDigest;
    assert.equal(first?.requestedAt, api.clock.now().toISOString());
    assert.equal(first?.requestedBy, 'admin');
    // Once the controller has handled it, a trigger in the same millisecond is still a new request.
    await writeSettingsStatus((status) => ({ ...status, handledRequests: { ...status?.handledRequests, sendDigest: first?.requestedAt ?? '' } }));
    await api.request('POST', '/api/digest/trigger');
    assert.ok(Date.parse((await settings()).spec?.sendDigest?.requestedAt ?? '') > Date.parse(first?.requestedAt ?? ''));
  });

  test('the banner is empty before any digest was sent', async () => {
    assert.deepEqual((await api.request('GET', '/api/digest/banner')).json(), { pending: [], count: 0 });
  });

  test('the banner lists what the last digest listed; dismissing hides it until a newer digest', async () => {
    const listed = [
      { host: 'local', name: 'nginx', currentVersion: '1.25', targetVersion: '1.27', waitingSince: '2026-11-20T08:00:00Z' },
      { host: 'edge-1', name: 'db', currentVersion: '15', targetVersion: '16' },
    ];
    await writeLastDigest(api.clock.now().toISOString(), listed);
    assert.deepEqual((await api.request('GET', '/api/digest/banner')).json(), { pending: ['nginx', 'edge-1::db'], count: 2 });

    api.clock.advance(60_000);
    const dismissed = await api.request('POST', '/api/digest/banner/dismiss');
    assert.equal(dismissed.status, 200, dismissed.text);
    assert.deepEqual(dismissed.json(), { status: 'ok', message: 'banner dismissed' });
    assert.equal((await settings()).spec?.digestBannerDismissed?.requestedAt, api.clock.now().toISOString());
    assert.deepEqual((await api.request('GET', '/api/digest/banner')).json(), { pending: [], count: 0 });

    api.clock.advance(60_000);
    await writeLastDigest(api.clock.now().toISOString(), listed.slice(1));
    assert.deepEqual((await api.request('GET', '/api/digest/banner')).json(), { pending: ['edge-1::db'], count: 1 });
  });
});
