// End to end on a real engine and registry: a container under the auto policy, a new tag pushed to the registry, a
// scan by `vigil serve` finds it and the update controller replaces the container; the webhook receiver gets
// update_started and then update_succeeded, each derived from the resources (Container operation, UpdateRecord).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deadlines } from '../../testbed/deadlines.ts';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../../testbed/http-receiver.ts';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { NEW_IMAGE, OLD_IMAGE, startUpdateTestbed, type UpdateTestbed } from '../update/update-testbed.ts';
import { apiOk, createWebhookChannel, eventually, GROUP } from './fixtures.ts';

interface WebhookBody {
  type: string;
  containers: Array<{ name: string; host: string; currentVersion?: string; targetVersion?: string }>;
}

describe('a real update notifies the webhook', () => {
  let bed: UpdateTestbed;
  let vigil: VigilChild;
  let receiver: HttpReceiver;

  before(async () => {
    receiver = await startHttpReceiver();
    bed = await startUpdateTestbed('notify-e2e');
    const oldReference = await bed.publish('1.0.0', OLD_IMAGE);
    const newReference = await bed.publish('1.1.0', NEW_IMAGE);
    // As before a real update: the engine has 1.1.0 only in the registry.
    await bed.engine.docker(['rmi', newReference, 'vigil-test/app:1.1.0']);
    await bed.engine.docker(['run', '-d', '--name', 'web', '--label', 'sentinel.policy=auto', '--label', 'sentinel.semver=minor', '--label', 'sentinel.grace-period=1s', oldReference]);
    vigil = await startVigil({ args: ['--docker-host', bed.engine.host] });
    await createWebhookChannel(vigil, 'hook', `${receiver.base}/events`, ['update_started', 'update_succeeded', 'update_failed']);
  });

  after(async () => {
    await vigil?.stop();
    await bed?.cleanup();
    await receiver?.close();
  });

  const bodyOf = (request: ReceivedRequest): WebhookBody => JSON.parse(request.body) as WebhookBody;

  test('update_started and update_succeeded reach the receiver, in that order', async () => {
    await eventually('web discovered with the auto policy', async () => {
      const container = await apiOk<{ status?: { id?: string; effective?: { policy?: { value?: string } } } }>(vigil, 'GET', `${GROUP}/namespaces/local/containers/web`).catch(() => undefined);
      return container?.status?.id !== undefined && container.status.effective?.policy?.value === 'auto' ? true : undefined;
    }, deadlines.containerCondition);
    await apiOk(vigil, 'POST', '/api/scan');
    const records = await eventually('the UpdateRecord of the update', async () => {
      const list = await apiOk<{ items: Array<{ spec: { type: string; outcome: string; containerName?: string } }> }>(vigil, 'GET', `${GROUP}/namespaces/local/updaterecords`);
      const updates = list.items.filter((item) => item.spec.type === 'update' && item.spec.containerName === 'web');
      return updates.length > 0 ? updates : undefined;
    }, deadlines.containerCondition).catch(async (error: unknown) => {
      const container = await apiOk<{ status?: unknown }>(vigil, 'GET', `${GROUP}/namespaces/local/containers/web`);
      const log = readFileSync(join(vigil.dataDir, 'vigil.log'), 'utf8').slice(-4000);
      throw new Error(`${String(error)}\ncontainer: ${JSON.stringify(container.status)}\nlog: ${log}`);
    });
    assert.equal(records[0]?.spec.outcome, 'success', JSON.stringify(records));
    const received = await receiver.waitFor(2, () => true, deadlines.containerCondition);
    const types = received.map((request) => bodyOf(request).type);
    assert.deepEqual(types.slice(0, 2), ['update_started', 'update_succeeded'], JSON.stringify(types));
    const [started, succeeded] = received.map(bodyOf);
    assert.equal(started?.containers[0]?.name, 'web');
    assert.equal(started?.containers[0]?.targetVersion, '1.1.0');
    assert.deepEqual(succeeded?.containers.map((container) => [container.name, container.host, container.currentVersion, container.targetVersion]), [['web', 'local', '1.0.0', '1.1.0']]);
    assert.match(String(received[1]?.headers['x-vigil-delivery']), /^hook\/record\/local\//);
  });
});
