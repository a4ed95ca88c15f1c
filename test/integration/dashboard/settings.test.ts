// The settings pages in Debian's Chromium against a real `vigil serve` child: a setting changed on the page is in
// GET /api/settings and in the Settings resource (a REST route and a resource-API field), a resource-API patch shows
// on the page without a reload, a webhook channel added through the form gets a real test message at a local HTTP
// receiver when its Test button is pressed, a template preview rendered by the server, an API token shown once, a
// user created; a viewer at 390×844 sees the values and no control. axe-core on every section; no console error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startVigil, ADMIN_PASSWORD, ADMIN_USERNAME, type VigilChild } from '../../testbed/vigil.ts';
import { startHttpReceiver, type HttpReceiver } from '../../testbed/http-receiver.ts';
import { startRegistry, TEST_PASSWORD, TEST_USERNAME, type TestRegistry } from '../../testbed/registry.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { assertAccessible, CHROMIUM_FLAGS, eventually, screenshot, signIn, watchErrors } from './browser.ts';
import { buildDashboard } from '../../../web/build.ts';

const SECTIONS = ['scanning', 'updates', 'maintenance', 'hooks', 'metrics', 'notifications', 'registries', 'webhook', 'gitops', 'users', 'account', 'about'];

describe('the settings pages in a real browser', () => {
  let vigil: VigilChild;
  let receiver: HttpReceiver;
  let registry: TestRegistry;
  let browser: Browser;

  const api = async <T>(path: string): Promise<T> => {
    const answer = await fetch(`${vigil.url}${path}`, { headers: vigil.headers(), signal: AbortSignal.timeout(deadlines.request) });
    assert.equal(answer.status, 200, `${path}: ${answer.status}`);
    return (await answer.json()) as T;
  };
  const settingsSpec = async () => (await api<{ spec?: Record<string, unknown> }>('/apis/vigil.dev/v1alpha1/settings/default')).spec ?? {};

  const open = async (page: Page, section: string) => {
    await page.goto(`${vigil.url}/#/settings/${section}`);
    await page.locator('nav.tabs a[aria-current="page"]').waitFor({ timeout: deadlines.request });
  };

  before(async () => {
    await buildDashboard();
    receiver = await startHttpReceiver();
    registry = await startRegistry({ mode: 'token', tokenCredentials: true, name: 'dashboard-settings' });
    vigil = await startVigil();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    await vigil?.stop();
    await receiver?.close();
    await registry?.cleanup();
  });

  test('an admin changes settings on the page and they are in GET /api/settings and the Settings resource', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    // The refused scan concurrency below is a 400 on purpose.
    const errors = watchErrors(page, (text, url) => text.includes('status of 400') && url.endsWith('/api/settings/scan-concurrency'));
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Scanning' }).waitFor({ timeout: deadlines.request });

    // A text setting through its REST route.
    await page.getByLabel('Poll interval').fill('12h');
    await page.locator('[data-setting="poll_interval"]').getByRole('button', { name: 'Save' }).click();
    await eventually('poll_interval', async () => (await api<Record<string, string>>('/api/settings')).poll_interval, (value) => value === '12h0m0s');
    assert.equal((await settingsSpec()).pollInterval, '12h0m0s');
    // A bad value is refused with the server's message, and nothing is stored.
    await page.getByLabel('Scan concurrency').fill('99');
    await page.locator('[data-setting="scan_concurrency"]').getByRole('button', { name: 'Save' }).click();
    await page.locator('.toast-error').getByText(/concurrency/).waitFor({ timeout: deadlines.request });
    assert.equal((await api<Record<string, string>>('/api/settings')).scan_concurrency, '1');
    await assertAccessible(page, 'settings: scanning');
    await page.screenshot({ path: screenshot('settings-desktop') });

    // A toggle, and a field only the resource API has.
    await page.getByRole('link', { name: 'Updates and safety' }).click();
    await page.getByLabel('Dry run').check();
    await eventually('dryRun', async () => (await settingsSpec()).dryRun, (value) => value === true);
    assert.equal((await api<Record<string, string>>('/api/settings')).dry_run, 'true');
    await page.getByLabel('Update concurrency').fill('3');
    await page.locator('[data-setting="update_concurrency"]').getByRole('button', { name: 'Save' }).click();
    await eventually('updateConcurrency', async () => (await settingsSpec()).updateConcurrency, (value) => value === 3);
    await assertAccessible(page, 'settings: updates');

    // A change made elsewhere (kubectl's merge patch) shows on the page without a reload.
    const patched = await fetch(`${vigil.url}/apis/vigil.dev/v1alpha1/settings/default`, {
      method: 'PATCH',
      headers: { ...vigil.headers(), 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { gracePeriod: '2m0s' } }),
    });
    assert.equal(patched.status, 200, await patched.text());
    await eventually('the grace period on the page', () => page.locator('#setting-grace_period').inputValue(), (value) => value === '2m0s');

    await open(page, 'maintenance');
    await page.getByRole('textbox', { name: 'Window' }).fill('Sat 22:00-Sun 06:00');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually('maintenanceWindow', async () => (await settingsSpec()).maintenanceWindow, (value) => value === 'Sat 22:00-Sun 06:00');

    for (const section of SECTIONS) {
      await open(page, section);
      await page.getByRole('heading', { level: 2 }).first().waitFor({ timeout: deadlines.request });
      await assertAccessible(page, `settings: ${section}`);
    }
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a webhook channel added on the page gets a real test message from its Test button; a template preview renders', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    await open(page, 'notifications');
    const form = page.getByRole('form', { name: 'Add a channel' });
    await form.getByLabel('Name').fill('receiver');
    await form.getByLabel('url', { exact: true }).fill(`${receiver.base}/hooks/dashboard`);
    await form.getByRole('button', { name: 'Add channel' }).click();
    const row = page.locator('tr[data-channel="receiver"]');
    await row.waitFor({ timeout: deadlines.request });
    const channels = await api<Array<{ name: string; type: string; settings: Record<string, unknown> }>>('/api/settings/notifications');
    assert.deepEqual(channels.map(({ name, type, settings }) => ({ name, type, url: settings.url })), [{ name: 'receiver', type: 'webhook', url: `${receiver.base}/hooks/dashboard` }]);

    await row.getByRole('button', { name: 'Test' }).click();
    const [message] = await receiver.waitFor(1, (request) => String(request.headers['x-vigil-delivery'] ?? '').startsWith('test/'));
    assert.equal(message?.path, '/hooks/dashboard');
    assert.equal(JSON.parse(message?.body ?? '{}').title, 'Vigil test notification');
    await page.locator('.toast-ok').getByText('test message sent to receiver').waitFor({ timeout: deadlines.request });

    const templates = page.getByRole('region', { name: 'Templates' });
    await templates.getByLabel(/^Template/).fill('Update of {{.ContainerName}} to {{.NewImage}}');
    await templates.getByRole('button', { name: 'Preview' }).click();
    await templates.getByLabel('Preview').getByText('Update of sentinel-test to nginx:1.27.4').waitFor({ timeout: deadlines.request });
    await assertAccessible(page, 'settings: notifications');
    await page.screenshot({ path: screenshot('settings-notifications-desktop') });

    // A channel is removed only after the question is answered.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await row.getByRole('button', { name: 'Remove' }).click();
    assert.equal((await api<unknown[]>('/api/settings/notifications')).length, 1);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a registry credential is tested against the registry itself from the form and from its row, then saved masked', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    await open(page, 'registries');
    const form = page.getByRole('form', { name: 'Add a credential' });
    await form.getByLabel('Registry').fill(registry.server);
    await form.getByLabel('Username').fill(TEST_USERNAME);
    await form.getByLabel('Password or token').fill('not-the-password');
    await form.getByRole('button', { name: 'Test' }).click();
    await page.locator('.toast-error').getByText(`${registry.server}: Invalid credentials`).waitFor({ timeout: deadlines.request });
    await form.getByLabel('Password or token').fill(TEST_PASSWORD);
    await form.getByRole('button', { name: 'Test' }).click();
    await page.locator('.toast-ok').getByText(`${registry.server}: Credentials valid`).waitFor({ timeout: deadlines.request });
    await form.getByRole('button', { name: 'Save credential' }).click();
    const row = page.locator(`tr[data-registry="${registry.server}"]`);
    await row.getByText('****').waitFor({ timeout: deadlines.request });
    assert.equal(await page.getByText(TEST_PASSWORD).count(), 0, 'the secret is not on the page');
    const stored = await api<Record<string, { credential?: { username: string; secret: string } }>>('/api/settings/registries');
    assert.equal(stored[registry.server]?.credential?.username, TEST_USERNAME);
    // The row's Test sends the masked secret: the server tests the stored one.
    const valid = page.locator('.toast-ok', { hasText: `${registry.server}: Credentials valid` });
    await eventually('the form test\'s toast gone', () => valid.count(), (count) => count === 0);
    await row.getByRole('button', { name: 'Test' }).click();
    await valid.waitFor({ timeout: deadlines.request });
    await assertAccessible(page, 'settings: registries');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the webhook secret is shown once and accepted; digest settings saved; about names this server', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    await open(page, 'webhook');
    await page.getByLabel('Inbound webhook').check();
    const secret = (await page.locator('.secret-value').textContent({ timeout: deadlines.request })) ?? '';
    assert.match(secret, /^whs_/);
    assert.equal((await api<{ enabled: boolean }>('/api/settings/webhook-info')).enabled, true);
    // Accepted by the webhook itself (any answer but the secret's 401 and the disabled 403).
    const wrong = await fetch(`${vigil.url}/api/webhook`, { method: 'POST', headers: { 'x-webhook-secret': 'whs_wrong' } });
    assert.equal(wrong.status, 401);
    const right = await fetch(`${vigil.url}/api/webhook`, { method: 'POST', headers: { 'x-webhook-secret': secret } });
    assert.ok(right.status !== 401 && right.status !== 403, `the shown secret is refused: ${right.status} ${await right.text()}`);
    await assertAccessible(page, 'settings: webhook (secret shown)');

    await open(page, 'notifications');
    const digest = page.getByRole('form', { name: 'Digest' });
    await digest.getByLabel('First send at (HH:MM)').fill('07:30');
    await digest.getByRole('button', { name: 'Save digest' }).click();
    await eventually('digest_time', async () => (await api<{ digest_time: string }>('/api/settings/digest')).digest_time, (value) => value === '07:30');

    await open(page, 'about');
    const about = await api<{ version: string; data_directory: string }>('/api/about');
    await page.getByRole('region', { name: 'About' }).getByText(about.version).waitFor({ timeout: deadlines.request });
    await page.getByText(about.data_directory).waitFor({ timeout: deadlines.request });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the account page shows a new API token once; an admin creates a user with a role', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    await open(page, 'account');
    await page.getByLabel('Token name').fill('from-dashboard');
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = (await page.locator('.secret-value').textContent({ timeout: deadlines.request })) ?? '';
    const check = await fetch(`${vigil.url}/api/auth/me`, { headers: { authorization: `Bearer ${shown}` } });
    assert.equal(check.status, 200, 'the token shown works');
    await page.locator('tr[data-token="from-dashboard"]').waitFor({ timeout: deadlines.request });

    await open(page, 'users');
    const form = page.getByRole('form', { name: 'Add a user' });
    await form.getByLabel('Username').fill('operator-ui');
    await form.getByLabel('Password').fill('operator-ui-pass-1');
    await form.getByLabel('Role').selectOption('operator');
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.locator('tr[data-user="operator-ui"]').waitFor({ timeout: deadlines.request });
    const users = await api<Array<{ username: string; role_id: string }>>('/api/auth/users');
    assert.deepEqual(users.find((user) => user.username === 'operator-ui')?.role_id, 'operator');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a viewer at 390×844 sees the settings and no control to change them', async () => {
    const viewer = await vigil.createUser('viewer');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, viewer.username, viewer.password);
    await open(page, 'scanning');
    await page.locator('[data-setting="poll_interval"]').getByText('12h0m0s').waitFor({ timeout: deadlines.request });
    assert.equal(await page.getByRole('button', { name: 'Save' }).count(), 0);
    assert.equal(await page.getByRole('checkbox').count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0);
    await assertAccessible(page, 'settings (viewer, mobile)');
    await page.getByText('Live', { exact: true }).waitFor({ timeout: deadlines.condition });
    await page.screenshot({ path: screenshot('settings-mobile') });
    await open(page, 'notifications');
    await page.locator('tr[data-channel="receiver"]').waitFor({ timeout: deadlines.request });
    assert.equal(await page.getByRole('button', { name: 'Test' }).count(), 0);
    assert.equal(await page.getByRole('form', { name: 'Add a channel' }).count(), 0);
    await assertAccessible(page, 'settings: notifications (viewer, mobile)');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
