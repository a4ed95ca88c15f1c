// First run and sign-in through the dashboard's forms in Debian's Chromium against a real `vigil serve` child left
// unset-up: the setup page names the token file, the form makes the first admin (the server then writes its
// kubeconfig, as after an API setup), sign out returns to the sign-in form, a wrong password is shown as the server's
// error, the right one signs in. axe-core on both forms; no console error beyond the failed requests these steps make.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { AXE_SOURCE, CHROMIUM_FLAGS, screenshot } from './browser.ts';
import { buildDashboard } from '../../../web/build.ts';


/** Console errors, except the failed requests the flow makes on purpose: the session probe and the wrong password. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location().url;
    if (message.text().startsWith('Failed to load resource') && (url.endsWith('/api/auth/me') || url.endsWith('/login'))) return;
    errors.push(`${message.text()} (${url})`);
  });
  return errors;
}

async function assertAccessible(page: Page, what: string): Promise<void> {
  // Evaluated over the DevTools protocol: addScriptTag would insert an inline script, which the strict CSP refuses.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string; impact?: string | null }> }> } }).axe;
    return (await axe.run()).violations.map(({ id, impact }) => ({ id, impact }));
  });
  assert.deepEqual(violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical'), [], what);
}

describe('first run and sign-in through the dashboard forms', () => {
  let vigil: VigilChild;
  let browser: Browser;

  before(async () => {
    await buildDashboard();
    vigil = await startVigil({ setup: 'none' });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    await vigil?.stop();
  });

  test('setup makes the first admin; sign out, a wrong password refused, sign in', async () => {
    const setupToken = vigil.setupToken;
    assert.ok(setupToken !== undefined && setupToken !== '');
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${vigil.url}/`);
    await page.getByRole('heading', { name: 'Set up Vigil' }).waitFor({ timeout: deadlines.request });
    // The server's own message says where the token file is.
    await page.locator('.server-message').getByText('setup-token').waitFor({ timeout: deadlines.request });
    await assertAccessible(page, 'setup');
    await page.screenshot({ path: screenshot('setup-desktop') });
    await page.getByLabel('Setup token').fill(setupToken);
    await page.getByLabel('Username').fill('owner');
    await page.getByLabel('Password', { exact: true }).fill('owner-pass-1');
    await page.getByLabel('Confirm password').fill('owner-pass-1');
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: deadlines.request });
    await page.getByText('owner (admin)').waitFor({ timeout: deadlines.request });
    assert.ok(existsSync(vigil.kubeconfig), 'the server wrote its kubeconfig after the setup');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Vigil' }).waitFor({ timeout: deadlines.request });
    await page.getByLabel('Username').fill('owner');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const refusal = await page.getByRole('alert').textContent({ timeout: deadlines.request });
    assert.ok(refusal !== null && refusal.trim() !== '', 'the refusal is shown');
    await page.getByLabel('Password').fill('owner-pass-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: deadlines.request });
    // Signed in for real: the API answers the page's session.
    const me = await page.evaluate<{ status: number; body: string }>(`fetch('api/auth/me').then(async (r) => ({ status: r.status, body: await r.text() }))`);
    assert.equal(me.status, 200);
    assert.equal((JSON.parse(me.body) as { username: string }).username, 'owner');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
