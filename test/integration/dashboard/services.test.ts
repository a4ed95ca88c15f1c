// The Services pages in Debian's Chromium against a real `vigil serve` child whose Docker host is a real single-node
// swarm with a local registry: the page open before the service exists shows it when `docker service create` makes
// it (the on-demand SwarmService informer's watch), scale 2 → 0 (asks) → 2 (Scale up to the remembered count) from
// the page is seen in running/desired and in Swarm itself, the detail page shows the tasks per node, the dashboard is
// Live with the page open (its watches leave the browser connections for REST calls), the SwarmService watch stops
// after the page is left, axe-core on both pages, and a viewer sees no action button. No console error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Host } from '../../../schemas/generated/types.ts';
import { startVigil, ADMIN_PASSWORD, ADMIN_USERNAME, type VigilChild } from '../../testbed/vigil.ts';
import { startRegistry, type TestRegistry } from '../../testbed/registry.ts';
import { pushTestImage, startTestSwarm, SWARM_WAIT_MS, type TestSwarm } from '../../testbed/swarm.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { assertAccessible, CHROMIUM_FLAGS, eventually, screenshot, signIn, watchErrors } from './browser.ts';
import { buildDashboard } from '../../../web/build.ts';

const WATCH = /\/apis\/vigil\.dev\/v1alpha1\/([a-z]+)\?watch=1/;

/** The watch requests of a page that are open now, by collection (a watch ends when its fetch is aborted). */
function openWatches(page: Page): () => string[] {
  const open = new Map<object, string>();
  page.on('request', (request) => {
    const found = WATCH.exec(request.url());
    if (found !== null) open.set(request, found[1] ?? '');
  });
  const done = (request: object) => open.delete(request);
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  return () => [...open.values()].sort();
}

describe('the Swarm services pages in a real browser', { timeout: 1_200_000 }, () => {
  let swarm: TestSwarm;
  let registry: TestRegistry;
  let vigil: VigilChild;
  let browser: Browser;
  let reference = '';

  const replicasInSwarm = async (name: string): Promise<number> =>
    Number((await swarm.engine.docker(['service', 'inspect', '--format', '{{.Spec.Mode.Replicated.Replicas}}', name])).trim());

  before(async () => {
    await buildDashboard();
    swarm = await startTestSwarm('dashboard-swarm');
    registry = await startRegistry({ name: 'dashboard-swarm-registry' });
    const digest = await pushTestImage(swarm.engine, registry, 'team/web', '1.0', 'web-1.0');
    reference = `${registry.server}/team/web:1.0@${digest}`;
    vigil = await startVigil({ args: ['--docker-host', swarm.engine.host] });
    // The Host reports its swarm before anyone signs in, so the Services link is there from the first page.
    await eventually('the Host reports its swarm', async () => {
      const answer = await fetch(`${vigil.url}/apis/vigil.dev/v1alpha1/hosts`, { headers: vigil.headers() });
      return ((await answer.json()) as { items: Host[] }).items.map((host) => host.status?.swarm?.role ?? '');
    }, (roles) => roles.includes('manager'));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    await vigil?.stop();
    await swarm?.cleanup();
    await registry?.cleanup();
  });

  test('a service created while the page is open appears live; scale 2 → 0 → 2 from the page; tasks per node; Live', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    const watches = openWatches(page);
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Services' }).click();
    await page.getByRole('heading', { name: 'Services' }).waitFor({ timeout: deadlines.request });
    await page.getByText('No Swarm service (yet).').waitFor({ timeout: deadlines.request });
    await page.getByText('Live', { exact: true }).waitFor({ timeout: deadlines.request });
    const open = await eventually('the Services page watches its kind', async () => watches(), (list) => list.includes('swarmservices'));
    assert.ok(open.length <= 4, `watches with the Services page open (at most 4 of Chromium's 6 connections): ${open.join(', ')}`);

    // Created after the page was opened: only the watch can bring it.
    await swarm.createService('web', reference, ['--replicas', '2']);
    const row = page.locator('tr[data-service="web"]');
    const tasks = row.locator('td[data-label="Tasks"]');
    await row.waitFor({ timeout: SWARM_WAIT_MS });
    await tasks.getByText('2/2', { exact: true }).waitFor({ timeout: SWARM_WAIT_MS });
    assert.equal((await row.locator('td[data-label="Mode"]').textContent())?.trim(), 'replicated');
    assert.match((await row.locator('td[data-label="Image"]').textContent()) ?? '', /\/team\/web:1\.0$/);
    await page.getByText('Live', { exact: true }).waitFor({ timeout: deadlines.request });
    await assertAccessible(page, 'services');
    await page.screenshot({ path: screenshot('services-desktop') });

    // Scale to 0 asks first: dismissed, nothing changes.
    await row.getByLabel('Replicas of web').fill('0');
    page.once('dialog', (dialog) => void dialog.dismiss());
    await row.getByRole('button', { name: 'Scale', exact: true }).click();
    assert.equal(await replicasInSwarm('web'), 2);
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Scale', exact: true }).click();
    await tasks.getByText('0/0', { exact: true }).waitFor({ timeout: SWARM_WAIT_MS });
    assert.equal(await replicasInSwarm('web'), 0);
    // Back to the count the scale to 0 remembered.
    const scaleUp = row.getByRole('button', { name: 'Scale up to 2' });
    await scaleUp.waitFor({ timeout: deadlines.condition });
    await scaleUp.click();
    await tasks.getByText('2/2', { exact: true }).waitFor({ timeout: SWARM_WAIT_MS });
    assert.equal(await replicasInSwarm('web'), 2);

    await row.getByRole('link', { name: 'web' }).click();
    await page.getByRole('heading', { name: 'web', exact: true }).waitFor({ timeout: deadlines.request });
    const taskList = page.getByRole('region', { name: 'Tasks' });
    const node = (await swarm.engine.docker(['node', 'inspect', 'self', '--format', '{{.Description.Hostname}}'])).trim();
    const onNode = taskList.getByRole('region', { name: `Node ${node}` });
    const taskStates = async (): Promise<string[]> => {
      const states: string[] = [];
      for (const task of await onNode.locator('tr[data-task]').all()) {
        states.push(`${await task.locator('td[data-label="State"]').textContent()}/${await task.locator('td[data-label="Desired state"]').textContent()}`);
      }
      return states;
    };
    await eventually('two running tasks on the node', taskStates, (list) => list.filter((state) => state === 'running/running').length === 2, SWARM_WAIT_MS);
    assert.match((await onNode.locator('td[data-label="Image"]').first().textContent()) ?? '', /\/team\/web:1\.0@sha256:/);
    await page.getByRole('region', { name: 'Policy' }).getByText('Version scope').waitFor({ timeout: deadlines.request });
    await page.getByRole('region', { name: 'Last update' }).getByText(/scale/).waitFor({ timeout: deadlines.request });
    await page.getByRole('region', { name: 'Rollout' }).waitFor({ timeout: deadlines.request });
    await page.getByText('Live', { exact: true }).waitFor({ timeout: deadlines.request });
    await assertAccessible(page, 'service detail');
    await page.screenshot({ path: screenshot('service-detail-desktop') });

    // Left for a page that does not read services: the SwarmService watch stops a little later.
    await page.getByRole('link', { name: 'Containers' }).click();
    await eventually('the SwarmService watch stopped', async () => watches(), (list) => !list.includes('swarmservices'));
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a viewer sees the services and no action button', async () => {
    const viewer = await vigil.createUser('viewer');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, viewer.username, viewer.password);
    await page.getByRole('link', { name: 'Services' }).click();
    const row = page.locator('tr[data-service="web"]');
    await row.waitFor({ timeout: deadlines.request });
    await page.getByText('Live', { exact: true }).waitFor({ timeout: deadlines.request });
    assert.equal(await page.getByRole('button', { name: /^(Update|Rollback|Scale|Check)/ }).count(), 0);
    assert.equal(await page.getByLabel('Replicas of web').count(), 0);
    await assertAccessible(page, 'services (viewer, mobile)');
    await page.screenshot({ path: screenshot('services-mobile') });
    await row.getByRole('link', { name: 'web' }).click();
    await page.getByRole('region', { name: 'Tasks' }).waitFor({ timeout: deadlines.request });
    assert.equal(await page.getByRole('button', { name: /^(Update|Rollback|Scale|Check)/ }).count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
