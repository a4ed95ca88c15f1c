// The manager: informers synced before controllers start; controllers run only while leading; graceful stop.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, register as globalRegistry } from 'prom-client';
import { FakeClock } from '../../../../controllers/runtime/fake-clock.ts';
import { Manager, type ManagerOptions } from '../../../../controllers/runtime/manager.ts';
import { ManualElector } from '../../../fakes/manual-elector.ts';
import { isApiError } from '../../../../apiserver/resources/errors.ts';
import { DEFAULT_ENDPOINT, EndpointReconciler, FakeEngineRegistry } from './endpoint-controller.ts';
import { eventually, host, openStack } from './fixtures.ts';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function setup(options: Partial<ManagerOptions> = {}, prepare?: (reconciler: EndpointReconciler) => void, workers = 1) {
  const stack = await openStack();
  cleanups.push(() => stack.close());
  const metricsRegistry = new Registry();
  const manager = new Manager({ client: stack.registry, metricsRegistry, ...options });
  cleanups.push(() => manager.stop());
  const hosts = manager.informers.informerFor('Host');
  const world = new FakeEngineRegistry();
  const reconciler = new EndpointReconciler({ client: manager.client, hosts: hosts.lister, world });
  prepare?.(reconciler);
  const controller = manager.addController({ name: 'endpoint', reconciler, workers });
  controller.watch(hosts);
  return { stack, manager, metricsRegistry, hosts, world, reconciler, controller };
}

describe('Manager', () => {
  test('a single process leads: after start the controllers reconcile what existed before and what comes after', async () => {
    const { stack, manager, hosts, world } = await setup();
    await stack.registry.create(host('before'));
    await manager.start();
    assert.ok(hosts.hasSynced(), 'caches are synced before controllers start');
    assert.ok(manager.isLeader());
    await stack.registry.create(host('after', { dockerHost: 'tcp://127.0.0.1:2375' }));
    await eventually('both hosts are configured', () => world.endpoints.size === 2);
    assert.equal(world.endpoints.get('before'), DEFAULT_ENDPOINT);
    assert.equal(world.endpoints.get('after'), 'tcp://127.0.0.1:2375');
  });

  test('metrics go to the registry passed in, not to prom-client\'s global one', async () => {
    const { metricsRegistry } = await setup();
    const total = await metricsRegistry.getSingleMetricAsString('vigil_controller_reconcile_total');
    assert.match(total, /vigil_controller_reconcile_total\{controller="endpoint",result="terminal"\} 0/);
    assert.equal(globalRegistry.getSingleMetric('vigil_controller_reconcile_total'), undefined);
  });

  test('stop drains: the in-flight pass and the queued keys finish within the grace period, their writes included', async () => {
    const clock = new FakeClock();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { stack, manager, world, reconciler, controller } = await setup({ clock, shutdownGraceMs: 1_000 }, (reconciler) => reconciler.gates.set('finishes', gate));
    await manager.start();
    await stack.registry.create(host('finishes'));
    await eventually('the gated pass runs', () => reconciler.passesOf('finishes') === 1);
    await stack.registry.create(host('queued'));
    await eventually('the second key waits in the queue', () => controller.queue?.length === 1);
    const stopping = manager.stop();
    release();
    await stopping;
    assert.deepEqual([...world.endpoints.keys()].sort(), ['finishes', 'queued']);
    const status = (await stack.registry.get('Host', undefined, 'queued')).status as { endpoint?: string };
    assert.equal(status.endpoint, DEFAULT_ENDPOINT, 'still leading while draining: the status write went through');
    assert.equal(controller.running, false);
  });

  test('stop aborts a pass that outlives the grace period', async () => {
    const clock = new FakeClock();
    const { stack, manager, reconciler } = await setup({ clock, shutdownGraceMs: 1_000 }, (reconciler) => reconciler.waitForAbort.add('hangs'));
    await manager.start();
    await stack.registry.create(host('hangs'));
    await eventually('the pass runs', () => reconciler.passesOf('hangs') === 1);
    let stopped = false;
    const stopping = manager.stop().then(() => (stopped = true));
    await clock.advance(999);
    assert.equal(stopped, false);
    await clock.advance(1);
    await stopping;
    assert.equal(stopped, true);
  });

  test('losing leadership aborts in-flight passes at once and fences writes; regaining it reconciles everything again', async () => {
    const elector = new ManualElector();
    const { stack, manager, world, reconciler, controller } = await setup({ leaderElector: elector, shutdownGraceMs: 60_000 }, (reconciler) =>
      reconciler.waitForAbort.add('busy'),
    2);
    await stack.registry.create(host('idle'));
    await stack.registry.create(host('busy'));
    await manager.start();
    assert.equal(controller.running, false, 'not leading: no controller runs');
    await elector.grant();
    await eventually('the controller works', () => world.endpoints.has('idle') && reconciler.passesOf('busy') === 1);
    await elector.revoke();
    assert.equal(controller.running, false);
    await assert.rejects(
      manager.client.modify('Host', undefined, 'idle', (current) => ({ ...current, spec: { paused: true } })),
      (error: unknown) => isApiError(error, 'ServiceUnavailable'),
    );
    reconciler.waitForAbort.delete('busy');
    world.endpoints.clear();
    await elector.grant();
    await eventually('a new term reconciles every key', () => world.endpoints.size === 2);
  });

  test('a controller added while leading starts at once', async () => {
    const { stack, manager } = await setup();
    await manager.start();
    const world = new FakeEngineRegistry();
    const hosts = manager.informers.informerFor('Host');
    const late = manager.addController({ name: 'late', reconciler: new EndpointReconciler({ client: manager.client, hosts: hosts.lister, world }) });
    late.watch(hosts);
    await stack.registry.create(host('seen-by-late'));
    await eventually('the late controller reconciled', () => world.endpoints.has('seen-by-late'));
  });

  test('runnables start in the order added and stop in reverse order, sharing one grace period', async () => {
    const clock = new FakeClock();
    const { manager } = await setup({ clock, shutdownGraceMs: 1_000 });
    const steps: string[] = [];
    for (const name of ['sessions', 'bootstrap']) {
      manager.add({
        name,
        start: () => void steps.push(`start ${name}`),
        stop: async ({ graceMs }) => {
          steps.push(`stop ${name} within ${graceMs} ms`);
          if (name === 'bootstrap') await clock.advance(400);
        },
      });
    }
    await manager.start();
    await manager.stop();
    assert.deepEqual(steps, ['start sessions', 'start bootstrap', 'stop bootstrap within 1000 ms', 'stop sessions within 600 ms']);
  });
});
