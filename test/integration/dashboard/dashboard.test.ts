// The dashboard end to end in Debian's Chromium (playwright-core, headless) against a real `vigil serve` child on a
// real Docker engine and registry: sign-in through the form, a container started with `docker run` appearing
// without a reload (the informer's watch), check → queue → approve → the container running the new image, the
// update's outcome toast from its UpdateRecord, a policy set inline seen by kubectl and a kubectl patch shown on the
// page, a rollback to the chosen snapshot from the detail page (the old image ID again, and its toast), a viewer seeing no action buttons, the 390×844 viewport, axe-core with no
// serious or critical violation, and no console error. Screenshots: see browser.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser } from 'playwright-core';
import { startVigil, ADMIN_PASSWORD, ADMIN_USERNAME, type VigilChild } from '../../testbed/vigil.ts';
import { NEW_IMAGE, OLD_IMAGE, startUpdateTestbed, type UpdateTestbed } from '../update/update-testbed.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { Kubectl } from '../../testbed/kubectl.ts';
import { assertAccessible, CHROMIUM_FLAGS, eventually, screenshot, signIn, watchErrors } from './browser.ts';
import { buildDashboard } from '../../../web/build.ts';


describe('the dashboard in a real browser', () => {
  let bed: UpdateTestbed;
  let vigil: VigilChild;
  let browser: Browser;
  let newImageID = '';
  let oldImageID = '';
  let oldReference = '';

  before(async () => {
    await buildDashboard();
    bed = await startUpdateTestbed('dashboard');
    oldReference = await bed.publish('1.0.0', OLD_IMAGE);
    oldImageID = (await bed.engine.docker(['image', 'inspect', '--format', '{{.Id}}', oldReference])).trim();
    const newReference = await bed.publish('1.1.0', NEW_IMAGE);
    newImageID = (await bed.engine.docker(['image', 'inspect', '--format', '{{.Id}}', newReference])).trim();
    await bed.engine.docker(['rmi', newReference, 'vigil-test/app:1.1.0']);
    vigil = await startVigil({ args: ['--docker-host', bed.engine.host] });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    await vigil?.stop();
    await bed?.cleanup();
  });

  test('the page and its assets are served compressed, hashed assets cached as immutable, under a strict CSP', async () => {
    const page = await fetch(`${vigil.url}/`, { headers: { 'accept-encoding': 'br' } });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-encoding'), 'br');
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const html = await page.text();
    const script = /src="(assets\/app-[0-9a-f]{12}\.js)"/.exec(html)?.[1];
    assert.ok(script !== undefined, html);
    const asset = await fetch(`${vigil.url}/${script}`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(asset.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal((await fetch(`${vigil.url}/assets/app-000000000000.js`)).status, 404);
  });

  test('sign-in, a docker run container appears live, check → queue → approve updates it, kubectl and the page agree on the policy, a rollback to the chosen snapshot', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${vigil.url}/`);
    await page.getByRole('heading', { name: 'Sign in to Vigil' }).waitFor({ timeout: deadlines.request });
    await assertAccessible(page, 'sign-in');
    await page.screenshot({ path: screenshot('sign-in-desktop') });
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    await page.getByText('Live', { exact: true }).waitFor({ timeout: deadlines.request });

    // Started after the page loaded: only the watch can bring it.
    await bed.engine.docker(['run', '-d', '--name', 'web', '--label', 'sentinel.policy=manual', '--label', 'sentinel.semver=minor', '--label', 'sentinel.grace-period=0s', oldReference]);
    const row = page.locator('tr[data-container="web"]');
    await row.waitFor({ timeout: deadlines.containerCondition });
    await row.getByText('running').waitFor({ timeout: deadlines.containerCondition });

    await row.getByRole('button', { name: 'Check' }).click();
    await row.getByText('1.1.0').waitFor({ timeout: deadlines.containerCondition });
    await assertAccessible(page, 'containers');
    await page.screenshot({ path: screenshot('containers-desktop') });

    await page.getByRole('link', { name: 'Queue' }).click();
    const entry = page.locator('tr[data-container="web"]');
    await entry.getByText('minor').waitFor({ timeout: deadlines.containerCondition });
    await assertAccessible(page, 'queue');
    await page.getByRole('button', { name: 'Approve all…' }).click();
    await page.getByRole('region', { name: 'Plan' }).getByText('web: 1.0.0 → 1.1.0').waitFor({ timeout: deadlines.request });
    await page.screenshot({ path: screenshot('queue-desktop') });
    await page.getByRole('button', { name: 'Run plan' }).click();
    // The outcome is announced from the UpdateRecord the update controller writes (a typed event), not from the click.
    await page.locator('.toast').filter({ hasText: /^Updated web to / }).waitFor({ timeout: deadlines.containerCondition });
    await page.getByText('Nothing waits for approval.').waitFor({ timeout: deadlines.containerCondition });
    const deadline = Date.now() + deadlines.containerCondition;
    while ((await bed.engine.docker(['inspect', '--format', '{{.Image}}', 'web']).catch(() => '')).trim() !== newImageID) {
      if (Date.now() > deadline) throw new Error('web does not run 1.1.0 after the approval');
      await sleep(250);
    }

    await page.getByRole('link', { name: 'Containers' }).click();
    const policy = page.getByLabel('Policy of web');
    await policy.waitFor({ timeout: deadlines.request });
    // Changed inline on the page: kubectl sees it. Changed by kubectl: the page shows it.
    const kubectl = new Kubectl(vigil.kubeconfig);
    try {
      await policy.selectOption('auto');
      await eventually('kubectl get shows the policy set on the page', async () => (await kubectl.run(['get', 'containers', 'web', '-n', 'local', '-o', 'jsonpath={.spec.policy}'])).stdout, (value) => value === 'auto', deadlines.containerCondition);
      const patched = await kubectl.run(['patch', 'containers', 'web', '-n', 'local', '--type', 'merge', '-p', '{"spec":{"policy":"pinned"}}']);
      assert.equal(patched.code, 0, patched.stderr);
    } finally {
      await kubectl.close();
    }
    // Read through the DevTools protocol (waitForFunction's string would be an eval, which the strict CSP refuses).
    await eventually('the policy of web on the page', () => policy.inputValue(), (value) => value === 'pinned', deadlines.containerCondition);

    await page.getByRole('link', { name: 'web' }).click();
    await page.getByRole('heading', { name: 'History' }).waitFor({ timeout: deadlines.request });
    const rollBack = page.getByRole('button', { name: 'Roll back to this' }).first();
    await rollBack.waitFor({ timeout: deadlines.containerCondition });
    await assertAccessible(page, 'container detail');
    await page.screenshot({ path: screenshot('container-detail-desktop') });
    // The snapshot taken before the update, chosen on the page: web runs its old image ID again.
    page.once('dialog', (dialog) => void dialog.accept());
    await rollBack.click();
    await eventually('web runs 1.0.0 again', async () => (await bed.engine.docker(['inspect', '--format', '{{.Image}}', 'web']).catch(() => '')).trim(), (id) => id === oldImageID, deadlines.containerCondition);
    await page.locator('.toast').filter({ hasText: /^Rolled back web/ }).waitFor({ timeout: deadlines.containerCondition });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a viewer at 390×844 sees the containers as cards and no action button', async () => {
    const viewer = await vigil.createUser('viewer');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, viewer.username, viewer.password);
    const row = page.locator('tr[data-container="web"]');
    await row.waitFor({ timeout: deadlines.containerCondition });
    assert.equal(await page.getByRole('button', { name: 'Check' }).count(), 0);
    assert.equal(await page.getByLabel('Policy of web').count(), 0);
    // Card layout: the row is as wide as the screen, the table header hidden.
    const box = await row.boundingBox();
    assert.ok(box !== null && box.width <= 390 && box.width > 300, JSON.stringify(box));
    await assertAccessible(page, 'containers (viewer, mobile)');
    await page.screenshot({ path: screenshot('containers-mobile') });
    await page.getByRole('link', { name: 'Queue' }).click();
    await page.getByRole('heading', { name: 'Queue' }).waitFor({ timeout: deadlines.request });
    assert.equal(await page.getByRole('button', { name: /Approve/ }).count(), 0);
    await page.screenshot({ path: screenshot('queue-mobile') });
    // A forced request is refused by the server, not only hidden by the page.
    // In the page (a string: its DOM is not this file's): with the session's CSRF token, so only the role refuses it.
    const forced = await page.evaluate<{ status: number; body: string }>(`(async () => {
      const csrf = /(?:^|; )sentinel_csrf=([^;]*)/.exec(document.cookie)?.[1] ?? '';
      const answer = await fetch('api/check/web', { method: 'POST', headers: { 'x-csrf-token': decodeURIComponent(csrf) } });
      return { status: answer.status, body: await answer.text() };
    })()`);
    assert.equal(forced.status, 403);
    assert.match(forced.body, /containers\.update/);
    assert.deepEqual(errors.filter((text) => !text.includes('status of 403')), []);
    await context.close();
  });

  test('an admin at 390×844: Approve all with the plan from the queue, reject asks, a setting changed by touch', async () => {
    await bed.engine.docker(['run', '-d', '--name', 'phone', '--label', 'sentinel.policy=manual', '--label', 'sentinel.semver=minor', '--label', 'sentinel.grace-period=0s', oldReference]);
    await bed.engine.docker(['run', '-d', '--name', 'keep', '--label', 'sentinel.policy=manual', '--label', 'sentinel.semver=minor', oldReference]);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    for (const name of ['phone', 'keep']) {
      const row = page.locator(`tr[data-container="${name}"]`);
      await row.waitFor({ timeout: deadlines.containerCondition });
      await row.getByRole('button', { name: 'Check' }).tap();
      await row.getByText('1.1.0').waitFor({ timeout: deadlines.containerCondition });
    }
    await page.getByRole('link', { name: 'Queue' }).tap();
    const keep = page.locator('tr[data-container="keep"]');
    await keep.waitFor({ timeout: deadlines.containerCondition });
    // Reject asks first: dismissed, the entry stays.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await keep.getByRole('button', { name: 'Reject' }).tap();
    assert.equal(await keep.count(), 1);
    await assertAccessible(page, 'queue (admin, mobile)');
    // Ignore keep's version (asks; accepted), so that the plan holds phone alone.
    page.once('dialog', (dialog) => void dialog.accept());
    await keep.getByRole('button', { name: 'Ignore version' }).tap();
    await eventually('keep leaves the queue', () => keep.count(), (count) => count === 0, deadlines.condition);
    await page.getByRole('button', { name: 'Approve all…' }).tap();
    const plan = page.getByRole('region', { name: 'Plan' });
    await plan.getByText('phone: 1.0.0 → 1.1.0').waitFor({ timeout: deadlines.request });
    assert.equal(await plan.getByText(/^keep:/).count(), 0);
    await page.screenshot({ path: screenshot('queue-plan-mobile') });
    await page.getByRole('button', { name: 'Run plan' }).tap();
    await eventually('phone runs 1.1.0', async () => (await bed.engine.docker(['inspect', '--format', '{{.Image}}', 'phone']).catch(() => '')).trim(), (id) => id === newImageID, deadlines.containerCondition);

    await page.goto(`${vigil.url}/#/settings/updates`);
    await page.getByLabel('Pull only').tap();
    await eventually('pull_only', async () => (await (await fetch(`${vigil.url}/api/settings`, { headers: vigil.headers() })).json() as Record<string, string>).pull_only, (value) => value === 'true');
    await assertAccessible(page, 'settings (admin, mobile)');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
