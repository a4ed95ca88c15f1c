// The webhook channel of a real `vigil serve` child process against a real HTTP receiver on 127.0.0.1: an
// UpdateRecord made through the resource API arrives with the exact method, path, headers and body; a 429 with
// Retry-After is retried no earlier than it asked; a receiver down during 50 events gets all 50 in order once it is
// back; the test endpoint sends for real; no secret reaches the server's log or an answer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../../testbed/http-receiver.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { api, apiOk, channelStatus, createRecord, createWebhookChannel, eventually, SECRET_TOKEN } from './fixtures.ts';

const EVENTS = ['update_succeeded', 'update_failed'];

describe('webhook notifications from vigil serve', () => {
  let vigil: VigilChild;
  let receiver: HttpReceiver;

  before(async () => {
    receiver = await startHttpReceiver();
    vigil = await startVigil();
    await createWebhookChannel(vigil, 'hook', `${receiver.base}/hooks/vigil?source=test`, EVENTS);
  });

  after(async () => {
    await vigil?.stop();
    await receiver?.close();
  });

  const forRecord = (prefix: string) => (request: ReceivedRequest): boolean => String(request.headers['x-vigil-delivery'] ?? '').startsWith(`hook/record/local/${prefix}`);

  test('an UpdateRecord reaches the receiver with the exact method, path, headers and JSON body', async () => {
    const { finishedAt } = await createRecord(vigil, 'exact-1');
    const [request] = await receiver.waitFor(1, forRecord('exact-1'));
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/hooks/vigil?source=test');
    assert.equal(request.headers['x-vigil-delivery'], 'hook/record/local/exact-1');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['x-team'], 'ops');
    assert.equal(request.headers.authorization, `Bearer ${SECRET_TOKEN}`);
    assert.deepEqual(JSON.parse(request.body), {
      type: 'update_succeeded',
      timestamp: finishedAt,
      containers: [{ name: 'web', host: 'local', image: 'nginx:1.26', currentVersion: '1.25', targetVersion: '1.26', targetTag: '1.26', targetImage: 'nginx:1.26' }],
      title: 'Update succeeded',
      body: 'web on local 1.25 → 1.26',
    });
    const status = await eventually('the channel status counts it', async () => {
      const current = await channelStatus(vigil, 'hook');
      return (current.sentCount ?? 0) >= 1 && current.pending === 0 ? current : undefined;
    });
    assert.ok(status.lastSuccess, 'lastSuccess is set');
    assert.equal(status.conditions?.find((condition) => condition.type === 'Ready')?.status, 'True');
    const record = await apiOk<{ metadata: { annotations?: Record<string, string> } }>(vigil, 'GET', '/apis/vigil.dev/v1alpha1/namespaces/local/updaterecords/exact-1');
    assert.ok(record.metadata.annotations?.['vigil.dev/notified'], 'the record is marked as notified');
  });

  test('a 429 with Retry-After: 2 is retried with the same delivery id, and not before 2 s', async () => {
    receiver.respondWith({ status: 429, headers: { 'Retry-After': '2' }, body: 'slow down' });
    await createRecord(vigil, 'limited-1');
    const [first, second] = await receiver.waitFor(2, forRecord('limited-1'));
    assert.ok(first && second);
    assert.equal(second.headers['x-vigil-delivery'], first.headers['x-vigil-delivery']);
    assert.ok(second.receivedAt - first.receivedAt >= 2000, `retried after ${Math.round(second.receivedAt - first.receivedAt)} ms`);
    assert.deepEqual(JSON.parse(second.body), JSON.parse(first.body));
  });

  test('a receiver down while 50 events are produced gets all 50 once it is back, in order, each once', async () => {
    await receiver.down();
    const names = Array.from({ length: 50 }, (_, index) => `burst-${String(index + 1).padStart(3, '0')}`);
    for (const name of names) await createRecord(vigil, name);
    await eventually('all 50 are pending in the outbox', async () => ((await channelStatus(vigil, 'hook')).pending === 50 ? true : undefined));
    const down = await channelStatus(vigil, 'hook');
    assert.match(down.lastError ?? '', /^request failed/);
    await receiver.up();
    // At most the capped backoff (30 s) before the head is tried again, then the rest in one drain.
    const received = await receiver.waitFor(50, forRecord('burst-'), deadlines.condition + 30_000);
    const ids = received.map((request) => String(request.headers['x-vigil-delivery']));
    assert.deepEqual(ids, names.map((name) => `hook/record/local/${name}`));
    await eventually('the outbox is empty', async () => ((await channelStatus(vigil, 'hook')).pending === 0 ? true : undefined));
    assert.equal(receiver.requests.filter(forRecord('burst-')).length, 50, 'no delivery twice');
  });

  test('POST /api/settings/notifications/test sends a real test message and answers per channel', async () => {
    const answer = await apiOk<{ status: string; message: string; results: Array<{ id: string; name: string; type: string; success: boolean }> }>(vigil, 'POST', '/api/settings/notifications/test', { id: 'hook' });
    assert.equal(answer.status, 'ok');
    assert.equal(answer.message, 'test notification sent to hook');
    assert.deepEqual(answer.results, [{ id: 'hook', name: 'hook', type: 'webhook', success: true }]);
    const [request] = await receiver.waitFor(1, (candidate) => String(candidate.headers['x-vigil-delivery'] ?? '').startsWith('test/hook/'));
    assert.equal(JSON.parse(request?.body ?? '{}').title, 'Vigil test notification');
    assert.equal(request?.headers.authorization, `Bearer ${SECRET_TOKEN}`);
  });

  test('a failing test answers 502 with the redacted error, and an unknown id 404', async () => {
    // The receiver quotes the token back: the answer must not.
    receiver.respondWith({ status: 401, body: `token ${SECRET_TOKEN} is not valid` });
    const failed = await api<{ error: string; results: Array<{ success: boolean; error?: string }> }>(vigil, 'POST', '/api/settings/notifications/test', { id: 'hook' });
    assert.equal(failed.status, 502, failed.text);
    assert.match(failed.json.error, /^test notification failed for hook: HTTP 401/);
    assert.equal(failed.json.results[0]?.success, false);
    assert.ok(!failed.text.includes(SECRET_TOKEN), failed.text);
    const unknown = await api<{ error: string }>(vigil, 'POST', '/api/settings/notifications/test', { id: 'nope' });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json, { error: 'no notification channel with id "nope"' });
  });

  test('a final failure is recorded on the channel, redacted, and no secret is in the server log', async () => {
    receiver.respondWith({ status: 400, body: `bad request from Bearer ${SECRET_TOKEN}` });
    await createRecord(vigil, 'rejected-1', 'failed');
    await receiver.waitFor(1, forRecord('rejected-1'));
    const status = await eventually('the final failure is recorded', async () => {
      const current = await channelStatus(vigil, 'hook');
      return (current.failedCount ?? 0) >= 1 ? current : undefined;
    });
    assert.match(status.lastError ?? '', /^HTTP 400/);
    assert.ok(!(status.lastError ?? '').includes(SECRET_TOKEN), status.lastError);
    const log = readFileSync(join(vigil.dataDir, 'vigil.log'), 'utf8');
    assert.match(log, /notification not delivered/, 'the failures were logged');
    assert.ok(!log.includes(SECRET_TOKEN), 'the token is not in the log');
    // And in the activity log, as Sentinel's dashboard shows it, redacted too.
    const entries = await eventually('the failure is in the activity log', async () => {
      const found = (await apiOk<Array<{ type: string; message: string; container?: string; outcome: string }>>(vigil, 'GET', '/api/logs')).filter((entry) => entry.type === 'notification');
      return found.length > 0 ? found : undefined;
    });
    assert.equal(entries.length, 1, JSON.stringify(entries));
    assert.equal(entries[0]?.outcome, 'failed');
    assert.equal(entries[0]?.container, 'web');
    assert.match(entries[0]?.message ?? '', /^Notification update_failed for web to hook \(webhook\) failed: HTTP 400/);
    assert.ok(!(entries[0]?.message ?? '').includes(SECRET_TOKEN), entries[0]?.message);
  });
});
