// Digest-pinned service updates on a real single-node Swarm with a local registry: the update reaches every task, a
// moving tag really updates, an unchanged digest sends nothing, Swarm's own rollback and a paused update are told
// apart, a restore from Vigil's stored spec reaches the old digest after a scale, and a global service updates.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../../controllers/registry/client.ts';
import { registryImageResolver, type ImageResolver } from '../../../controllers/swarm/image-resolution.ts';
import { observeRollout, type RolloutExpectation, type RolloutStep } from '../../../controllers/swarm/rollout-observation.ts';
import type { RolloutPolicy } from '../../../controllers/swarm/rollout-policy.ts';
import { restoreServiceSpec, ServiceBusyError, updateServiceImage } from '../../../controllers/swarm/service-update.ts';
import { digestOf, serviceImage } from '../../../controllers/swarm/service-spec.ts';
import { startRegistry, type TestRegistry } from '../../testbed/registry.ts';
import { pushTestImage, startTestSwarm, waitUntil, SWARM_WAIT_MS, type TestSwarm } from '../../testbed/swarm.ts';

let swarm: TestSwarm;
let registry: TestRegistry;
let resolve: ImageResolver;
const anonymous = (): undefined => undefined;
/** Small monitor and delay: the machine is shared, the tests should not wait on Swarm's defaults. */
const QUICK: RolloutPolicy = { parallelism: 1, monitorSeconds: 1, delaySeconds: 0, order: 'start-first' };

function push(repository: string, tag: string, version: string, health: 'ok' | 'fail' = 'ok'): Promise<string> {
  return pushTestImage(swarm.engine, registry, repository, tag, version, health);
}

function signal(): AbortSignal {
  return AbortSignal.timeout(60_000);
}

/** Reads and observes until the step is no longer `wait`; a `rollback` step asks Swarm to roll back and follows that. */
async function follow(service: string, expectation: Omit<RolloutExpectation, 'now' | 'startedAt'>): Promise<RolloutStep & { kind: 'done' }> {
  let current: RolloutExpectation = { ...expectation, startedAt: Date.now(), now: Date.now() };
  const steps: string[] = [];
  const step = await waitUntil(`the rollout of ${service} ends`, async () => {
    const inspect = await swarm.api.inspectService(service, { signal: signal() });
    const tasks = await swarm.api.listTasks(inspect.id, { signal: signal() });
    const observed = observeRollout(inspect, tasks, { ...current, now: Date.now() });
    if (observed.kind === 'rollback') {
      steps.push('rollback');
      await swarm.api.updateService(inspect.id, { version: inspect.version, spec: inspect.spec, rollbackToPrevious: true, signal: signal() });
      const previous = inspect.previousSpec === undefined ? undefined : digestOf(serviceImage(inspect.previousSpec));
      current = { ...current, kind: 'rollback', digest: previous ?? '', startedAt: Date.now() };
    }
    return observed;
  }, (observed) => observed.kind === 'done');
  assert.equal(step.kind, 'done');
  return { ...step, message: `${step.message} (steps: ${steps.join(',') || 'none'})` };
}

async function taskDigests(service: string): Promise<string[]> {
  const inspect = await swarm.api.inspectService(service, { signal: signal() });
  const tasks = await swarm.api.listTasks(inspect.id, { signal: signal() });
  return tasks.filter((task) => task.desiredState === 'running' && task.state === 'running').map((task) => digestOf(task.image) ?? task.image).sort();
}

const EXPECT = { startDeadlineMs: 60_000, rolloutDeadlineMs: SWARM_WAIT_MS, onPaused: 'rollback' as const };

describe('digest-pinned Swarm service updates', { timeout: 1_800_000 }, () => {
  before(async () => {
    swarm = await startTestSwarm('swarm-update');
    registry = await startRegistry({ name: 'swarm-registry' });
    resolve = registryImageResolver(new RegistryClient());
  });
  after(async () => {
    await swarm?.cleanup();
    await registry?.cleanup();
  });

  it('updates a 2-replica start-first service to the new digest on every task, then sends nothing for the same digest', async () => {
    const v1 = await push('team/web', '1.0', 'web-1.0');
    const v2 = await push('team/web', '2.0', 'web-2.0');
    await swarm.createService('web', `${registry.server}/team/web:1.0@${v1}`, ['--replicas', '2', '--update-order', 'start-first']);
    await waitUntil('web runs 2 tasks of 1.0', () => taskDigests('web'), (digests) => digests.length === 2 && digests.every((digest) => digest === v1));

    const result = await updateServiceImage({ api: swarm.api, service: 'web', target: `${registry.server}/team/web:2.0`, resolve, credentials: anonymous, rollout: QUICK, signal: signal() });
    assert.equal(result.kind, 'started');
    assert.equal(result.digest, v2);
    const inspect = await swarm.api.inspectService('web', { signal: signal() });
    assert.equal(serviceImage(inspect.spec), `${registry.server}/team/web:2.0@${v2}`);
    assert.equal(inspect.spec.UpdateConfig !== null && typeof inspect.spec.UpdateConfig === 'object' && !Array.isArray(inspect.spec.UpdateConfig) ? inspect.spec.UpdateConfig.FailureAction : undefined, 'rollback');
    // The spec before the update is handed back: the known-good target Vigil stores.
    assert.equal(digestOf(serviceImage(result.kind === 'started' ? result.previousSpec : {})), v1);

    const done = await follow('web', { kind: 'update', digest: v2, ...EXPECT });
    assert.equal(done.outcome, 'success', done.message);
    assert.deepEqual(await taskDigests('web'), [v2, v2]);

    const before = await swarm.api.inspectService('web', { signal: signal() });
    const again = await updateServiceImage({ api: swarm.api, service: 'web', target: `${registry.server}/team/web:2.0`, resolve, credentials: anonymous, rollout: QUICK, signal: signal() });
    assert.deepEqual(again, { kind: 'unchanged', image: `${registry.server}/team/web:2.0@${v2}`, digest: v2 });
    const afterwards = await swarm.api.inspectService('web', { signal: signal() });
    assert.equal(afterwards.version, before.version, 'no ServiceUpdate: Version.Index unchanged');
    assert.deepEqual(afterwards.previousSpec, before.previousSpec, 'PreviousSpec (the rollback target) unchanged');
  });

  it('updates a service on a moving tag when latest is pushed again', async () => {
    const first = await push('team/moving', 'latest', 'moving-1');
    await swarm.createService('moving', `${registry.server}/team/moving:latest@${first}`, ['--replicas', '1']);
    await waitUntil('moving runs', () => taskDigests('moving'), (digests) => digests.length === 1 && digests[0] === first);
    const second = await push('team/moving', 'latest', 'moving-2');
    assert.notEqual(second, first);

    const result = await updateServiceImage({ api: swarm.api, service: 'moving', resolve, credentials: anonymous, rollout: QUICK, signal: signal() });
    assert.equal(result.kind, 'started');
    const done = await follow('moving', { kind: 'update', digest: second, ...EXPECT });
    assert.equal(done.outcome, 'success', done.message);
    assert.deepEqual(await taskDigests('moving'), [second]);
  });

  it('records Swarm\'s own rollback when the new image fails its health check, and refuses a second update meanwhile', async () => {
    const good = await push('team/health', '1.0', 'health-1.0');
    const bad = await push('team/health', '2.0', 'health-2.0', 'fail');
    await swarm.createService('health', `${registry.server}/team/health:1.0@${good}`, ['--replicas', '1']);
    await waitUntil('health runs', () => taskDigests('health'), (digests) => digests.length === 1 && digests[0] === good);

    const result = await updateServiceImage({ api: swarm.api, service: 'health', target: `${registry.server}/team/health:2.0`, resolve, credentials: anonymous, rollout: { ...QUICK, monitorSeconds: 15 }, signal: signal() });
    assert.equal(result.kind, 'started');
    // While Swarm rolls, a second update is refused rather than sent on top.
    await waitUntil('the update is in progress', () => swarm.api.inspectService('health', { signal: signal() }), (inspect) => inspect.updateStatus !== undefined);
    const busy = await swarm.api.inspectService('health', { signal: signal() });
    if (busy.updateStatus?.state === 'updating' || busy.updateStatus?.state === 'rollback_started') {
      await assert.rejects(updateServiceImage({ api: swarm.api, service: 'health', target: `${registry.server}/team/health:2.0`, resolve, credentials: anonymous, signal: signal() }), ServiceBusyError);
    }
    const done = await follow('health', { kind: 'update', digest: bad, ...EXPECT });
    assert.equal(done.outcome, 'rollback', done.message);
    await waitUntil('health runs the good digest again', () => taskDigests('health'), (digests) => digests.length === 1 && digests[0] === good);
  });

  it('rolls back a paused update as the policy says', async () => {
    const good = await push('team/paused', '1.0', 'paused-1.0');
    const bad = await push('team/paused', '2.0', 'paused-2.0', 'fail');
    await swarm.createService('paused', `${registry.server}/team/paused:1.0@${good}`, ['--replicas', '1']);
    await waitUntil('paused runs', () => taskDigests('paused'), (digests) => digests.length === 1 && digests[0] === good);

    await updateServiceImage({ api: swarm.api, service: 'paused', target: `${registry.server}/team/paused:2.0`, resolve, credentials: anonymous, rollout: { ...QUICK, monitorSeconds: 15, failureAction: 'pause' }, signal: signal() });
    const done = await follow('paused', { kind: 'update', digest: bad, ...EXPECT });
    assert.equal(done.outcome, 'rollback_success', done.message);
    assert.match(done.message, /steps: rollback/);
    await waitUntil('paused runs the good digest again', () => taskDigests('paused'), (digests) => digests.length === 1 && digests[0] === good);
  });

  it('restores the stored known-good spec after a scale overwrote PreviousSpec, keeping the new replica count', async () => {
    const v1 = await push('team/restore', '1.0', 'restore-1.0');
    await push('team/restore', '2.0', 'restore-2.0');
    await swarm.createService('restore', `${registry.server}/team/restore:1.0@${v1}`, ['--replicas', '1']);
    await waitUntil('restore runs', () => taskDigests('restore'), (digests) => digests.length === 1);
    const update = await updateServiceImage({ api: swarm.api, service: 'restore', target: `${registry.server}/team/restore:2.0`, resolve, credentials: anonymous, rollout: QUICK, signal: signal() });
    assert.equal(update.kind, 'started');
    if (update.kind !== 'started') return;
    assert.equal((await follow('restore', { kind: 'update', digest: update.digest, ...EXPECT })).outcome, 'success');
    await swarm.engine.docker(['service', 'scale', '-d', 'restore=2'], { timeoutMs: 60_000 });
    const scaled = await swarm.api.inspectService('restore', { signal: signal() });
    assert.equal(digestOf(serviceImage(scaled.previousSpec ?? {})), update.digest, 'the scale made PreviousSpec the new image: Swarm\'s rollback target is lost');

    const restored = await restoreServiceSpec({ api: swarm.api, service: 'restore', knownGood: update.previousSpec, credentials: anonymous, registry: registry.server, signal: signal() });
    assert.equal(restored.kind, 'started');
    const done = await follow('restore', { kind: 'update', digest: v1, ...EXPECT });
    assert.equal(done.outcome, 'success', done.message);
    assert.deepEqual(await taskDigests('restore'), [v1, v1]);
  });

  it('updates a global service', async () => {
    const v1 = await push('team/agent', '1.0', 'agent-1.0');
    const v2 = await push('team/agent', '2.0', 'agent-2.0');
    await swarm.createService('agent', `${registry.server}/team/agent:1.0@${v1}`, ['--mode', 'global']);
    await waitUntil('agent runs on the node', () => taskDigests('agent'), (digests) => digests.length === 1 && digests[0] === v1);
    const result = await updateServiceImage({ api: swarm.api, service: 'agent', target: `${registry.server}/team/agent:2.0`, resolve, credentials: anonymous, rollout: QUICK, signal: signal() });
    assert.equal(result.kind, 'started');
    const done = await follow('agent', { kind: 'update', digest: v2, ...EXPECT });
    assert.equal(done.outcome, 'success', done.message);
    assert.deepEqual(await taskDigests('agent'), [v2]);
  });
});
