// The container list's layout in Debian's Chromium against a real `vigil serve` child on a real Docker engine: host
// groups (a second Host resource on the same engine), compose stacks (containers labelled as compose labels them),
// the stack order saved by the page's Move buttons into Settings stackOrder and a resource-API change of it shown
// without a reload, columns chosen per user with an admin's choice made the default (Settings dashboardColumns), the
// host filter, a git-owned policy shown as such (set by a server-side apply with the GitOps field manager), a viewer
// seeing no Move buttons; axe-core; no console error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startVigil, ADMIN_PASSWORD, ADMIN_USERNAME, type VigilChild } from '../../testbed/vigil.ts';
import { buildTestImage, startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { assertAccessible, CHROMIUM_FLAGS, eventually, screenshot, signIn, watchErrors } from './browser.ts';
import { buildDashboard } from '../../../web/build.ts';

const API = '/apis/vigil.dev/v1alpha1';
const IMAGE = 'vigil-test/layout:1';

describe('the container list layout in a real browser', () => {
  let engine: DockerEngine;
  let vigil: VigilChild;
  let browser: Browser;

  const send = async (method: string, path: string, body: unknown, contentType = 'application/json'): Promise<Record<string, unknown>> => {
    const answer = await fetch(`${vigil.url}${path}`, {
      method,
      headers: { ...vigil.headers(), 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(deadlines.request),
    });
    const text = await answer.text();
    assert.ok(answer.ok, `${method} ${path}: ${answer.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const settingsSpec = async (): Promise<Record<string, unknown>> => {
    const answer = await fetch(`${vigil.url}${API}/settings/default`, { headers: vigil.headers(), signal: AbortSignal.timeout(deadlines.request) });
    return ((await answer.json()) as { spec?: Record<string, unknown> }).spec ?? {};
  };
  /** The stack headings on the local host, in page order. */
  const stacksOnPage = async (page: Page): Promise<string[]> =>
    await page.locator('section[aria-label="Host local"] .stack-header').evaluateAll((headers) => headers.map((header) => header.firstChild?.textContent?.trim() ?? ''));

  before(async () => {
    await buildDashboard();
    engine = await startDockerEngine({ name: 'dashboard-layout' });
    await buildTestImage(engine, { tag: IMAGE, version: '1', health: 'none' });
    for (const [name, project] of [['web-1', 'alpha'], ['db-1', 'beta'], ['cache-1', 'gamma'], ['loner', undefined]] as const) {
      const labels = project === undefined ? [] : ['--label', `com.docker.compose.project=${project}`, '--label', `com.docker.compose.service=${name}`];
      await engine.docker(['run', '-d', '--name', name, ...labels, IMAGE]);
    }
    vigil = await startVigil({ args: ['--docker-host', engine.host] });
    // A second Host on the same engine: the same containers, grouped under it too.
    await send('POST', `${API}/hosts`, { apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name: 'nas' }, spec: { dockerHost: engine.host } });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    await vigil?.stop();
    await engine?.cleanup();
  });

  test('hosts and stacks group the list; Move buttons save stackOrder; a resource-API change reorders the page live', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    await page.getByText('Live', { exact: true }).waitFor({ timeout: deadlines.request });
    await page.getByRole('heading', { name: /^Host nas/ }).waitFor({ timeout: deadlines.containerCondition });
    await page.locator('section[aria-label="Host nas"] tr[data-container="loner"]').waitFor({ timeout: deadlines.containerCondition });
    await page.locator('section[aria-label="Host local"] tr[data-container="loner"]').waitFor({ timeout: deadlines.containerCondition });
    assert.deepEqual(await stacksOnPage(page), ['alpha', 'beta', 'gamma', '(no stack)'], 'by name, no stack last');

    await page.locator('section[aria-label="Host local"]').getByRole('button', { name: 'Move stack gamma up' }).click();
    await eventually('stackOrder saved', settingsSpec, (spec) => JSON.stringify(spec.stackOrder) === JSON.stringify(['alpha', 'gamma', 'beta']));
    await eventually('the page in the saved order', () => stacksOnPage(page), (order) => order.join() === 'alpha,gamma,beta,(no stack)');
    // The order is global: the other host's stacks follow it too.
    const nasOrder = await page.locator('section[aria-label="Host nas"] .stack-header').evaluateAll((headers) => headers.map((header) => header.firstChild?.textContent?.trim() ?? ''));
    assert.deepEqual(nasOrder, ['alpha', 'gamma', 'beta', '(no stack)']);

    // Changed elsewhere (kubectl, git): the page follows without a reload.
    await send('PATCH', `${API}/settings/default`, { spec: { stackOrder: ['beta'] } }, 'application/merge-patch+json');
    await eventually('the page in the order set through the resource API', () => stacksOnPage(page), (order) => order.join() === 'beta,alpha,gamma,(no stack)');
    await assertAccessible(page, 'containers grouped by host');
    await page.screenshot({ path: screenshot('containers-hosts-desktop') });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('columns are chosen per user; an admin makes a choice the default (dashboardColumns) that others follow; the host filter', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    const firstTable = page.locator('section[aria-label="Host local"] table').first();
    await firstTable.getByRole('columnheader', { name: 'Image' }).waitFor({ timeout: deadlines.containerCondition });
    await firstTable.getByRole('columnheader', { name: 'Last check' }).waitFor({ timeout: deadlines.request });
    await page.getByText('Columns', { exact: true }).click();
    await page.getByRole('checkbox', { name: 'Image' }).uncheck();
    await firstTable.getByRole('columnheader', { name: 'Image' }).waitFor({ state: 'detached', timeout: deadlines.request });
    assert.equal(await page.locator('td[data-label="Image"]').count(), 0);
    assert.equal((await settingsSpec()).dashboardColumns, undefined, 'a user\'s own choice is not everyone\'s');
    // Kept across a reload (this browser, this user).
    await page.reload();
    await firstTable.getByRole('columnheader', { name: 'Version' }).waitFor({ timeout: deadlines.request });
    assert.equal(await page.locator('td[data-label="Image"]').count(), 0);

    await page.getByText('Columns', { exact: true }).click();
    await page.getByRole('button', { name: 'Make these the default for everyone' }).click();
    await eventually('dashboardColumns saved', settingsSpec, (spec) => JSON.stringify(spec.dashboardColumns) === JSON.stringify(['version', 'update', 'policy', 'status', 'checked', 'actions']));

    // The host filter, in the URL.
    await page.locator('label.filter', { hasText: /^Host/ }).locator('select').selectOption('nas');
    await page.locator('section[aria-label="Host local"]').waitFor({ state: 'detached', timeout: deadlines.request });
    assert.match(page.url(), /host=nas/);
    await page.locator('label.filter', { hasText: /^Host/ }).locator('select').selectOption('');
    await page.locator('section[aria-label="Host local"]').waitFor({ timeout: deadlines.request });
    assert.deepEqual(errors, []);
    await context.close();

    // Another user, without a choice of their own, gets the default; their own choice is theirs alone.
    const operator = await vigil.createUser('operator', 'layout-operator');
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const otherPage = await other.newPage();
    await signIn(otherPage, vigil.url, operator.username, operator.password);
    const otherTable = otherPage.locator('section[aria-label="Host local"] table').first();
    await otherTable.getByRole('columnheader', { name: 'Version' }).waitFor({ timeout: deadlines.containerCondition });
    assert.equal(await otherPage.locator('td[data-label="Image"]').count(), 0, 'the default applies');
    await otherPage.getByText('Columns', { exact: true }).click();
    assert.equal(await otherPage.getByRole('button', { name: 'Make these the default for everyone' }).count(), 0, 'only settings.modify sets the default');
    await otherPage.getByRole('checkbox', { name: 'Image' }).check();
    await otherTable.getByRole('columnheader', { name: 'Image' }).waitFor({ timeout: deadlines.request });
    await otherPage.getByRole('button', { name: 'Back to the default' }).click();
    await otherTable.getByRole('columnheader', { name: 'Image' }).waitFor({ state: 'detached', timeout: deadlines.request });
    await other.close();
  });

  test('a policy set in git shows as git-owned, with no select to change it; a viewer sees no Move buttons', async () => {
    // What the GitOps controller does: a server-side apply of spec.policy under its field manager, with its label.
    const applied = JSON.stringify({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'web-1', namespace: 'local', labels: { 'vigil.dev/manifest-source': 'homelab' } }, spec: { policy: 'pinned' } });
    await send('PATCH', `${API}/namespaces/local/containers/web-1?fieldManager=vigil-gitops&force=true`, applied, 'application/apply-patch+yaml');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    const row = page.locator('section[aria-label="Host local"] tr[data-container="web-1"]');
    await row.locator('td[data-label="Policy"] .chip.git').waitFor({ timeout: deadlines.containerCondition });
    assert.equal(await row.getByRole('combobox').count(), 0, 'no policy select on a git-owned policy');
    assert.match(await row.locator('td[data-label="Policy"] span').first().getAttribute('title') ?? '', /ManifestSource homelab/);
    const other = page.locator('section[aria-label="Host local"] tr[data-container="db-1"]');
    assert.equal(await other.getByRole('combobox').count(), 1, 'a policy not in git keeps its select');
    await assertAccessible(page, 'containers with a git-owned policy');
    assert.deepEqual(errors, []);
    await context.close();

    const viewer = await vigil.createUser('viewer', 'layout-viewer');
    const viewerContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const viewerPage = await viewerContext.newPage();
    await signIn(viewerPage, vigil.url, viewer.username, viewer.password);
    await viewerPage.locator('tr[data-container="db-1"]').first().waitFor({ timeout: deadlines.containerCondition });
    assert.equal(await viewerPage.getByRole('button', { name: /^Move stack/ }).count(), 0);
    await viewerContext.close();
  });
});
