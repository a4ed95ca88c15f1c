// The history page in Debian's Chromium against a real `vigil serve` child holding 60 UpdateRecords made through the
// resource API: pages of 50 from the server (Older, then Newer), filters by outcome, container and time applied by the
// server (the page holds only what matches), export links carrying the same filters, and a record made while the
// page is open appearing without a reload. axe-core on the page; no console error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { startVigil, ADMIN_PASSWORD, ADMIN_USERNAME, type VigilChild } from '../../testbed/vigil.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { assertAccessible, CHROMIUM_FLAGS, eventually, screenshot, signIn, watchErrors } from './browser.ts';
import { buildDashboard } from '../../../web/build.ts';

const START = Date.parse('2026-01-10T00:00:00Z');
const minute = (n: number) => new Date(START + n * 60_000).toISOString().replace('.000Z', 'Z');

describe('the history page in a real browser', () => {
  let vigil: VigilChild;
  let browser: Browser;

  const addRecord = async (name: string, container: string, outcome: string, finishedAt: string) => {
    const answer = await fetch(`${vigil.url}/apis/vigil.dev/v1alpha1/namespaces/local/updaterecords`, {
      method: 'POST',
      headers: { ...vigil.headers(), 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'vigil.dev/v1alpha1', kind: 'UpdateRecord', metadata: { name }, spec: { type: 'update', outcome, containerName: container, container, oldImage: `${container}:1`, newImage: `${container}:2`, finishedAt } }),
    });
    assert.equal(answer.status, 201, await answer.text());
  };

  before(async () => {
    await buildDashboard();
    vigil = await startVigil();
    for (let n = 0; n < 60; n += 1) await addRecord(`rec-${n}`, n % 10 === 0 ? `db-${n}` : `app-${n}`, n % 10 === 0 ? 'failed' : 'success', minute(n));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    await vigil?.stop();
  });

  test('pages, filters and exports on the server; a new record shows live', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'History' }).click();
    const rows = page.locator('tr[data-record]');
    const ids = () => rows.evaluateAll((list) => list.map((row) => row.getAttribute('data-record')));
    await page.locator('tr[data-record="rec-59"]').waitFor({ timeout: deadlines.request });
    // Vigil's own scan summaries are newer than these records: a full page is 50 all the same.
    assert.equal(await rows.count(), 50, 'one page of 50');
    await assertAccessible(page, 'history');
    await page.screenshot({ path: screenshot('history-desktop') });

    // Paging within a filter: 54 app records, 50 on the first page, the last four on the next.
    await page.getByLabel('Container').fill('app');
    await eventually('app rows', ids, (list) => list.length === 50 && list[0] === 'rec-59' && list.every((id) => Number(id?.slice(4)) % 10 !== 0));
    await page.getByRole('button', { name: 'Older' }).click();
    await eventually('the next page', ids, (list) => list.join() === 'rec-4,rec-3,rec-2,rec-1');
    assert.equal(await page.getByRole('button', { name: 'Older' }).count(), 0, 'the last page has no Older');
    await page.getByRole('button', { name: 'Newer' }).click();
    await eventually('back on the first page', ids, (list) => list[0] === 'rec-59' && list.length === 50);
    await page.getByLabel('Container').fill('');

    // The server filters: six failed records, of which the container filter keeps one.
    await page.getByLabel('Outcome').selectOption('failed');
    await eventually('failed rows', () => rows.count(), (count) => count === 6);
    await page.getByLabel('Container').fill('db-3');
    await eventually('db-3 rows', ids, (list) => list.join() === 'rec-30');
    await page.getByLabel('Container').fill('');
    await page.getByLabel('Outcome').selectOption('');
    // A time range, in the browser's time zone as the inputs are: minutes 10 to 12.
    const local = (n: number) => page.evaluate((ms) => { const date = new Date(ms); date.setMinutes(date.getMinutes() - date.getTimezoneOffset()); return date.toISOString().slice(0, 16); }, START + n * 60_000);
    await page.getByLabel('From').fill(await local(10));
    await page.getByLabel('Until').fill(await local(13));
    await eventually('time range rows', ids, (list) => list.join() === 'rec-12,rec-11,rec-10');

    // The export carries the filters.
    const download = page.waitForEvent('download', { timeout: deadlines.request });
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const file = await (await download).createReadStream();
    let csv = '';
    for await (const chunk of file) csv += String(chunk);
    const lines = csv.trim().split('\r\n');
    assert.equal(lines[0]?.startsWith('timestamp,container,'), true, csv);
    assert.deepEqual(lines.slice(1).map((line) => line.split(',')[1]), ['app-12', 'app-11', 'db-10']);
    const json = await page.evaluate(async (href) => await (await fetch(href)).json() as Array<{ id: string }>, await page.getByRole('link', { name: 'Export JSON' }).getAttribute('href') ?? '');
    assert.deepEqual(json.map((entry) => entry.id), ['rec-12', 'rec-11', 'rec-10']);

    // Live: with no filter, a record made now is on the newest page without a reload.
    await page.getByLabel('From').fill('');
    await page.getByLabel('Until').fill('');
    await page.locator('tr[data-record="rec-59"]').waitFor({ timeout: deadlines.request });
    await addRecord('rec-live', 'late', 'success', new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
    await page.locator('tr[data-record="rec-live"]').waitFor({ timeout: deadlines.condition });
    assert.deepEqual(errors, []);
    await context.close();
  });
});
