// Passkey management on the dashboard's Account section, in Debian's Chromium with the DevTools virtual authenticator
// (CTAP2, resident keys, user verification) against a real `vigil serve` child on http://localhost:PORT: hidden until
// Settings passkeys.publicUrl is set (then shown without a reload), a passkey added under a name from the form (the
// authenticator holds a discoverable credential, the server lists it), a sign-in with it from the sign-in page's
// button, and its deletion from the page (asks; dismissed keeps it). axe-core; no console error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { ADMIN_PASSWORD, ADMIN_USERNAME, startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { addAuthenticator, credentialsOf } from '../auth/passkey-browser.ts';
import { assertAccessible, CHROMIUM_FLAGS, eventually, watchErrors } from './browser.ts';
import { buildDashboard } from '../../../web/build.ts';

describe('passkeys on the Account section in a real browser', () => {
  let vigil: VigilChild;
  let browser: Browser;

  const api = async (method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: unknown }> => {
    const answer = await fetch(`${vigil.url}${path}`, {
      method,
      headers: { ...vigil.headers(), ...(body === undefined ? {} : { 'content-type': contentType }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(deadlines.request),
    });
    const text = await answer.text();
    return { status: answer.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
  const origin = (): string => `http://localhost:${new URL(vigil.url).port}`;

  before(async () => {
    await buildDashboard();
    vigil = await startVigil();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    await vigil?.stop();
  });

  test('configured elsewhere, the part appears; a passkey added from the form signs in, and is deleted from the page', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(deadlines.request);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const authenticatorId = await addAuthenticator(cdp);
    const errors = watchErrors(page);

    await page.goto(`${origin()}/`);
    await page.getByLabel('Username').fill(ADMIN_USERNAME);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Containers' }).waitFor();
    await page.goto(`${origin()}/#/settings/account`);
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Passkeys' }).count(), 0, 'hidden while passkeys are not configured');

    // An admin configures passkeys with kubectl: the open page follows the Settings watch.
    const patched = await api('PATCH', '/apis/vigil.dev/v1alpha1/settings/default', { spec: { passkeys: { publicUrl: origin() } } }, 'application/merge-patch+json');
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await page.getByRole('heading', { name: 'Passkeys' }).waitFor({ timeout: deadlines.condition });
    await page.getByText('No passkey yet.').waitFor();

    await page.getByLabel('Passkey name').fill('Laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.locator('tr[data-passkey="Laptop"]').waitFor({ timeout: deadlines.condition });
    const stored = await credentialsOf(cdp, authenticatorId);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.isResidentCredential, true, 'a discoverable credential (usernameless sign-in)');
    const listed = await api('GET', '/api/auth/passkeys');
    assert.deepEqual((listed.body as Array<{ name: string }>).map((entry) => entry.name), ['Laptop']);
    await assertAccessible(page, 'account with a passkey');

    // Signed out, then in with the passkey alone.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    // Signed in again on the page it was on.
    await page.getByRole('heading', { name: 'API tokens' }).waitFor({ timeout: deadlines.condition });
    const row = page.locator('tr[data-passkey="Laptop"]');
    await eventually('last used shown', () => row.locator('td[data-label="Last used"]').innerText(), (text) => text !== 'never' && text !== '');

    page.once('dialog', (dialog) => void dialog.dismiss());
    await row.getByRole('button', { name: 'Delete' }).click();
    assert.equal(((await api('GET', '/api/auth/passkeys')).body as unknown[]).length, 1, 'dismissed: kept');
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No passkey yet.').waitFor({ timeout: deadlines.condition });
    assert.deepEqual((await api('GET', '/api/auth/passkeys')).body, []);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
