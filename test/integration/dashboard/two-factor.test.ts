// Two-factor sign-in through the dashboard in Debian's Chromium against a real `vigil serve` child: enabled from the
// Account section (the secret shown, confirmed with a code computed from it, the recovery codes shown once), then
// sign-ins through the form with an authenticator code, a wrong code shown as refused, a recovery code (one fewer
// left), and two-factor disabled with the password (asks). axe-core on the pages; no console error but the refusal.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN_PASSWORD, ADMIN_USERNAME, startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { totpCode } from '../../../apiserver/auth/totp.ts';
import { assertAccessible, CHROMIUM_FLAGS, watchErrors } from './browser.ts';
import { buildDashboard } from '../../../web/build.ts';

describe('two-factor sign-in in a real browser', () => {
  let vigil: VigilChild;
  let browser: Browser;

  before(async () => {
    await buildDashboard();
    vigil = await startVigil();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    await vigil?.stop();
  });

  async function passwordStep(page: Page): Promise<void> {
    await page.getByRole('heading', { name: 'Sign in to Vigil' }).waitFor();
    await page.getByLabel('Username').fill(ADMIN_USERNAME);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByLabel('Authenticator code or recovery code').waitFor();
  }

  test('enabled on the Account section, then sign-ins with a code and a recovery code, then disabled', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(deadlines.request);
    const page = await context.newPage();
    // The wrong code below is refused with a 401 on purpose.
    const errors = watchErrors(page, (text, url) => text.includes('status of 401') && url.endsWith('/api/auth/totp/verify'));
    await page.goto(`${vigil.url}/`);
    await page.getByLabel('Username').fill(ADMIN_USERNAME);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Containers' }).waitFor();
    await page.goto(`${vigil.url}/#/settings/account`);

    await page.getByRole('button', { name: 'Enable two-factor' }).click();
    const secret = (await page.locator('[data-totp-secret]').innerText()).trim();
    assert.match(secret, /^[A-Z2-7]{16,}$/, 'a base32 secret');
    await assertAccessible(page, 'two-factor confirmation');
    await page.getByLabel('Code from the app').fill(totpCode(secret, Date.now()));
    await page.getByRole('button', { name: 'Confirm' }).click();
    const shown = await page.locator('.secret-once .secret-value').innerText();
    const recoveryCodes = shown.trim().split(/\s+/);
    assert.equal(recoveryCodes.length, 8);
    await page.getByText(/^On: signing in asks for a code/).waitFor();

    // An authenticator code: the next step's, since a code is accepted once and the current one confirmed the setup.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await passwordStep(page);
    await assertAccessible(page, 'sign-in second step');
    await page.getByLabel('Authenticator code or recovery code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Authenticator code or recovery code').fill(totpCode(secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();

    // A recovery code instead, once.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await passwordStep(page);
    await page.getByLabel('Authenticator code or recovery code').fill(recoveryCodes[0] ?? '');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText(/or one of your 7 recovery codes left/).waitFor();

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('form', { name: 'Disable two-factor authentication' }).getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Disable two-factor' }).click();
    await page.getByRole('button', { name: 'Enable two-factor' }).waitFor();
    const status = await fetch(`${vigil.url}/api/auth/totp/status`, { headers: vigil.headers(), signal: AbortSignal.timeout(deadlines.request) });
    assert.deepEqual(await status.json(), { enabled: false, recovery_codes_remaining: 0 });
    assert.deepEqual(errors, []);
    await context.close();
  });
});
