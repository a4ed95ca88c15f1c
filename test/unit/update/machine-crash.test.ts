// Crash recovery, exhaustively: for every action of an update, the runner is killed before the action, in the middle
// of it (after its first Docker call), and after it (before its result is persisted); a new runner then resumes from
// what the journal last saved. Whatever the point, the update converges: the container exists exactly once, under its
// name, on the old or the new image as the outcome says, and the namespace dependent is joined to it and running.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { UpdateDocker } from '../../../controllers/update/docker/update-docker.ts';
import type { Action } from '../../../controllers/update/machine/actions.ts';
import { convergenceProblems } from '../../../controllers/update/machine/invariant.ts';
import type { UpdateOperation, UpdateOptions } from '../../../controllers/update/machine/operation.ts';
import { runUpdate } from '../../../controllers/update/machine/run.ts';
import { MachineWorld, OLD_REFERENCE, type WorldOptions } from './machine-fixture.ts';

type Mode = 'before' | 'during' | 'after';

interface Scenario {
  name: string;
  world: WorldOptions;
  options: Partial<UpdateOptions>;
  outcome: 'success' | 'rollback';
  sidecar: boolean;
}

const HOOKS: Partial<UpdateOptions> = {
  preHooks: [{ command: ['/bin/pre'], timeoutSeconds: 5, skipExitCode: 75 }],
  postHooks: [{ command: ['/bin/post'], timeoutSeconds: 5, skipExitCode: 75 }],
  imageBackup: true,
};

const SCENARIOS: Scenario[] = [
  { name: 'a successful update with hooks, backup tag and a namespace dependent', world: {}, options: HOOKS, outcome: 'success', sidecar: true },
  { name: 'an update rolled back for an unhealthy container, with a namespace dependent', world: { newBehaviour: { health: 'unhealthy' } }, options: HOOKS, outcome: 'rollback', sidecar: true },
  { name: 'an auto-removed container rolled back from its snapshot', world: { newBehaviour: { crashes: true }, hostConfig: { AutoRemove: true } }, options: {}, outcome: 'rollback', sidecar: false },
];

class Crash extends Error {}

/** Wraps the engine so that the first Docker call after `arm()` completes and then "kills" the runner. */
function crashingDocker(docker: UpdateDocker, controller: AbortController): { docker: UpdateDocker; arm: () => void } {
  let armed = false;
  const proxy = new Proxy(docker, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result: unknown = await value.apply(target, args);
        if (armed) {
          armed = false;
          controller.abort(new Crash('killed in the middle of an action'));
          throw new Crash('killed in the middle of an action');
        }
        return result;
      };
    },
  });
  return { docker: proxy, arm: () => (armed = true) };
}

async function setUp(scenario: Scenario): Promise<{ world: MachineWorld; start: UpdateOperation }> {
  const world = await new MachineWorld(scenario.world).setUp();
  if (scenario.sidecar) await world.docker.run('sidecar', OLD_REFERENCE, { hostConfig: { NetworkMode: `container:${world.webID}` } });
  return { world, start: world.operation(scenario.options) };
}

/** Runs until the `point`-th action (counting only non-wait actions for during/after) and crashes there. */
async function runAndCrash(world: MachineWorld, operation: UpdateOperation, mode: Mode, point: number): Promise<'crashed' | 'finished'> {
  const controller = new AbortController();
  const { docker, arm } = crashingDocker(world.docker, controller);
  let seen = 0;
  const counts = (action: Action): boolean => mode === 'before' || action.kind !== 'wait';
  try {
    await runUpdate(operation, {
      docker,
      journal: world.journal,
      clock: world.clock,
      signal: controller.signal,
      beforeAction: (_operation, action) => {
        if (!counts(action)) return;
        if (seen === point && mode === 'before') throw new Crash('killed before the action');
        if (seen === point && mode === 'during') arm();
        if (mode === 'before') seen += 1;
      },
      afterAction: () => {
        if (mode === 'before') return;
        if (seen === point && mode === 'after') throw new Crash('killed after the action');
        seen += 1;
      },
    });
    return 'finished';
  } catch (error) {
    if (error instanceof Crash || controller.signal.reason instanceof Crash) return 'crashed';
    throw error;
  }
}

async function assertConverged(world: MachineWorld, scenario: Scenario, result: UpdateOperation, where: string): Promise<void> {
  assert.equal(result.details.outcome, scenario.outcome, `${where}: outcome (${result.details.error ?? ''})`);
  assert.deepEqual(await convergenceProblems(world.docker, result, AbortSignal.timeout(1000)), [], where);
  assert.deepEqual(world.containerNames(), scenario.sidecar ? ['sidecar', 'web'] : ['web'], `${where}: containers`);
  if (scenario.sidecar) {
    const web = await world.inspect('web');
    const sidecar = await world.inspect('sidecar');
    assert.equal(sidecar?.HostConfig.NetworkMode, `container:${web?.Id}`, `${where}: sidecar joined to web`);
    assert.equal(sidecar?.State.Running, true, `${where}: sidecar running`);
  }
}

async function countActions(scenario: Scenario): Promise<{ all: number; docker: number }> {
  const { world, start } = await setUp(scenario);
  let all = 0;
  let docker = 0;
  const result = await world.run(start, (_operation, action) => {
    all += 1;
    if (action.kind !== 'wait') docker += 1;
  });
  await assertConverged(world, scenario, result, 'without a crash');
  return { all, docker };
}

describe('update machine: killed at any point, it converges when started again', () => {
  for (const scenario of SCENARIOS) {
    test(`${scenario.name}: one crash at every point`, async () => {
      const counts = await countActions(scenario);
      assert.ok(counts.docker >= 10, `the scenario has ${counts.docker} actions`);
      for (const mode of ['before', 'during', 'after'] as const) {
        const points = mode === 'before' ? counts.all : counts.docker;
        for (let point = 0; point < points; point += 1) {
          const where = `${mode} action #${point}`;
          const { world, start } = await setUp(scenario);
          assert.equal(await runAndCrash(world, start, mode, point), 'crashed', where);
          const resumed = await world.run(world.journal.last);
          await assertConverged(world, scenario, resumed, where);
        }
      }
    });

    test(`${scenario.name}: crashing again right after every restart`, async () => {
      const counts = await countActions(scenario);
      for (let point = 0; point < counts.docker; point += 1) {
        const where = `after action #${point}, then after the first action of the restarted run`;
        const { world, start } = await setUp(scenario);
        assert.equal(await runAndCrash(world, start, 'after', point), 'crashed', where);
        await runAndCrash(world, world.journal.last, 'during', 0);
        const resumed = await world.run(world.journal.last);
        await assertConverged(world, scenario, resumed, where);
      }
    });
  }

  test('the journal holds an intent before every Docker action', async () => {
    const { world, start } = await setUp(SCENARIOS[0] as Scenario);
    const unsaved: string[] = [];
    await world.run(start, (operation, action) => {
      const saved = world.journal.last;
      if (saved.step !== operation.step || JSON.stringify(saved) !== JSON.stringify(operation)) unsaved.push(`${action.kind} in ${operation.step}`);
    });
    assert.deepEqual(unsaved, []);
  });
});
