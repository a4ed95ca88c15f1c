// The reconcile contract, end to end: an example controller (endpoint-controller.ts) over the real resource stack,
// its queue on a fake clock.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { Controller, generationChanged, type ControllerOptions, type WatchOptions } from '../../../../controllers/runtime/controller.ts';
import { FakeClock } from '../../../../controllers/runtime/fake-clock.ts';
import { Informer } from '../../../../controllers/runtime/informer.ts';
import { ControllerMetrics } from '../../../../controllers/runtime/metrics.ts';
import { findCondition, type Condition } from '../../../../controllers/runtime/conditions.ts';
import type { ReconcileOutcome } from '../../../../controllers/runtime/reconciler.ts';
import type { ResourceObject } from '../../../../apiserver/resources/client.ts';
import { DEFAULT_ENDPOINT, EndpointReconciler, FakeEngineRegistry } from './endpoint-controller.ts';
import { eventually, host, openStack, type Stack } from './fixtures.ts';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Setup {
  stack: Stack;
  clock: FakeClock;
  hosts: Informer;
  world: FakeEngineRegistry;
  reconciler: EndpointReconciler;
  controller: Controller;
  metrics: ControllerMetrics;
  /** Resolves when the controller has nothing to do: every write seen by the informer, queue empty, no pass running. */
  quiet(): Promise<void>;
  count(result: ReconcileOutcome): Promise<number>;
  conditions(name: string): Promise<Condition[]>;
}

async function setup(options: Partial<ControllerOptions> = {}, prepare?: (reconciler: EndpointReconciler) => void, watchOptions: WatchOptions<ResourceObject> = {}): Promise<Setup> {
  const stack = await openStack();
  cleanups.push(() => stack.close());
  const clock = new FakeClock();
  const hosts = new Informer({ client: stack.registry, kind: 'Host' });
  cleanups.push(() => hosts.stop());
  const world = new FakeEngineRegistry();
  const reconciler = new EndpointReconciler({ client: stack.registry, hosts: hosts.lister, world });
  prepare?.(reconciler);
  const metrics = ControllerMetrics.for(new Registry());
  const controller = new Controller({ name: 'endpoint', reconciler, clock, metrics, ...options });
  cleanups.push(() => controller.stop());
  controller.watch(hosts, undefined, watchOptions);
  hosts.start();
  await hosts.waitForSync();
  controller.start();
  const quiet = async (): Promise<void> => {
    await eventually('the controller is quiet', async () => {
      const revision = String(await stack.store.currentRevision());
      const queue = controller.queue;
      return hosts.lastSyncResourceVersion === revision && queue !== undefined && queue.length === 0 && queue.processing === 0;
    });
  };
  const count = async (result: ReconcileOutcome): Promise<number> => {
    const values = (await metrics.reconcileTotal.get()).values;
    return values.find((value) => value.labels.controller === 'endpoint' && value.labels.result === result)?.value ?? -1;
  };
  const conditions = async (name: string): Promise<Condition[]> => {
    const object = await stack.registry.get('Host', undefined, name);
    return ((object.status as { conditions?: Condition[] } | undefined)?.conditions) ?? [];
  };
  return { stack, clock, hosts, world, reconciler, controller, metrics, quiet, count, conditions };
}

describe('Controller', () => {
  test('every outcome counter exists at zero before the first pass', async () => {
    const { count } = await setup();
    for (const result of ['success', 'requeue', 'error', 'terminal'] as const) assert.equal(await count(result), 0, result);
  });

  test('a pass brings the world and the status in line; a second pass with nothing changed writes nothing', async () => {
    const { stack, world, reconciler, controller, quiet, conditions } = await setup();
    await stack.registry.create(host('alpha', { dockerHost: 'tcp://10.0.0.5:2376' }));
    await quiet();
    assert.equal(world.endpoints.get('alpha'), 'tcp://10.0.0.5:2376');
    assert.equal(findCondition(await conditions('alpha'), 'Ready')?.status, 'True');
    const settled = await stack.registry.get('Host', undefined, 'alpha');
    const passes = reconciler.passesOf('alpha');
    const writes = world.writes;
    // Its own status write woke it once (create, then that update); the pass after it wrote nothing and so woke nobody.
    assert.equal(passes, 2);

    controller.enqueue('alpha');
    await eventually('the extra pass ran', () => reconciler.passesOf('alpha') === passes + 1);
    await quiet();
    assert.equal((await stack.registry.get('Host', undefined, 'alpha')).metadata.resourceVersion, settled.metadata.resourceVersion);
    assert.equal(world.writes, writes);
    assert.equal(reconciler.passesOf('alpha'), passes + 1, 'and it did not wake itself up');
  });

  test('with the generationChanged filter only spec changes wake it: its own status writes and label edits do not', async () => {
    const { stack, world, reconciler, quiet } = await setup({}, undefined, { updateFilter: generationChanged });
    await stack.registry.create(host('alpha'));
    await quiet();
    assert.equal(findCondition(((await stack.registry.get('Host', undefined, 'alpha')).status as { conditions?: Condition[] }).conditions, 'Ready')?.status, 'True');
    assert.equal(reconciler.passesOf('alpha'), 1, 'the status write did not bring a second pass');
    await stack.registry.modify('Host', undefined, 'alpha', (current) => ({ ...current, metadata: { ...current.metadata, labels: { team: 'ops' } } }));
    await quiet();
    assert.equal(reconciler.passesOf('alpha'), 1, 'a label edit did not either');
    await stack.registry.modify('Host', undefined, 'alpha', (current) => ({ ...current, spec: { dockerHost: 'tcp://10.0.0.9:2375' } }));
    await quiet();
    assert.equal(world.endpoints.get('alpha'), 'tcp://10.0.0.9:2375');
    assert.equal(reconciler.passesOf('alpha'), 2, 'a spec change did');
  });

  test('a burst of 1,000 updates to one object coalesces into a few passes, and the last state wins', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { stack, world, reconciler, quiet } = await setup({}, (reconciler) => reconciler.gates.set('busy', gate));
    await stack.registry.create(host('busy'));
    await eventually('the first pass is running', () => reconciler.passesOf('busy') === 1);
    for (let index = 0; index < 1_000; index++) {
      await stack.registry.modify('Host', undefined, 'busy', (current) => ({ ...current, spec: { dockerHost: `tcp://10.0.${Math.floor(index / 250)}.${index % 250}:2375` } }));
    }
    reconciler.gates.delete('busy');
    release();
    await quiet();
    assert.equal(world.endpoints.get('busy'), 'tcp://10.0.3.249:2375');
    const object = await stack.registry.get('Host', undefined, 'busy');
    assert.equal((object.status as { observedGeneration?: number }).observedGeneration, object.metadata.generation);
    // The blocked pass, one pass for the whole burst, one for its own status write.
    assert.ok(reconciler.passesOf('busy') <= 3, `${reconciler.passesOf('busy')} passes for 1,000 updates`);
    assert.equal(reconciler.concurrentPassesOfOneKey, 0);
  });

  test('a terminal error is recorded as a condition and not retried, however long we wait', async () => {
    const { stack, clock, reconciler, quiet, count, conditions } = await setup();
    await stack.registry.create(host('bad', { displayName: 'invalid' }));
    await eventually('the terminal error was recorded', async () => findCondition(await conditions('bad'), 'Ready') !== undefined);
    await quiet();
    const ready = findCondition(await conditions('bad'), 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'InvalidDisplayName');
    assert.equal(ready?.message, 'display name "invalid" is not allowed on host bad');
    assert.equal(ready?.observedGeneration, 1);
    const passes = reconciler.passesOf('bad');
    await clock.advance(2_000_000_000);
    await quiet();
    assert.equal(reconciler.passesOf('bad'), passes);
    assert.ok((await count('terminal')) >= 1);
    assert.equal(await count('error'), 0);
  });

  test('a worker survives a synchronous throw and rejected passes, and retries them with growing backoff', async () => {
    const { stack, clock, world, reconciler, controller, quiet, count } = await setup({ workers: 1 }, (reconciler) => {
      reconciler.synchronousThrows.add('sync');
      reconciler.transientFailures.set('async', 3);
    });
    await stack.registry.create(host('sync'));
    await stack.registry.create(host('async'));
    await eventually('both failed once', () => reconciler.passesOf('sync') >= 1 && reconciler.passesOf('async') >= 1);
    // Backoff 5, 10, 20 ms: nothing is retried before the clock moves.
    await clock.advance(4);
    assert.equal(reconciler.passesOf('async'), 1);
    for (let step = 0; step < 10 && world.endpoints.size < 2; step++) {
      await clock.advance(20);
      await eventually('the retries due ran', () => controller.queue?.length === 0 && controller.queue.processing === 0);
    }
    await quiet();
    assert.equal(world.endpoints.get('sync'), DEFAULT_ENDPOINT);
    assert.equal(world.endpoints.get('async'), DEFAULT_ENDPOINT);
    assert.equal(reconciler.passesOf('async') >= 4, true);
    assert.equal(await count('error'), 4);
    assert.equal(controller.queue?.numRequeues('async'), 0, 'success resets the backoff');
  });

  test('requeueAfter brings the key back after exactly that long on the clock', async () => {
    const { stack, clock, reconciler, quiet, count } = await setup({}, (reconciler) => (reconciler.requeueAfter = 30_000));
    await stack.registry.create(host('polled'));
    await quiet();
    const passes = reconciler.passesOf('polled');
    await clock.advance(29_999);
    await quiet();
    assert.equal(reconciler.passesOf('polled'), passes);
    await clock.advance(1);
    await eventually('the requeued pass ran', () => reconciler.passesOf('polled') === passes + 1);
    assert.ok((await count('requeue')) >= 1);
  });

  test('a pass that overruns its time limit sees its signal abort and is retried', async () => {
    const { stack, clock, world, reconciler, quiet, count } = await setup({ reconcileTimeoutMs: 1_000 }, (reconciler) => reconciler.waitForAbort.add('slow'));
    await stack.registry.create(host('slow'));
    await eventually('the pass is running', () => reconciler.passesOf('slow') === 1);
    await clock.advance(999);
    assert.equal(reconciler.passesOf('slow'), 1);
    reconciler.waitForAbort.delete('slow');
    await clock.advance(1);
    await eventually('it was aborted, counted as an error', async () => (await count('error')) === 1);
    assert.equal(reconciler.passesOf('slow'), 1, 'not retried before its backoff');
    await clock.advance(5);
    await eventually('the retry did the work', () => world.endpoints.get('slow') === DEFAULT_ENDPOINT);
    await quiet();
  });

  test('a pass that ignores its signal is abandoned: the worker moves on, and the key is not reconciled twice at once', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { stack, clock, world, reconciler, quiet } = await setup({ workers: 1, reconcileTimeoutMs: 1_000, abandonAfterMs: 500 }, (reconciler) => reconciler.gates.set('stuck', gate));
    await stack.registry.create(host('stuck'));
    await eventually('the stuck pass is running', () => reconciler.passesOf('stuck') === 1);
    await stack.registry.create(host('next'));
    await clock.advance(1_000);
    assert.equal(world.endpoints.has('next'), false, 'the only worker is still waiting out the grace');
    await clock.advance(500);
    await eventually('the worker moved on to the next key', () => world.endpoints.has('next'));
    await clock.advance(10_000);
    assert.equal(reconciler.passesOf('stuck'), 1, 'its retry waits until the abandoned pass settles');
    reconciler.gates.delete('stuck');
    release();
    await eventually('the retry ran after the stuck pass settled', () => world.endpoints.has('stuck'));
    await quiet();
    assert.equal(reconciler.concurrentPassesOfOneKey, 0);
  });

  test('a pass that fails because its object was deleted meanwhile is done, not retried', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { stack, clock, hosts, reconciler, quiet, count } = await setup({}, (reconciler) => {
      reconciler.gates.set('doomed', gate);
      reconciler.transientFailures.set('doomed', 1);
    });
    await stack.registry.create(host('doomed'));
    await eventually('the pass is running', () => reconciler.passesOf('doomed') === 1);
    await stack.registry.delete('Host', undefined, 'doomed');
    await eventually('the cache saw the deletion', () => hosts.lister.get('doomed') === undefined);
    reconciler.gates.delete('doomed');
    release();
    await quiet();
    const passes = reconciler.passesOf('doomed');
    await clock.advance(1_000_000);
    await quiet();
    assert.equal(reconciler.passesOf('doomed'), passes);
    assert.equal(await count('error'), 0);
  });
});
