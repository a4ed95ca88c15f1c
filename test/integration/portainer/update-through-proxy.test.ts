// The update controller, unchanged, on a Host that Portainer's Docker proxy reaches (the stand-in in front of a real
// engine, and a real registry): an auto update pulls, recreates and starts through the proxy and keeps the
// container's own settings; an image that never becomes healthy is rolled back to the exact old container and image;
// Swarm task containers on the endpoint are not Containers (Swarm services are updated by Swarm).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from '../../../schemas/generated/types.ts';
import { isActive } from '../../../controllers/update/controller/desired.ts';
import { registerPortainerController } from '../../../controllers/portainer/portainer-controller.ts';
import { buildTestImage, initSwarm, startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { freePort } from '../../testbed/daemon.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { startRegistry, type TestRegistry } from '../../testbed/registry.ts';
import { ENDPOINT_TYPE, startPortainerStandIn, type PortainerStandIn } from '../../testbed/portainer.ts';
import { startUpdateStack, type UpdateStack } from '../update/controller-stack.ts';
import { SERVE } from '../update/update-testbed.ts';
import { within } from '../inventory/real-stack.ts';

const API_KEY = 'ptr_update-through-proxy-5e6f7a8b';
const HOST = 'portainer-office-1';

interface Inspected {
  Id: string;
  Image: string;
  Config: { Image: string; Env: string[] };
  State: { Running: boolean };
  HostConfig: { PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>>; RestartPolicy: { Name: string } };
}

describe('updates through the Portainer Docker proxy', () => {
  let engine: DockerEngine;
  let registry: TestRegistry;
  let portainer: PortainerStandIn;
  let stack: UpdateStack;
  const ref = (repository: string, tag: string): string => `${registry.server}/team/${repository}:${tag}`;
  const inspect = async (name: string): Promise<Inspected> => (await engine.inspect(name)) as unknown as Inspected;
  const imageID = async (reference: string): Promise<string> => (await engine.docker(['image', 'inspect', '--format', '{{.Id}}', reference])).trim();
  const publish = async (repository: string, tag: string, version: string, health: 'ok' | 'fail', keep: boolean): Promise<void> => {
    await buildTestImage(engine, { tag: ref(repository, tag), version, health, cmd: ['sh', '-c', SERVE] });
    await engine.docker(['push', ref(repository, tag)], { timeoutMs: deadlines.dockerCommand });
    if (!keep) await engine.docker(['rmi', ref(repository, tag)]);
  };
  const ended = (name: string): Promise<Container> => stack.waitFor(name, 'an operation ended and was recorded', (status) => status.lastUpdate !== undefined && !isActive(status.operation));

  before(async () => {
    [engine, registry] = await Promise.all([startDockerEngine({ name: 'ptr-upd' }), startRegistry()]);
    await publish('app', '1', '1', 'ok', true);
    await publish('app', '2', '2', 'ok', false);
    portainer = await startPortainerStandIn({ apiKey: API_KEY, endpoints: [{ id: 1, name: 'office', type: ENDPOINT_TYPE.docker, engine }] });
    // The local Host points nowhere: every Docker call of this test goes through the proxy.
    stack = await startUpdateStack({
      dockerHost: `unix://${engine.dir}/no-such.sock`,
      testRegistry: registry,
      namespace: HOST,
      setup: (manager) => { registerPortainerController({ manager }); },
    });
    await stack.registry.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'portainer-key', namespace: 'vigil-system' }, stringData: { apiKey: API_KEY } });
    await stack.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'PortainerInstance', metadata: { name: 'office' }, spec: { url: portainer.url, apiKeySecretRef: { name: 'portainer-key', key: 'apiKey' } } });
  });
  after(async () => {
    await stack?.close();
    await portainer?.close();
    await Promise.all([engine?.cleanup(), registry?.cleanup()]);
  });

  test('an auto update pulls, recreates and starts through the proxy, keeping the container\'s settings', async () => {
    const port = await freePort();
    const oldID = (await engine.docker(['run', '-d', '--name', 'flow', '-l', 'sentinel.policy=auto', '-p', `127.0.0.1:${port}:8080`, '-e', 'MODE=production', '--restart', 'unless-stopped', ref('app', '1')])).trim();
    await stack.waitFor('flow', 'discovered through the proxy', (status) => status.id === oldID && status.effective?.policy?.value === 'auto');
    const checked = await stack.check('flow');
    assert.equal(checked.registryCheck?.target?.image, ref('app', '2'));
    const container = await ended('flow');
    assert.equal(container.status?.lastUpdate?.outcome, 'success', container.status?.lastUpdate?.error);
    const web = await inspect('flow');
    assert.notEqual(web.Id, oldID);
    assert.equal(web.Image, await imageID(ref('app', '2')));
    assert.ok(web.Config.Env.includes('MODE=production'));
    assert.deepEqual(web.HostConfig.PortBindings['8080/tcp'], [{ HostIp: '127.0.0.1', HostPort: String(port) }]);
    assert.equal(web.HostConfig.RestartPolicy.Name, 'unless-stopped');
    const paths = portainer.proxied.map((call) => `${call.method} ${call.path}`);
    assert.ok(paths.some((path) => /^POST (\/v[\d.]+)?\/images\/create\?/.test(path) && path.includes('fromImage')), `pulled through the proxy: ${JSON.stringify(paths.filter((path) => path.startsWith('POST')))}`);
    assert.ok(paths.some((path) => /^POST (\/v[\d.]+)?\/containers\/create\?/.test(path)), 'created through the proxy');
    const [record] = await stack.records('flow');
    assert.deepEqual([record?.spec.type, record?.spec.outcome, record?.spec.newImage], ['update', 'success', ref('app', '2')]);
  });

  test('an image that never becomes healthy is rolled back through the proxy to the old container and image ID', async () => {
    await publish('moving', 'stable', 'good', 'ok', true);
    const goodID = await imageID(ref('moving', 'stable'));
    const oldID = (await engine.docker(['run', '-d', '--name', 'moving', '-l', 'sentinel.policy=auto', ref('moving', 'stable')])).trim();
    await stack.waitFor('moving', 'discovered', (status) => status.id === oldID && status.repoDigests !== undefined);
    await publish('moving', 'stable', 'broken', 'fail', false);
    await stack.check('moving');
    const container = await ended('moving');
    assert.equal(container.status?.lastUpdate?.outcome, 'rollback', container.status?.lastUpdate?.error);
    const web = await inspect('moving');
    assert.equal(web.Id, oldID, 'the old container itself is back');
    assert.equal(web.Image, goodID);
    assert.equal(web.State.Running, true);
  });

  test('Swarm task containers on a Portainer endpoint are left out of the inventory', async () => {
    await initSwarm(engine);
    await engine.docker(['service', 'create', '-d', '--name', 'svc', '--replicas', '1', ref('app', '1')]);
    const task = (await within(deadlines.containerCondition, 'a task container of svc is running', 200, async () => {
      const ids = (await engine.docker(['ps', '-q', '--filter', 'label=com.docker.swarm.service.name=svc'])).trim();
      return ids === '' ? undefined : ids.split('\n')[0];
    })).value;
    // A container started after the task is discovered: the inventory has seen the engine since the task ran.
    const laterID = (await engine.docker(['run', '-d', '--name', 'after-task', ref('app', '1')])).trim();
    await stack.waitFor('after-task', 'discovered', (status) => status.id === laterID);
    const containers = (await stack.registry.list('Container', { namespace: HOST })).items as unknown as Container[];
    assert.ok(!containers.some((container) => container.status?.id?.startsWith(task) === true), 'the task is no Container');
    assert.ok(!containers.some((container) => container.status?.labels?.['com.docker.swarm.task'] !== undefined));
  });
});
