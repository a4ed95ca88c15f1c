// At least once across `kill -9`: deliveries pending in the outbox (the receiver is down) when `vigil serve` is killed
// are all delivered after a restart on the same data directory, and what was delivered before the kill is not sent
// again (the emitted markers survive with the store).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../../testbed/http-receiver.ts';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { channelStatus, createRecord, createWebhookChannel, eventually } from './fixtures.ts';

describe('notifications survive kill -9 of vigil serve', () => {
  const dataDir = makeTempDir('notify-restart');
  let receiver: HttpReceiver;
  let vigil: VigilChild | undefined;

  before(async () => {
    receiver = await startHttpReceiver();
  });

  after(async () => {
    await vigil?.stop();
    await receiver?.close();
    removeTempDir(dataDir);
  });

  const delivery = (request: ReceivedRequest): string => String(request.headers['x-vigil-delivery'] ?? '');

  test('pending deliveries are delivered after the restart, delivered ones are not sent again', async () => {
    vigil = await startVigil({ dataDir });
    await createWebhookChannel(vigil, 'hook', `${receiver.base}/hook`, ['update_succeeded']);
    await createRecord(vigil, 'before-1');
    await receiver.waitFor(1, (request) => delivery(request) === 'hook/record/local/before-1');

    await receiver.down();
    const pending = ['pending-1', 'pending-2', 'pending-3', 'pending-4', 'pending-5'];
    for (const name of pending) await createRecord(vigil, name);
    await eventually('five deliveries pending', async () => ((await channelStatus(vigil as VigilChild, 'hook')).pending === 5 ? true : undefined));
    await vigil.kill();

    await receiver.up();
    vigil = await startVigil({ dataDir });
    const received = await receiver.waitFor(6, () => true, deadlines.condition + 30_000);
    assert.deepEqual(received.map(delivery), ['hook/record/local/before-1', ...pending.map((name) => `hook/record/local/${name}`)]);
    await eventually('the outbox is empty', async () => ((await channelStatus(vigil as VigilChild, 'hook')).pending === 0 ? true : undefined));
    assert.equal(receiver.requests.filter((request) => delivery(request) === 'hook/record/local/before-1').length, 1, 'the delivered one is not sent again');
  });
});
