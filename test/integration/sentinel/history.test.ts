// History from UpdateRecords of every host: newest first, `limit` (default 50, at most 200) and the `before` cursor;
// the export as JSON and as CSV with the reference's columns and RFC 4180 quoting; the activity log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addRecord, assertError, assertShape, startFacade, type TestApi } from './fixtures.ts';

let api: TestApi;

function minute(n: number): string {
  return new Date(Date.parse('2025-01-15T00:00:00Z') + n * 60_000).toISOString().replace('.000Z', 'Z');
}

before(async () => {
  api = await startFacade();
  await api.resources.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name: 'edge-1' }, spec: { displayName: 'Edge One' } });
  // 60 records on local (one a minute), and two special ones.
  for (let n = 0; n < 60; n += 1) {
    await addRecord(api, { type: 'update', outcome: 'success', containerName: `app-${n}`, container: `app-${n}`, oldImage: 'app:1', newImage: 'app:2', duration: 2.25, finishedAt: minute(n) });
  }
  await addRecord(api, {
    type: 'update', outcome: 'failed', containerName: 'tricky', container: 'tricky', oldImage: 'img:1', newImage: 'img:2', duration: 0,
    error: 'pull failed: "manifest unknown", retry\nlater', finishedAt: minute(100),
  }, 'edge-1');
  // A notification failure: activity, not history.
  await addRecord(api, {
    type: 'notification', outcome: 'failed', containerName: 'tricky', finishedAt: minute(99), error: 'HTTP 400: bad payload',
    notification: { channel: 'hook', channelType: 'webhook', eventType: 'update_failed', delivery: 'hook/record/edge-1/x' },
  }, 'vigil-system');
  await addRecord(api, { type: 'scan_summary', outcome: 'scan_summary', finishedAt: minute(101), summary: { checked: 12, updatesAvailable: 2 }, requestedBy: 'webhook' });
  await addRecord(api, { type: 'lifecycle', outcome: 'success', containerName: 'web', container: 'web', finishedAt: minute(102), requestedBy: 'olivia', steps: [{ name: 'restart', outcome: 'success' }] });
});
after(async () => await api.close());

describe('GET /api/history', () => {
  test('answers 50 records by default, newest first, with the reference fields and types', async () => {
    const response = await api.request('GET', '/api/history');
    assert.equal(response.status, 200);
    const records = response.json<Array<Record<string, unknown>>>();
    assert.equal(records.length, 50);
    assert.deepEqual(records.slice(0, 3).map((record) => record.timestamp), [minute(102), minute(101), minute(100)]);
    const tricky = records[2];
    assertShape(tricky, { timestamp: 'string', container_name: 'string', type: 'string', old_image: 'string', new_image: 'string', outcome: 'string', duration: 'number', error: 'string', host_id: 'string', host_name: 'string' });
    assert.deepEqual({ host_id: tricky?.host_id, host_name: tricky?.host_name }, { host_id: 'edge-1', host_name: 'Edge One' });
    assert.equal(records[3]?.duration, 2_250_000_000);
  });

  test('limit and the before cursor page through everything exactly once', async () => {
    const seen: string[] = [];
    let before = '';
    for (;;) {
      const page = (await api.request('GET', `/api/history?limit=20${before === '' ? '' : `&before=${encodeURIComponent(before)}`}`)).json<Array<Record<string, unknown>>>();
      if (page.length === 0) break;
      assert.ok(page.length <= 20);
      seen.push(...page.map((record) => String(record.container_name) + String(record.timestamp)));
      before = String(page[page.length - 1]?.timestamp);
    }
    assert.equal(seen.length, 63);
    assert.equal(new Set(seen).size, 63);
  });

  test('records sharing a second are paged exactly with before_id, newest written first', async () => {
    for (let n = 0; n < 5; n += 1) await addRecord(api, { type: 'check', outcome: 'success', containerName: `same-${n}`, container: `same-${n}`, finishedAt: minute(200) });
    const first = (await api.request('GET', '/api/history?limit=2')).json<Array<Record<string, unknown>>>();
    assert.deepEqual(first.map((record) => record.container_name), ['same-4', 'same-3']);
    const last = first[1];
    const next = (await api.request('GET', `/api/history?limit=2&before=${encodeURIComponent(String(last?.timestamp))}&before_id=${String(last?.id)}`)).json<Array<Record<string, unknown>>>();
    assert.deepEqual(next.map((record) => record.container_name), ['same-2', 'same-1']);
    // Sentinel's cursor alone skips the rest of that second.
    const coarse = (await api.request('GET', `/api/history?limit=1&before=${encodeURIComponent(String(last?.timestamp))}`)).json<Array<Record<string, unknown>>>();
    assert.equal(coarse[0]?.timestamp, minute(102));
    // The other tests count 63 records: remove these five again.
    const added = (await api.request('GET', '/api/history?limit=5')).json<Array<Record<string, unknown>>>();
    assert.deepEqual(added.map((record) => record.timestamp), Array(5).fill(minute(200)));
    for (const record of added) await api.resources.delete('UpdateRecord', 'local', String(record.id));
  });

  test('a limit over 200 is cut to 200; a bad limit or before is a 400 naming the parameter', async () => {
    assert.equal((await api.request('GET', '/api/history?limit=1000')).json<unknown[]>().length, 63);
    assertError(await api.request('GET', '/api/history?limit=zero'), 400, /^limit: must be a whole number from 1 to 200/);
    assertError(await api.request('GET', '/api/history?limit=0'), 400, /^limit: /);
    assertError(await api.request('GET', '/api/history?before=yesterday'), 400, /^before: must be an RFC 3339 time/);
  });
});

describe('GET /api/history filters (Vigil additions)', () => {
  const names = async (query: string) => (await api.request('GET', `/api/history?${query}`)).json<Array<Record<string, unknown>>>().map((record) => record.container_name);

  test('outcome, container, host and a time range filter on the server, and paging stays within the filter', async () => {
    assert.deepEqual(await names('outcome=failed'), ['tricky']);
    assert.deepEqual(await names('outcome=failed,scan_summary'), ['', 'tricky']);
    assert.deepEqual(await names('host=edge-1'), ['tricky']);
    assert.deepEqual(await names('container=APP-5'), ['app-59', 'app-58', 'app-57', 'app-56', 'app-55', 'app-54', 'app-53', 'app-52', 'app-51', 'app-50', 'app-5']);
    assert.deepEqual(await names(`since=${encodeURIComponent(minute(10))}&until=${encodeURIComponent(minute(13))}`), ['app-12', 'app-11', 'app-10']);
    // limit counts matching records; the next page continues after the last one seen.
    const first = (await api.request('GET', '/api/history?outcome=success&container=app-&limit=2')).json<Array<Record<string, unknown>>>();
    assert.deepEqual(first.map((record) => record.container_name), ['app-59', 'app-58']);
    const last = first[1];
    assert.deepEqual(await names(`outcome=success&container=app-&limit=2&before=${encodeURIComponent(String(last?.timestamp))}&before_id=${String(last?.id)}`), ['app-57', 'app-56']);
  });

  test('the export takes the same filters', async () => {
    const response = await api.request('GET', '/api/history/export?format=json&outcome=failed');
    assert.deepEqual(response.json<Array<Record<string, unknown>>>().map((record) => record.container_name), ['tricky']);
    const csv = (await api.request('GET', '/api/history/export?format=csv&host=edge-1')).text.split('\r\n');
    assert.equal(csv.length, 1 + 1 + 1);
  });

  test('a bad outcome or time is a 400 naming the parameter', async () => {
    assertError(await api.request('GET', '/api/history?outcome=exploded'), 400, /^outcome: must be one or more of success, failed/);
    assertError(await api.request('GET', '/api/history?since=monday'), 400, /^since: must be an RFC 3339 time/);
    assertError(await api.request('GET', '/api/history/export?until=later'), 400, /^until: must be an RFC 3339 time/);
  });
});

describe('GET /api/history/export', () => {
  test('JSON: every record, as an attachment', async () => {
    const response = await api.request('GET', '/api/history/export');
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-disposition']), /attachment; filename=sentinel-history\.json/);
    assert.equal(response.json<unknown[]>().length, 63);
  });

  test('CSV: the reference columns, durations in seconds, and fields with commas, quotes and line breaks quoted', async () => {
    const response = await api.request('GET', '/api/history/export?format=csv');
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-type']), /^text\/csv/);
    const lines = response.text.split('\r\n');
    assert.equal(lines[0], 'timestamp,container,type,old_image,new_image,outcome,duration_s,error,host_id,host_name');
    assert.equal(lines[3], `${minute(100)},tricky,update,img:1,img:2,failed,,"pull failed: ""manifest unknown"", retry\nlater",edge-1,Edge One`);
    assert.equal(lines[4], `${minute(59)},app-59,update,app:1,app:2,success,2.3,,local,local`);
    assert.equal(lines.at(-1), '', 'every record ends with CRLF');
    assert.equal(lines.length, 1 + 63 + 1, 'header, records, and the empty rest after the last CRLF');
  });

  test('an unknown format is a 400', async () => {
    assertError(await api.request('GET', '/api/history/export?format=xml'), 400, /^format: must be one of json, csv/);
  });
});

describe('GET /api/logs', () => {
  test('the activity log: one sentence per record, with who asked', async () => {
    const response = await api.request('GET', '/api/logs?limit=3');
    assert.equal(response.status, 200);
    const entries = response.json<Array<Record<string, unknown>>>();
    assertShape(entries[0], { timestamp: 'string', type: 'string', message: 'string', container: 'string', user: 'string' });
    assert.deepEqual(entries.map((entry) => [entry.type, entry.message, entry.user]), [
      ['restart', 'restart web: success', 'olivia'],
      ['scan_summary', 'Scan complete: 12 checked, 2 updates available', 'webhook'],
      ['update', 'Update of tricky img:1 → img:2: failed: pull failed: "manifest unknown", retry\nlater', undefined],
    ]);
  });

  test('a notification failure is in the activity log, not in the history or its export', async () => {
    const entries = (await api.request('GET', '/api/logs?limit=5')).json<Array<{ type: string; message: string; outcome: string }>>();
    assert.deepEqual(entries.filter((entry) => entry.type === 'notification').map((entry) => [entry.message, entry.outcome]), [
      ['Notification update_failed for tricky to hook (webhook) failed: HTTP 400: bad payload', 'failed'],
    ]);
    const history = (await api.request('GET', '/api/history?limit=200')).json<Array<{ type: string }>>();
    assert.ok(history.length > 0 && history.every((entry) => entry.type !== 'notification'), JSON.stringify(history.map((entry) => entry.type)));
    const exported = (await api.request('GET', '/api/history/export?format=json')).json<Array<{ type: string }>>();
    assert.ok(exported.every((entry) => entry.type !== 'notification'));
  });
});
