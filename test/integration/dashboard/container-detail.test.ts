// The container detail page in Debian's Chromium against a real `vigil serve` child on a real engine and registry:
// a pre-update hook added on the page; the newer versions of a check, "Update to this" on one that is not the newest
// (asks first), the running update's step shown with its place in the steps while the hook runs → the container runs
// exactly that image; the log of a container that writes a line a second, and Follow bringing newer lines without a
// click; the notification mode changed on the page is in the REST answer; a hook added and removed (asks);
// dependencies shown. axe-core, no console error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { startVigil, ADMIN_PASSWORD, ADMIN_USERNAME, type VigilChild } from '../../testbed/vigil.ts';
import { NEW_IMAGE, OLD_IMAGE, startUpdateTestbed, type UpdateTestbed } from '../update/update-testbed.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { assertAccessible, CHROMIUM_FLAGS, eventually, screenshot, signIn, watchErrors } from './browser.ts';
import { buildDashboard } from '../../../web/build.ts';

/** Writes line-N once a second; stops at once on TERM. */
const TALK = 'trap "exit 0" TERM INT; i=0; while true; do echo "line-$i"; i=$((i+1)); sleep 1; done';

describe('the container detail page in a real browser', () => {
  let bed: UpdateTestbed;
  let vigil: VigilChild;
  let browser: Browser;
  let chosenImageID = '';
  let oldReference = '';

  before(async () => {
    await buildDashboard();
    bed = await startUpdateTestbed('dashboard-detail');
    oldReference = await bed.publish('1.0.0', OLD_IMAGE);
    const chosen = await bed.publish('1.1.0', NEW_IMAGE);
    chosenImageID = (await bed.engine.docker(['image', 'inspect', '--format', '{{.Id}}', chosen])).trim();
    const newest = await bed.publish('1.2.0', { ...NEW_IMAGE, version: '3' });
    await bed.engine.docker(['rmi', chosen, newest, 'vigil-test/app:1.1.0', 'vigil-test/app:1.2.0']);
    vigil = await startVigil({ args: ['--docker-host', bed.engine.host] });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    await vigil?.stop();
    await bed?.cleanup();
  });

  test('a pre-update hook added, update to a chosen version that is not the newest with its step shown, the hook removed; the notification mode', async () => {
    await bed.engine.docker(['run', '-d', '--name', 'pick', '--label', 'sentinel.policy=manual', '--label', 'sentinel.semver=minor', '--label', 'sentinel.grace-period=0s', oldReference]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    const row = page.locator('tr[data-container="pick"]');
    await row.waitFor({ timeout: deadlines.containerCondition });
    await row.getByRole('button', { name: 'Check' }).click();
    await row.getByText('1.2.0').waitFor({ timeout: deadlines.containerCondition });
    await row.getByRole('link', { name: 'pick' }).click();

    const versions = page.getByRole('list', { name: 'Newer versions' });
    const choice = versions.locator('li[data-version="1.1.0"]');
    await choice.waitFor({ timeout: deadlines.request });
    await versions.locator('li[data-version="1.2.0"]').waitFor({ timeout: deadlines.request });
    await assertAccessible(page, 'container detail (versions)');

    // A pre-update hook added on the page (a Hook the REST API lists) that takes a while, so the running update's
    // step is on the page long enough to be seen with its place in the steps.
    const enabled = await fetch(`${vigil.url}/api/settings/hooks-enabled`, { method: 'POST', headers: { ...vigil.headers(), 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true }) });
    assert.equal(enabled.status, 200);
    const hooks = page.getByRole('region', { name: 'Hooks' });
    const hookForm = hooks.getByRole('form', { name: 'Add a hook' });
    await hookForm.getByLabel('Phase').selectOption('pre-update');
    await hookForm.getByLabel('Command (run with sh -c)').fill('sleep 15');
    await hookForm.getByRole('button', { name: 'Save hook' }).click();
    await hooks.getByText('sh -c sleep 15').waitFor({ timeout: deadlines.request });
    const listHooks = async () => (await (await fetch(`${vigil.url}/api/hooks/pick`, { headers: vigil.headers() })).json() as Array<{ phase: string; command: string[] }>);
    assert.deepEqual((await listHooks()).map(({ phase, command }) => ({ phase, command })), [{ phase: 'pre-update', command: ['sh', '-c', 'sleep 15'] }]);

    // Asked first: dismissing changes nothing; accepting starts the update.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await choice.getByRole('button', { name: 'Update to this' }).click();
    page.once('dialog', (dialog) => void dialog.accept());
    await choice.getByRole('button', { name: 'Update to this' }).click();
    const running = page.getByRole('region', { name: 'Running operation' });
    await running.getByText(/^Step 1 of \d+: preHook$/).waitFor({ timeout: deadlines.containerCondition });
    assert.equal(await running.locator('progress').getAttribute('value'), '1');
    await page.screenshot({ path: screenshot('container-detail-versions-desktop'), fullPage: false });
    await eventually('pick runs 1.1.0', async () => (await bed.engine.docker(['inspect', '--format', '{{.Image}}', 'pick']).catch(() => '')).trim(), (id) => id === chosenImageID, deadlines.containerCondition);
    page.once('dialog', (dialog) => void dialog.accept());
    await hooks.getByRole('button', { name: 'Remove hook' }).click();
    await eventually('the hook removed', listHooks, (list) => list.length === 0);

    const mode = page.getByRole('region', { name: 'Notification mode' }).getByLabel('Mode');
    await mode.selectOption('digest_only');
    await eventually('notify-pref', async () => (await (await fetch(`${vigil.url}/api/containers/pick/notify-pref`, { headers: vigil.headers() })).json() as { mode: string }).mode, (value) => value === 'digest_only');
    await page.getByRole('region', { name: 'Dependencies' }).getByText('Depends on').waitFor({ timeout: deadlines.request });

    // The settings page lists the containers whose mode is not the default.
    await page.goto(`${vigil.url}/#/settings/notifications`);
    await page.locator('li[data-notify="pick"]').getByText('pick: digest_only').waitFor({ timeout: deadlines.request });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the log of a container, and Follow bringing newer lines', async () => {
    await bed.engine.docker(['run', '-d', '--name', 'talker', '--label', 'sentinel.policy=pinned', '--entrypoint', 'sh', oldReference, '-c', TALK]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    await page.locator('tr[data-container="talker"]').getByRole('link', { name: 'talker' }).click();
    const logs = page.getByRole('region', { name: 'Logs' });
    await logs.getByRole('button', { name: 'Show logs' }).click();
    const text = logs.locator('pre.logs');
    const lastLine = async () => Math.max(-1, ...[...((await text.textContent()) ?? '').matchAll(/line-(\d+)/g)].map((found) => Number(found[1])));
    const first = await eventually('a first line', lastLine, (value) => value >= 0);
    await logs.getByLabel('Follow').check();
    // No click: only Follow can bring a newer line.
    await eventually('a newer line', lastLine, (value) => value > first + 1, deadlines.containerCondition);
    await assertAccessible(page, 'container detail (logs)');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
