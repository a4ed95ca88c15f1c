// Swarm service rollouts wherever a container's show: GET /api/history (Sentinel's type "service", rollback outcomes
// rollback_success/rollback_failed), the activity log (kind "service"), GET /api/events (service_update and
// queue_change), and /metrics (vigil_updates_total by service type, vigil_swarm_services, the queue and the updates
// available with services counted).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import { startApi } from '../apiserver/fixtures/api.ts';
import { addRecord, putSettings, DIGEST_A, DIGEST_B, type TestApi } from './fixtures.ts';
import { openEvents } from './event-stream.ts';
import { deadlines } from '../../testbed/deadlines.ts';

let api: TestApi;
const IMAGE = 'registry.example:5000/team/web';

before(async () => {
  api = await startApi({ listen: true });
  await putSettings(api, { metrics: { enabled: true } });
});
after(async () => await api?.close());

async function metricValue(line: RegExp): Promise<number | undefined> {
  const text = (await api.request('GET', '/metrics')).text;
  const found = text.split('\n').find((entry) => line.test(entry));
  return found === undefined ? undefined : Number(found.slice(found.lastIndexOf(' ') + 1));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (const deadline = Date.now() + deadlines.condition; ;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${deadlines.condition} ms: ${what}`);
    await sleep(100);
  }
}

describe('Swarm service rollouts in the history, the activity log, the event stream and the metrics', () => {
  test('history rows and activity entries of service records, in Sentinel\'s words', async () => {
    await addRecord(api, { type: 'service_update', outcome: 'success', service: 'web', containerName: 'web', oldImage: `${IMAGE}:1.0@${DIGEST_B}`, newImage: `${IMAGE}:1.1@${DIGEST_A}`, oldDigest: DIGEST_B, newDigest: DIGEST_A, duration: 12.5, finishedAt: '2026-11-22T10:00:00Z', requestedBy: 'vigil:auto-update' });
    await addRecord(api, { type: 'service_rollback', outcome: 'success', service: 'web', containerName: 'web', oldImage: `${IMAGE}:1.1@${DIGEST_A}`, newImage: `${IMAGE}:1.0@${DIGEST_B}`, newDigest: DIGEST_B, duration: 4, finishedAt: '2026-11-22T10:05:00Z' });
    const history = (await api.request('GET', '/api/history')).json<Array<Record<string, unknown>>>();
    assert.deepEqual(history.map((row) => [row.container_name, row.type, row.outcome, row.new_digest]), [
      ['web', 'service', 'rollback_success', DIGEST_B],
      ['web', 'service', 'success', DIGEST_A],
    ]);
    assert.equal(history[1]?.duration, 12_500_000_000);
    const logs = (await api.request('GET', '/api/logs')).json<Array<Record<string, unknown>>>();
    const update = logs.find((entry) => entry.type === 'service_update');
    assert.deepEqual({ kind: update?.kind, container: update?.container, user: update?.user }, { kind: 'service', container: 'web', user: 'vigil:auto-update' });
    assert.match(String(update?.message), /^Update of web .* → .*: success$/);
    assert.match(String(logs.find((entry) => entry.type === 'service_rollback')?.message), /^Rollback of web .*: success$/);
  });

  test('a service found with an update, then rolled out, is heard on GET /api/events', async () => {
    const events = await openEvents(api.url, api.headers());
    try {
      await api.resources.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'SwarmService', metadata: { name: 'events' }, status: { host: 'local', image: `${IMAGE}:1.0`, digest: DIGEST_B, mode: 'replicated', replicas: 2, desiredTasks: 2, runningTasks: 2, effective: { policy: { value: 'manual', source: 'default' } } } }, { includeStatus: true });
      await api.resources.modify('SwarmService', undefined, 'events', (current) => ({
        ...current,
        status: {
          ...(current.status as object),
          registryCheck: { updateAvailable: true, localDigest: DIGEST_B, lastChecked: '2026-11-22T10:00:00Z', target: { tag: '1.1', version: '1.1', digest: DIGEST_A, image: `${IMAGE}:1.1` } },
          pendingUpdate: { currentImage: `${IMAGE}:1.0`, remoteDigest: DIGEST_A, targetImage: `${IMAGE}:1.1`, detectedAt: '2026-11-22T10:00:00Z', newerVersions: ['1.1'] },
        },
      }) as ResourceObject, { subresource: 'status' });
      const available = await events.waitFor((frame) => frame.event === 'service_update' && (frame.data ?? '').includes('Update available for service events'), 'the update-available event');
      const data = JSON.parse(available.data ?? '{}') as Record<string, unknown>;
      assert.deepEqual({ type: data.type, name: data.container_name }, { type: 'service_update', name: 'events' });
      await events.waitFor((frame) => frame.event === 'queue_change' && (frame.data ?? '').includes('"container_name":"events"'), 'the queue event');
      assert.equal(await metricValue(/^vigil_queue_pending /), 1);
      assert.equal(await metricValue(/^vigil_updates_available /), 1);
      assert.equal(await metricValue(/^vigil_swarm_services\{mode="replicated"\} /), 1);

      await api.resources.modify('SwarmService', undefined, 'events', (current) => ({
        ...current,
        status: { ...(current.status as object), digest: DIGEST_A, lastUpdate: { kind: 'update', outcome: 'success', finishedAt: '2026-11-22T10:10:00Z' } },
      }) as ResourceObject, { subresource: 'status' });
      await events.waitFor((frame) => frame.event === 'service_update' && (frame.data ?? '').includes('Update of service events succeeded'), 'the rollout event');
      await events.waitFor((frame) => frame.event === 'queue_change' && (frame.data ?? '').includes('Removed from queue'), 'the queue removal');
    } finally {
      events.close();
    }
  });

  test('vigil_updates_total counts service records by type and outcome', async () => {
    const before = await metricValue(/^vigil_updates_total\{type="service_update",outcome="timeout"\} /);
    assert.equal(before, 0, 'served from zero');
    await addRecord(api, { type: 'service_update', outcome: 'timeout', service: 'web', containerName: 'web', newDigest: DIGEST_A, finishedAt: '2026-11-22T11:00:00Z', error: 'no UpdateStatus after 60 s' });
    await until('the timeout counted', async () => ((await metricValue(/^vigil_updates_total\{type="service_update",outcome="timeout"\} /)) === 1 ? true : undefined));
  });
});
