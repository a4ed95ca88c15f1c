// One pass over a Container key of the update controller. Level-based: the pass reads what the resource wants
// (requests, effective policy, the registry check) and what is under way (status.operation), and does the one next
// thing — start an operation, run one step of the update machine, or record one that ended — then asks to be called
// again (`requeueAfter`) while there is more to do. The operation is read from the store, never from the cache, and
// written before every step, so that a pass killed at any instant is continued by the next one.
import type { ResourceClient } from '../../../apiserver/resources/client.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import type { Container, ContainerStatus, Hook, Host, Registry, Settings, SettingsSpec, Snapshot } from '../../../schemas/generated/types.ts';
import { analyzeDependencies, dockerNameOf } from '../../dependencies/graph.ts';
import { findCondition, removeCondition, setCondition, splitKey, statusOf, writeStatus, type ConditionUpdate, type Lister, type ReconcileContext, type ReconcileResult, type Reconciler } from '../../runtime/index.ts';
import type { Stored } from '../../stored.ts';
import type { UpdateDocker } from '../docker/update-docker.ts';
import { isTerminal, type UpdateOperation } from '../machine/operation.ts';
import { UPDATE_FIELD_MANAGER } from './container-journal.ts';
import { waitingCondition } from './conditions.ts';
import { decideIdle, isActive, type IdleDecision } from './desired.ts';
import { hookLabelChanges } from './hook-labels.ts';
import { resolveHooks, selectedHooks } from './hooks.ts';
import { rollbackOperation, updateOperation } from './new-operation.ts';
import { OperationRunner, type OperationRunnerOptions } from './operation-runner.ts';
import type { CredentialsFor } from './pull-credentials.ts';
import type { UpdateGate } from './update-gate.ts';

export interface UpdateReconcilerOptions {
  client: ResourceClient;
  containers: Lister<Stored<Container>>;
  settings: Lister<Stored<Settings>>;
  hosts: Lister<Stored<Host>>;
  hooks: Lister<Stored<Hook>>;
  registries: Lister<Stored<Registry>>;
  /** The Docker calls of the update on a host's connection; undefined while the host is not connected. */
  docker: (hostName: string) => UpdateDocker | undefined;
  credentialsFor: CredentialsFor;
  gate: UpdateGate;
  /** How long a new container's health check may stay `starting` after the grace period. */
  healthTimeoutMs: number;
  /** How often a host that is not connected, or an update held back by the gate, is looked at again. */
  retryMs: number;
  failpoint?: OperationRunnerOptions['failpoint'];
}

/** Is this pass's decision still right? The cache may be behind the store (e.g. a request just handled). */
function sameStart(a: IdleDecision, b: IdleDecision): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class UpdateReconciler implements Reconciler {
  readonly #options: UpdateReconcilerOptions;
  readonly #runner: OperationRunner;

  constructor(options: UpdateReconcilerOptions) {
    this.#options = options;
    this.#runner = new OperationRunner(options);
  }

  async reconcile(context: ReconcileContext, key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    if (namespace === undefined) return;
    const cached = this.#options.containers.get(key);
    if (cached === undefined) {
      this.#options.gate.release(key);
      return;
    }
    const operation = cached.status?.operation as UpdateOperation | undefined;
    // Under way, or ended and not yet recorded: the store says where exactly.
    if (isActive(operation) || (operation !== undefined && isTerminal(operation) && operation.details?.record === undefined)) {
      const fresh = await this.#get(namespace, name);
      if (fresh === undefined) {
        this.#options.gate.release(key);
        return;
      }
      return await this.#runner.advance(context, key, fresh);
    }
    return await this.#idle(context, key, cached);
  }

  async #get(namespace: string, name: string): Promise<Stored<Container> | undefined> {
    try {
      return (await this.#options.client.get('Container', namespace, name)) as Stored<Container>;
    } catch (error) {
      if (isApiError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  #settings(): SettingsSpec | undefined {
    return this.#options.settings.get('default')?.spec;
  }

  async #idle(context: ReconcileContext, key: string, cached: Stored<Container>): Promise<ReconcileResult | void> {
    const now = context.clock.now();
    const decision = decideIdle(cached, this.#settings(), now);
    if (decision.kind === 'none') {
      await this.#conditions(cached, decision.waiting === undefined ? undefined : waitingCondition(decision.waiting.reason, decision.waiting.message), now);
      return decision.waiting === undefined ? undefined : { requeueAfter: Math.max(0, decision.waiting.until - now) };
    }
    // Something is to be done: decide again on the stored object before doing it.
    const { namespace, name } = splitKey(key);
    const fresh = await this.#get(namespace ?? '', name);
    if (fresh === undefined) return;
    const confirmed = decideIdle(fresh, this.#settings(), now);
    if (!sameStart(decision, confirmed)) return { requeueAfter: 0 };
    switch (confirmed.kind) {
      case 'none':
        return { requeueAfter: 0 };
      case 'refuse':
        await this.#runner.refuse(context, fresh, confirmed);
        return;
      case 'dryRun':
        await this.#runner.dryRun(context, fresh, confirmed.targetImage, confirmed.checkedDigest);
        return;
      case 'update':
      case 'rollback':
        return await this.#start(context, key, fresh, confirmed);
    }
  }

  async #start(context: ReconcileContext, key: string, container: Stored<Container>, decision: Extract<IdleDecision, { kind: 'update' | 'rollback' }>): Promise<ReconcileResult | void> {
    const { gate, containers } = this.#options;
    const hostName = container.metadata.namespace ?? '';
    const now = context.clock.now();
    const docker = this.#options.docker(hostName);
    if (docker === undefined) return { requeueAfter: this.#options.retryMs };
    const activeInStore = new Set(containers.list().filter((other) => isActive(other.status?.operation)).map((other) => `${other.metadata.namespace ?? ''}/${other.metadata.name}`));
    const lastChecked = container.status?.registryCheck?.lastChecked;
    const checkedAt = decision.kind === 'update' && decision.reason === 'Auto' && lastChecked !== undefined ? Date.parse(lastChecked) : undefined;
    const admission = gate.admit({ key, hostName, containers: containers.list({ namespace: hostName }), settings: this.#settings(), now, activeInStore, ...(checkedAt === undefined ? {} : { checkedAt }) });
    if (!admission.admitted) {
      await this.#conditions(container, waitingCondition(admission.reason, admission.message), now);
      return { requeueAfter: this.#options.retryMs };
    }
    try {
      // The container as the engine has it now: the status may still name a container another update just replaced
      // (a joined dependent is recreated by the update of what it joins).
      const inspect = await docker.inspectContainer(dockerNameOf(container), context.signal);
      if (inspect === undefined || inspect.Name !== `/${dockerNameOf(container)}`) {
        gate.release(key);
        return { requeueAfter: this.#options.retryMs };
      }
      const current: Stored<Container> = { ...container, status: { ...container.status, id: inspect.Id } };
      let operation: UpdateOperation;
      if (decision.kind === 'rollback') {
        const snapshot = await this.#snapshotFor(container, decision.request.snapshot);
        if (snapshot === undefined) {
          gate.release(key);
          const wanted = decision.request.snapshot === undefined ? 'no Snapshot of this container exists' : `Snapshot ${decision.request.snapshot} does not exist`;
          await this.#runner.refuse(context, container, {
            kind: 'refuse',
            request: 'rollback',
            requestedAt: decision.request.requestedAt,
            ...(decision.request.requestedBy === undefined ? {} : { requestedBy: decision.request.requestedBy }),
            reason: 'NoSnapshot',
            message: `cannot roll back: ${wanted}`,
          });
          return;
        }
        operation = rollbackOperation(current, this.#settings(), snapshot, decision.request, this.#options.healthTimeoutMs, now);
      } else {
        const hookResources = this.#options.hooks.list();
        const hooks = resolveHooks(current, hookResources);
        const labels = hookLabelChanges(this.#settings(), current.status?.labels ?? {}, selectedHooks(current, hookResources));
        operation = updateOperation(current, this.#settings(), decision, hooks, labels, this.#options.healthTimeoutMs, now);
      }
      await this.#runner.begin(context, container, operation);
    } catch (error) {
      gate.release(key);
      throw error;
    }
    context.logger.info({ target: decision.kind === 'update' ? decision.targetImage : decision.request.snapshot, reason: decision.kind === 'update' ? decision.reason : 'Rollback' }, `${decision.kind} started`);
    return { requeueAfter: 0 };
  }

  /** The named Snapshot, or the newest of this container. */
  async #snapshotFor(container: Container, name: string | undefined): Promise<Stored<Snapshot> | undefined> {
    const namespace = container.metadata.namespace ?? '';
    if (name !== undefined) {
      try {
        return (await this.#options.client.get('Snapshot', namespace, name)) as unknown as Stored<Snapshot>;
      } catch (error) {
        if (isApiError(error, 'NotFound')) return undefined;
        throw error;
      }
    }
    const dockerName = dockerNameOf(container);
    const list = await this.#options.client.list('Snapshot', { namespace });
    return (list.items as unknown as Array<Stored<Snapshot>>)
      .filter((snapshot) => snapshot.spec.containerName === dockerName)
      .sort((a, b) => Date.parse(b.spec.takenAt) - Date.parse(a.spec.takenAt))[0];
  }

  /**
   * The conditions of an idle container: Updating while it waits (else what the last operation left), and
   * DependencyCycle while it is part of one. Written only when they differ from what the cache shows.
   */
  async #conditions(container: Stored<Container>, waiting: ConditionUpdate | undefined, now: number): Promise<void> {
    const hostName = container.metadata.namespace ?? '';
    const name = dockerNameOf(container);
    const cycle = analyzeDependencies(this.#options.containers.list({ namespace: hostName })).cycles.find((members) => members.includes(name));
    const compute = (status: ContainerStatus, generation: number | undefined): ContainerStatus => {
      let conditions = status.conditions;
      const updating = findCondition(conditions, 'Updating');
      if (waiting !== undefined) conditions = setCondition(conditions, { ...waiting, observedGeneration: generation }, now);
      else if (updating?.reason.startsWith('WaitingFor') === true) conditions = removeCondition(conditions, 'Updating');
      if (cycle !== undefined) {
        conditions = setCondition(conditions, {
          type: 'DependencyCycle',
          status: 'True',
          reason: 'CycleDetected',
          message: `${cycle.join(', ')} depend on each other: their updates are not ordered among themselves`,
          observedGeneration: generation,
        }, now);
      } else {
        conditions = removeCondition(conditions, 'DependencyCycle');
      }
      return JSON.stringify(conditions ?? []) === JSON.stringify(status.conditions ?? []) ? status : { ...status, conditions: conditions ?? [] };
    };
    const cached = container.status ?? {};
    if (compute(cached, container.metadata.generation) === cached) return;
    try {
      await writeStatus(this.#options.client, 'Container', hostName, container.metadata.name, (current) => compute(statusOf(current) as ContainerStatus, current.metadata.generation) as Record<string, unknown>, { fieldManager: UPDATE_FIELD_MANAGER });
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error;
    }
  }
}
