// Runs the update machine one step per pass on a Container (observe → decide → persist → act → fold the result in →
// persist), and ends an operation: dependents restarted, the rollback policy applied, the compose file synced
// (compose-sync-step.ts), the UpdateRecord written, then status.lastUpdate, the handled request and the Updating
// condition (and ComposeSynced) in one status write. Requests that cannot be carried out and dry-run auto-updates end
// the same way without touching Docker.
import type { ResourceClient } from '../../../apiserver/resources/client.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import type { Container, ContainerStatus, Host, Settings, UpdateRecord } from '../../../schemas/generated/types.ts';
import { dockerNameOf } from '../../dependencies/graph.ts';
import { setCondition, statusOf, writeStatus, type Lister, type ReconcileContext, type ReconcileResult } from '../../runtime/index.ts';
import type { Stored } from '../../stored.ts';
import type { UpdateDocker } from '../docker/update-docker.ts';
import { applyResult } from '../machine/apply.ts';
import { decide } from '../machine/decide.ts';
import { execute } from '../machine/execute.ts';
import type { SnapshotRecord } from '../machine/journal.ts';
import { isTerminal, newUpdateOperation, type StepRecord, type UpdateOperation } from '../machine/operation.ts';
import { observeWorld } from '../machine/world.ts';
import { ContainerJournal, UPDATE_FIELD_MANAGER } from './container-journal.ts';
import { endedCondition } from './conditions.ts';
import { composeSyncStep, type ComposeSyncStep } from './compose-sync-step.ts';
import { restartDependents } from './dependents-restart.ts';
import type { IdleDecision } from './desired.ts';
import { lastUpdateOf, recordName, updateRecord, type RecordContext } from './records.ts';
import { pruneHistory, pruneSnapshots } from './retention.ts';
import { applyRollbackPolicy } from './rollback-policy.ts';
import type { CredentialsFor } from './pull-credentials.ts';
import type { UpdateGate } from './update-gate.ts';
import type { Failpoint } from './failpoint.ts';

export interface OperationRunnerOptions {
  client: ResourceClient;
  containers: Lister<Stored<Container>>;
  settings: Lister<Stored<Settings>>;
  hosts: Lister<Stored<Host>>;
  docker: (hostName: string) => UpdateDocker | undefined;
  credentialsFor: CredentialsFor;
  gate: UpdateGate;
  retryMs: number;
  /** Host history is pruned at most this often. Default 10 min. */
  historyPruneIntervalMs?: number;
  /** Fault injection (failpoint.ts): `pause` is awaited at that point, once per process. */
  failpoint?: Failpoint & { pause: (operation: UpdateOperation) => Promise<void> };
}

type Refusal = Extract<IdleDecision, { kind: 'refuse' }>;

function keyOf(container: Container): string {
  return `${container.metadata.namespace ?? ''}/${container.metadata.name ?? ''}`;
}

function iso(now: number): string {
  return new Date(now).toISOString();
}

export class OperationRunner {
  readonly #options: OperationRunnerOptions;
  readonly #snapshots = new Map<string, SnapshotRecord>();
  readonly #historyPrunedAt = new Map<string, number>();
  #failpointReached = false;

  constructor(options: OperationRunnerOptions) {
    this.#options = options;
  }

  #journal(context: ReconcileContext, container: Container): ContainerJournal {
    return new ContainerJournal({ client: this.#options.client, clock: context.clock, container, cache: this.#snapshots });
  }

  /** Persists a new operation: from now on the container is updating, whatever happens to this process. */
  async begin(context: ReconcileContext, container: Container, operation: UpdateOperation): Promise<void> {
    await this.#journal(context, container).save(operation);
  }

  /** One step of the operation the stored container carries, or its end. */
  async advance(context: ReconcileContext, key: string, container: Stored<Container>): Promise<ReconcileResult | void> {
    const operation = container.status?.operation as UpdateOperation | undefined;
    if (operation === undefined) return { requeueAfter: 0 };
    if (!isTerminal(operation)) {
      // Also after a restart of Vigil: an operation under way holds its slot.
      this.#options.gate.hold(key);
      return await this.#step(context, container, operation);
    }
    return await this.#end(context, key, container, operation);
  }

  async #step(context: ReconcileContext, container: Stored<Container>, operation: UpdateOperation): Promise<ReconcileResult> {
    const docker = this.#options.docker(container.metadata.namespace ?? '');
    // The host is not connected: nothing can be observed safely; the operation waits where it is.
    if (docker === undefined) return { requeueAfter: this.#options.retryMs };
    const { clock, signal } = context;
    await this.#failpoint('at', operation);
    const journal = this.#journal(context, container);
    const world = await observeWorld(operation, { docker, loadSnapshot: async (name) => (await journal.loadSnapshot(name))?.inspect, now: clock.now(), signal });
    const decision = decide(operation, world);
    if (JSON.stringify(decision.operation) !== JSON.stringify(operation)) await journal.save(decision.operation);
    const { action } = decision;
    if (action.kind === 'done') return { requeueAfter: 0 };
    if (action.kind === 'wait') return { requeueAfter: Math.max(0, action.until - clock.now()) };
    context.logger.debug({ step: decision.operation.step, action: action.kind }, 'update step');
    const result = await execute(action, { docker, journal, operation: decision.operation, credentialsFor: this.#options.credentialsFor, now: () => clock.now(), signal });
    await journal.save(applyResult(decision.operation, action, result, clock.now()));
    await this.#failpoint('after', decision.operation);
    return { requeueAfter: 0 };
  }

  async #failpoint(when: Failpoint['when'], operation: UpdateOperation): Promise<void> {
    const failpoint = this.#options.failpoint;
    if (failpoint === undefined || this.#failpointReached || failpoint.when !== when || failpoint.step !== operation.step) return;
    this.#failpointReached = true;
    await failpoint.pause(operation);
  }

  #recordContext(container: Container): RecordContext {
    const hostName = container.metadata.namespace ?? '';
    return { hostName, hostDisplayName: this.#options.hosts.get(hostName)?.spec?.displayName ?? hostName, resourceName: container.metadata.name ?? '' };
  }

  /** What auto-updates must not try again after this operation (see UpdateDetails.avoid). */
  #avoid(operation: UpdateOperation, container: Container): UpdateOperation['details']['avoid'] {
    const { details } = operation;
    if (operation.type === 'rollback') {
      if (details.outcome !== 'success' || details.oldImage === undefined) return undefined;
      // Rolled back on request from what it ran: that version is not taken again by itself.
      const digest = container.status?.registryCheck?.remoteDigest ?? details.oldDigest;
      return { image: details.oldImage, ...(digest === undefined ? {} : { digest }) };
    }
    const avoid = { image: operation.targetImage, ...(details.checkedDigest === undefined ? {} : { digest: details.checkedDigest }) };
    return details.outcome === 'failed' ? { ...avoid, retryAfterCheck: details.finishedAt ?? operation.lastTransition ?? operation.startedAt } : avoid;
  }

  async #end(context: ReconcileContext, key: string, container: Stored<Container>, ended: UpdateOperation): Promise<ReconcileResult | void> {
    const { client } = this.#options;
    const namespace = container.metadata.namespace ?? '';
    let operation = ended;
    const outcome = operation.details.outcome ?? 'failed';
    const steps: StepRecord[] = [...operation.details.steps];
    // Without Settings.dependencyAware (fixed in the options when the operation started) declared dependents are left
    // running as they are.
    const restartWanted = operation.details.options.restartDependents !== false;
    if (restartWanted && operation.details.dependentsRestarted !== true && operation.details.stopIssued === true && (outcome === 'success' || outcome === 'rollback')) {
      const docker = this.#options.docker(namespace);
      if (docker === undefined) return { requeueAfter: this.#options.retryMs };
      const restart = await restartDependents(docker, this.#options.containers.list({ namespace }), operation.details.containerName, () => context.clock.now(), context.signal);
      if (restart !== undefined) steps.push(restart);
    }
    let note: { reason: string; message: string } | undefined;
    const rolledBack = (operation.type === 'update' && outcome === 'rollback') || (operation.type === 'rollback' && outcome === 'success');
    const rollbackPolicy = container.status?.effective?.rollbackPolicy?.value;
    if (rolledBack && (rollbackPolicy === 'manual' || rollbackPolicy === 'pinned')) {
      const from = operation.type === 'update' ? operation.targetImage : (operation.details.oldImage ?? 'the previous image');
      const at = iso(context.clock.now());
      const result = await applyRollbackPolicy(client, container, rollbackPolicy, from);
      if (result.kind === 'applied') steps.push({ name: 'rollbackPolicy', outcome: 'success', startedAt: at, finishedAt: at, message: `spec.policy set to ${result.policy} (rollback policy)` });
      if (result.kind === 'conflict') {
        note = { reason: result.reason, message: result.message };
        steps.push({ name: 'rollbackPolicy', outcome: 'failed', startedAt: at, finishedAt: at, message: result.message });
      }
    }
    const compose = await composeSyncStep(operation, container, this.#options.settings.get('default')?.spec, () => context.clock.now());
    if (compose !== undefined) {
      steps.push(compose.step);
      if (compose.condition.status === 'False') context.logger.warn({ reason: compose.condition.reason }, `compose file not synced: ${compose.condition.message}`);
    }
    operation = { ...operation, details: { ...operation.details, steps, dependentsRestarted: true } };
    const avoid = this.#avoid(operation, container);
    if (avoid === undefined) delete operation.details.avoid;
    else operation.details.avoid = avoid;
    const record = updateRecord(operation, this.#recordContext(container));
    const name = await this.#writeRecord(record);
    operation = { ...operation, details: { ...operation.details, record: name } };
    await this.#writeEnd(context, container, operation, note, compose);
    this.#options.gate.release(key);
    const used = [operation.snapshot, operation.details.restore?.snapshot, ...(operation.details.dependents ?? []).map((dependent) => dependent.snapshot)];
    for (const snapshot of used) if (snapshot !== undefined) this.#snapshots.delete(`${namespace}/${snapshot}`);
    context.logger.info({ outcome, record: name, target: operation.targetImage, error: operation.details.error, note: note?.message }, `${operation.type} ended`);
    await this.#prune(context, container, operation.snapshot);
  }

  async #writeRecord(record: UpdateRecord): Promise<string> {
    try {
      const created = await this.#options.client.create(record, { fieldManager: UPDATE_FIELD_MANAGER });
      return created.metadata.name ?? '';
    } catch (error) {
      // Written by a pass that died before it could say so.
      if (isApiError(error, 'AlreadyExists')) return record.metadata.name ?? '';
      throw error;
    }
  }

  /** The one status write that ends an operation. */
  async #writeEnd(context: ReconcileContext, container: Container, operation: UpdateOperation, note: { reason: string; message: string } | undefined, compose?: ComposeSyncStep): Promise<void> {
    const request = operation.request;
    await writeStatus(this.#options.client, 'Container', container.metadata.namespace, container.metadata.name ?? '', (current) => {
      const status = statusOf(current) as ContainerStatus;
      const next: ContainerStatus = { ...status, operation, lastUpdate: lastUpdateOf(operation, operation.details.record ?? '') };
      delete next.maintenance;
      if (request !== undefined) next.handledRequests = { ...status.handledRequests, [operation.type === 'rollback' ? 'rollback' : 'update']: request };
      next.conditions = setCondition(status.conditions, { ...endedCondition(operation, operation.details.record, note), observedGeneration: current.metadata.generation }, context.clock.now());
      if (compose !== undefined) next.conditions = setCondition(next.conditions, { ...compose.condition, observedGeneration: current.metadata.generation }, context.clock.now());
      return next as Record<string, unknown>;
    }, { fieldManager: UPDATE_FIELD_MANAGER });
  }

  /** Retention is housekeeping: a failure is logged and tried again after the next operation. */
  async #prune(context: ReconcileContext, container: Container, keep: string | undefined): Promise<void> {
    const { client } = this.#options;
    const settings = this.#options.settings.get('default')?.spec;
    const namespace = container.metadata.namespace ?? '';
    const now = context.clock.now();
    try {
      await pruneSnapshots(client, settings, namespace, dockerNameOf(container), keep, now);
      const last = this.#historyPrunedAt.get(namespace);
      if (last === undefined || now - last >= (this.#options.historyPruneIntervalMs ?? 600_000)) {
        this.#historyPrunedAt.set(namespace, now);
        await pruneHistory(client, settings, namespace, now);
      }
    } catch (error) {
      context.logger.warn({ err: error }, 'retention pruning failed');
    }
  }

  /** A request that cannot be carried out: handled, recorded as failed, and said in the Updating condition. */
  async refuse(context: ReconcileContext, container: Stored<Container>, refusal: Refusal): Promise<void> {
    const now = context.clock.now();
    const at = iso(now);
    const type = refusal.request;
    const operationLike = { type, startedAt: refusal.requestedAt };
    const record: UpdateRecord = {
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'UpdateRecord',
      metadata: { name: recordName(container.metadata.name, operationLike), namespace: container.metadata.namespace },
      spec: {
        type,
        outcome: 'failed',
        containerName: dockerNameOf(container),
        container: container.metadata.name,
        hostName: this.#recordContext(container).hostDisplayName,
        reason: type === 'rollback' ? 'Rollback' : (container.spec?.update?.reason ?? 'Manual'),
        ...(refusal.requestedBy === undefined ? {} : { requestedBy: refusal.requestedBy }),
        ...(container.status?.image === undefined ? {} : { oldImage: container.status.image }),
        duration: 0,
        error: refusal.message,
        startedAt: at,
        finishedAt: at,
        steps: [{ name: 'request', outcome: 'failed', startedAt: at, finishedAt: at, message: `${refusal.reason}: ${refusal.message}` }],
      },
    };
    const name = await this.#writeRecord(record);
    await writeStatus(this.#options.client, 'Container', container.metadata.namespace, container.metadata.name, (current) => {
      const status = statusOf(current) as ContainerStatus;
      const next: ContainerStatus = {
        ...status,
        lastUpdate: { outcome: 'failed', at, ...(status.image === undefined ? {} : { oldImage: status.image }), error: refusal.message, record: name },
        handledRequests: { ...status.handledRequests, [type]: refusal.requestedAt },
      };
      next.conditions = setCondition(status.conditions, { type: 'Updating', status: 'False', reason: refusal.reason, message: refusal.message, observedGeneration: current.metadata.generation }, now);
      return next as Record<string, unknown>;
    }, { fieldManager: UPDATE_FIELD_MANAGER });
    context.logger.info({ request: type, reason: refusal.reason, record: name }, refusal.message);
  }

  /** Settings.dryRun: the auto-update is recorded (outcome dry_run), once per target, and not done. */
  async dryRun(context: ReconcileContext, container: Stored<Container>, targetImage: string, checkedDigest: string | undefined): Promise<void> {
    const now = context.clock.now();
    const base = newUpdateOperation({ containerName: dockerNameOf(container), containerID: container.status?.id ?? '', targetImage, reason: 'Auto', options: { gracePeriodMs: 0, healthTimeoutMs: 0, pullOnly: false, removeVolumes: false, imageCleanup: false, imageBackup: false, preHooks: [], postHooks: [] }, now });
    const at = iso(now);
    const operation: UpdateOperation = {
      ...base,
      phase: 'Skipped',
      step: 'done',
      details: {
        ...base.details,
        ...(container.status?.image === undefined ? {} : { oldImage: container.status.image }),
        ...(checkedDigest === undefined ? {} : { checkedDigest }),
        outcome: 'dry_run',
        finishedAt: at,
        steps: [{ name: 'dryRun', outcome: 'skipped', startedAt: at, finishedAt: at, message: `dry run: would update ${container.status?.image ?? ''} to ${targetImage}` }],
      },
    };
    await this.#end(context, keyOf(container), container, operation);
  }
}
