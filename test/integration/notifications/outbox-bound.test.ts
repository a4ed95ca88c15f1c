// The outbox bound on a real `vigil serve`: a webhook channel whose receiver is down (nothing listens on its port)
// with `spec.maxPending: 3` gets 5 events; the 3 newest stay pending as NotificationDelivery resources, the 2 oldest
// are dropped, counted on the channel's status and in /metrics, and reported in the activity log (GET /api/logs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../testbed/daemon.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { apiOk, createRecord, eventually, GROUP } from './fixtures.ts';

interface BoundStatus {
  pending?: number;
  droppedCount?: number;
  conditions?: Array<{ type: string; status: string; reason: string }>;
}

describe('the outbox bound of a channel that is down', () => {
  let vigil: VigilChild;

  before(async () => {
    vigil = await startVigil({ env: { VIGIL_METRICS: 'true' } });
    const port = await freePort();
    await apiOk(vigil, 'POST', `${GROUP}/notificationchannels`, {
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'NotificationChannel',
      metadata: { name: 'small' },
      spec: { type: 'webhook', events: ['update_succeeded'], maxPending: 3, settings: { webhook: { url: `http://127.0.0.1:${port}/hook` } } },
    });
  });

  after(async () => {
    await vigil?.stop();
  });

  test('keeps the newest 3, drops the 2 oldest, and counts and reports the drops', async () => {
    const names = ['bound-1', 'bound-2', 'bound-3', 'bound-4', 'bound-5'];
    for (const name of names) await createRecord(vigil, name);
    const status = await eventually('the drops are on the channel', async () => {
      const current = (await apiOk<{ status?: BoundStatus }>(vigil, 'GET', `${GROUP}/notificationchannels/small`)).status;
      return current?.droppedCount === 2 && current.pending === 3 ? current : undefined;
    });
    const dropped = status.conditions?.find((condition) => condition.type === 'DeliveriesDropped');
    assert.equal(dropped?.status, 'True');
    assert.equal(dropped?.reason, 'OutboxBoundExceeded');

    const deliveries = await apiOk<{ items: Array<{ spec: { eventKey: string } }> }>(vigil, 'GET', `${GROUP}/notificationdeliveries`);
    assert.deepEqual(deliveries.items.map((item) => item.spec.eventKey).sort(), ['record/local/bound-3', 'record/local/bound-4', 'record/local/bound-5']);

    const metrics = await (await fetch(`${vigil.url}/metrics`, { headers: vigil.headers(), signal: AbortSignal.timeout(deadlines.request) })).text();
    assert.match(metrics, /vigil_notification_deliveries_total\{channel_type="webhook",event_type="update_succeeded",outcome="dropped"\} 2/);
    assert.match(metrics, /vigil_notification_pending\{channel="small"\} 3/);

    // The first drop pass is reported at once; drops after it within the minute are counted into the next entry (so
    // one entry names 1 or both, depending on whether the two drops fell into one pass).
    const entries = await eventually('the drop is in the activity log', async () => {
      const found = (await apiOk<Array<{ type: string; message: string; outcome: string }>>(vigil, 'GET', '/api/logs')).filter((entry) => entry.type === 'notification');
      return found.length > 0 ? found : undefined;
    });
    let named = 0;
    for (const entry of entries) {
      const match = /^Notifications to small \(webhook\) dropped: (\d+) deliver(?:y|ies) dropped, oldest first: the outbox of the channel was full$/.exec(entry.message);
      assert.ok(match, entry.message);
      assert.equal(entry.outcome, 'failed');
      named += Number(match[1]);
    }
    assert.ok(named >= 1 && named <= 2, `${named} drops named`);
  });
});
