// container_state on a real engine: `vigil serve` watches a Docker engine of the test bed; a container that exits
// with code 3 and one whose health check fails each reach the webhook receiver as one container_state event, derived
// from the Container status the inventory writes (not from the Docker event itself), once per transition.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deadlines } from '../../testbed/deadlines.ts';
import { buildTestImage, startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../../testbed/http-receiver.ts';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { cleanupEngine } from '../update/update-testbed.ts';
import { createWebhookChannel } from './fixtures.ts';

interface StateBody {
  type: string;
  containers: Array<{ name: string; host: string; image: string; state?: string }>;
}

describe('container_state from a real engine', () => {
  let engine: DockerEngine;
  let vigil: VigilChild;
  let receiver: HttpReceiver;

  before(async () => {
    receiver = await startHttpReceiver();
    engine = await startDockerEngine({ name: 'notify-state' });
    await buildTestImage(engine, { tag: 'vigil-test/crash:1', version: 'crash 1', health: 'none', cmd: ['sh', '-c', 'sleep 1; exit 3'] });
    await buildTestImage(engine, { tag: 'vigil-test/sick:1', version: 'sick 1', health: 'fail', cmd: ['sh', '-c', 'trap "exit 0" TERM INT; sleep 100000 & wait'] });
    vigil = await startVigil({ args: ['--docker-host', engine.host] });
    await createWebhookChannel(vigil, 'hook', `${receiver.base}/state`, ['container_state']);
  });

  after(async () => {
    await vigil?.stop();
    if (engine !== undefined) await cleanupEngine(engine);
    await receiver?.close();
  });

  const bodyOf = (request: ReceivedRequest): StateBody => JSON.parse(request.body) as StateBody;
  const about = (name: string) => (request: ReceivedRequest): boolean => bodyOf(request).containers.some((container) => container.name === name);

  test('an exit with code 3 and a failing health check each notify once', async () => {
    await engine.docker(['run', '-d', '--name', 'crasher', 'vigil-test/crash:1']);
    const [exited] = await receiver.waitFor(1, about('crasher'), deadlines.containerCondition);
    assert.ok(exited);
    const crashed = bodyOf(exited);
    assert.equal(crashed.type, 'container_state');
    assert.deepEqual(crashed.containers.map((container) => [container.name, container.host, container.state]), [['crasher', 'local', 'exited 3']]);
    assert.match(String(exited.headers['x-vigil-delivery']), /^hook\/state\/local\//);

    await engine.docker(['run', '-d', '--name', 'sick', 'vigil-test/sick:1']);
    const [unhealthy] = await receiver.waitFor(1, about('sick'), deadlines.containerCondition);
    assert.ok(unhealthy);
    assert.deepEqual(bodyOf(unhealthy).containers.map((container) => [container.name, container.state]), [['sick', 'unhealthy']]);
    // The inventory wrote the exited container's status again meanwhile (its passes, the sick one's start): no new
    // transition, no second message.
    assert.equal(receiver.requests.filter(about('crasher')).length, 1, 'one container_state for one exit');
  });
});
