import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../controllers/runtime/index.ts';
import { Outbox, type PendingDelivery } from '../../../controllers/notifications/pipeline/outbox.ts';
import { drainChannel, type DeliveryReport } from '../../../controllers/notifications/pipeline/delivery-worker.ts';
import type { ChannelSender, OutgoingMessage, SendResult } from '../../../controllers/notifications/channels/sender.ts';
import { MemoryOutboxStore } from './memory-outbox-store.ts';

/** A sender answering from a script, recording each message's delivery id and the clock when it was sent. */
function scriptedSender(clock: FakeClock, answers: SendResult[]): ChannelSender & { sent: Array<{ id: string; at: number }> } {
  const sent: Array<{ id: string; at: number }> = [];
  return {
    sent,
    send: async (message) => {
      sent.push({ id: message.deliveryId, at: clock.now() });
      return answers.shift() ?? { outcome: 'delivered' };
    },
    close: async () => {},
  };
}

function render(delivery: PendingDelivery): OutgoingMessage {
  return { deliveryId: delivery.id, title: 't', body: 'b', severity: 'info', emoji: '', payload: delivery.payload };
}

async function setup(events: number, answers: SendResult[], retries = 3) {
  const clock = new FakeClock();
  const outbox = new Outbox(new MemoryOutboxStore());
  for (let i = 0; i < events; i++) {
    await outbox.enqueue('hook', `e${i}`, { type: 'update_started', timestamp: '2026-01-01T00:00:00Z', containers: [{ name: `c${i}`, host: 'local', image: 'x' }] });
  }
  const sender = scriptedSender(clock, answers);
  const reports: DeliveryReport[] = [];
  const drain = () => drainChannel({ channel: 'hook', outbox, sender, retries, clock, render, report: (r) => reports.push(r), signal: new AbortController().signal });
  return { clock, outbox, sender, reports, drain };
}

describe('drainChannel', () => {
  it('sends every delivery once, in order, with its stable id', async () => {
    const { sender, drain, outbox } = await setup(5, []);
    assert.equal(await drain(), undefined);
    assert.deepEqual(sender.sent.map((s) => s.id), ['hook/e0', 'hook/e1', 'hook/e2', 'hook/e3', 'hook/e4']);
    assert.equal((await outbox.pending('hook')).length, 0);
  });

  it('waits for Retry-After before sending again, and nothing overtakes the head', async () => {
    const { clock, sender, drain } = await setup(2, [{ outcome: 'retry', error: 'HTTP 429', retryAfterMs: 2_000 }]);
    const start = clock.now();
    assert.equal(await drain(), 2_000);
    assert.equal(sender.sent.length, 1);
    await clock.advance(1_999);
    assert.equal(await drain(), 1);
    assert.equal(sender.sent.length, 1);
    await clock.advance(1);
    assert.equal(await drain(), undefined);
    assert.deepEqual(sender.sent.map((s) => [s.id, s.at - start]), [['hook/e0', 0], ['hook/e0', 2_000], ['hook/e1', 2_000]]);
  });

  it('a receiver down for many events delivers them all, in order, once it is up', async () => {
    const down: SendResult[] = Array.from({ length: 3 }, () => ({ outcome: 'retry', error: 'ECONNREFUSED' }));
    const { clock, sender, drain, reports } = await setup(50, down);
    for (let wait = await drain(); wait !== undefined; wait = await drain()) await clock.advance(wait);
    const delivered = reports.filter((r) => r.outcome === 'delivered').map((r) => r.delivery.id);
    assert.deepEqual(delivered, Array.from({ length: 50 }, (_, i) => `hook/e${i}`));
    assert.equal(sender.sent.length, 53);
  });

  it('records a final failure after the retries and goes on with the next', async () => {
    const { clock, drain, reports } = await setup(2, [{ outcome: 'retry', error: 'HTTP 503' }, { outcome: 'retry', error: 'HTTP 503' }], 1);
    for (let wait = await drain(); wait !== undefined; wait = await drain()) await clock.advance(wait);
    assert.deepEqual(reports.map((r) => [r.outcome, r.delivery.id]), [['retry', 'hook/e0'], ['failed', 'hook/e0'], ['delivered', 'hook/e1']]);
  });

  it('does not retry a 400', async () => {
    const { sender, drain, reports } = await setup(1, [{ outcome: 'failed', error: 'HTTP 400' }]);
    await drain();
    assert.equal(sender.sent.length, 1);
    assert.equal(reports[0]?.outcome, 'failed');
  });
});
