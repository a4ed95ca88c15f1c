// Drives one update to its end: observe, decide, persist, act, fold the result in, again. The persisted operation is
// the only memory: a process that starts `runUpdate` with what the journal last saved continues where a killed one
// stopped. (The update controller runs the same loop one step per reconcile; this loop serves the Docker-level tests,
// the benchmark and tools.)
import type { Clock } from '../clock.ts';
import type { ContainerInspect } from '../docker/types.ts';
import type { RegistryAuth, UpdateDocker } from '../docker/update-docker.ts';
import type { Action, ActionResult } from './actions.ts';
import { applyResult } from './apply.ts';
import { decide } from './decide.ts';
import { execute } from './execute.ts';
import type { OperationJournal } from './journal.ts';
import type { UpdateOperation } from './operation.ts';
import { backoffMs } from './transitions.ts';
import { observeWorld } from './world.ts';

export interface RunUpdateOptions {
  docker: UpdateDocker;
  journal: OperationJournal;
  clock: Clock;
  signal: AbortSignal;
  credentialsFor?: (reference: string) => RegistryAuth | undefined | Promise<RegistryAuth | undefined>;
  /** Called after the operation is persisted and before the action runs (progress reporting, fault injection). */
  beforeAction?: (operation: UpdateOperation, action: Action) => void | Promise<void>;
  /** Called after the action ran, before its result is folded in and persisted (progress reporting, fault injection). */
  afterAction?: (operation: UpdateOperation, action: Action, result: ActionResult) => void | Promise<void>;
}

export async function runUpdate(start: UpdateOperation, options: RunUpdateOptions): Promise<UpdateOperation> {
  const { docker, journal, clock, signal } = options;
  const snapshots = new Map<string, ContainerInspect | undefined>();
  const loadSnapshot = async (name: string): Promise<ContainerInspect | undefined> => {
    if (!snapshots.has(name)) snapshots.set(name, (await journal.loadSnapshot(name))?.inspect);
    return snapshots.get(name);
  };
  let current = start;
  let saved: UpdateOperation | undefined;
  let observeFailures = 0;
  for (;;) {
    signal.throwIfAborted();
    let world;
    try {
      world = await observeWorld(current, { docker, loadSnapshot, now: clock.now(), signal });
      observeFailures = 0;
    } catch (error) {
      if (signal.aborted) throw error;
      // The engine is unreachable: nothing can be decided safely, so wait and look again.
      observeFailures += 1;
      await clock.sleep(backoffMs(observeFailures), signal);
      continue;
    }
    const decision = decide(current, world);
    current = decision.operation;
    if (current !== saved) {
      await journal.save(current);
      saved = current;
    }
    const { action } = decision;
    if (action.kind === 'done') return current;
    await options.beforeAction?.(current, action);
    if (action.kind === 'wait') {
      await clock.sleep(action.until - clock.now(), signal);
      continue;
    }
    const context = { docker, journal, operation: current, now: () => clock.now(), signal };
    const result = await execute(action, options.credentialsFor === undefined ? context : { ...context, credentialsFor: options.credentialsFor });
    await options.afterAction?.(current, action, result);
    current = applyResult(current, action, result, clock.now());
  }
}
