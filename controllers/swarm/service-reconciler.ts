// The SwarmService reconciler (leader-only): reads the service through a manager of its swarm (failing over), handles
// the requests of the spec (rollback, update, scale: in that order, one at a time), follows the rollout it started
// through every UpdateStatus state with deadlines, and writes the whole status once per pass. The operation is written
// to the status *before* the ServiceUpdate is sent, so a Vigil killed mid-rollout follows the same rollout after its
// restart and records it once.
import type { Host, ServiceOperation, Settings, SwarmService, SwarmServiceStatus, UpdatePolicy } from '../../schemas/generated/types.ts';
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import { findCondition, setCondition, removeCondition } from '../runtime/conditions.ts';
import { UPDATE_AVAILABLE } from '../registry-check/outcome.ts';
import { writeStatus, type Lister, type ReconcileContext, type ReconcileResult, type Reconciler } from '../runtime/index.ts';
import type { Stored } from '../stored.ts';
import type { Credentials } from '../registry/credentials.ts';
import { InvalidReferenceError, parseImageReference } from '../../domain/registry/reference.ts';
import type { JsonObject } from '../../schemas/json.ts';
import type { ImageResolver } from './image-resolution.ts';
import { observeRollout } from './rollout-observation.ts';
import type { ServiceInspect, SwarmServiceApi } from './service-api.ts';
import { lastUpdateFrom, serviceRecord } from './service-record.ts';
import { digestOf, serviceImage, serviceMode } from './service-spec.ts';
import { serviceEffective } from './service-effective.ts';
import { liveStatus } from './service-status.ts';
import { checkNotBusy, restoreServiceSpec, updateServiceImage } from './service-update.ts';
import { NoManagerError, onSomeManager, type SwarmManager } from './swarm-managers.ts';
import { isDockerError } from '../../domain/docker/client.ts';

export interface ServiceReconcilerOptions {
  client: ResourceClient;
  services: Lister<Stored<SwarmService>>;
  hosts: Lister<Stored<Host>>;
  /** For status.effective (UpdatePolicy selectors, Settings defaults); absent = labels and spec only. */
  policies?: Lister<Stored<UpdatePolicy>>;
  settings?: Lister<Stored<Settings>>;
  /** Cluster ID → connected managers (swarm-managers.ts). */
  managers: () => Map<string, SwarmManager[]>;
  resolve: ImageResolver;
  credentials: (registry: string) => Credentials | undefined;
  /** How long UpdateStatus may stay absent after an update before the outcome is timeout. Default 60 s. */
  startDeadlineMs?: number;
  /** How long a rollout may take. Default 10 min. */
  rolloutDeadlineMs?: number;
  /** Poll while a rollout runs. Default 2 s. */
  followMs?: number;
  /** Re-read an idle service. Default 30 s. */
  resyncMs?: number;
}

/** Sentinel's cap on a scale. */
export const MAX_REPLICAS = 100;

type Status = SwarmServiceStatus;

function pending(request: { requestedAt: string } | undefined, handled: string | undefined): request is { requestedAt: string } {
  return request !== undefined && (handled === undefined || request.requestedAt > handled);
}

function registryOf(image: string): string {
  try {
    return parseImageReference(image).registry;
  } catch {
    return '';
  }
}

export class ServiceReconciler implements Reconciler {
  readonly #options: ServiceReconcilerOptions;

  constructor(options: ServiceReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(context: ReconcileContext, name: string): Promise<ReconcileResult> {
    const resource = this.#options.services.get(name);
    if (resource === undefined || resource.metadata.deletionTimestamp !== undefined) return {};
    const status: Status = { ...resource.status };
    const found = await this.#find(name, status.clusterID, context.signal);
    if (found === undefined) {
      await this.#write(name, { ...status, conditions: setCondition(status.conditions, { type: 'Ready', status: 'False', reason: 'NoManagerReachable', message: 'no connected manager Host of this swarm answered', observedGeneration: resource.metadata.generation ?? 0 }, context.clock.now()) });
      return { requeueAfter: this.#options.resyncMs ?? 30_000 };
    }
    const { manager, clusterID } = found;
    let service = found.service;
    const now = () => new Date(context.clock.now()).toISOString();
    let message: string | undefined;
    let requeue = this.#options.resyncMs ?? 30_000;
    const spec = resource.spec ?? {};
    const handled = { ...status.handledRequests };

    if (status.operation !== undefined) {
      requeue = await this.#follow(context, name, manager, service, status);
    } else if (pending(spec.rollback, handled.rollback)) {
      handled.rollback = spec.rollback.requestedAt;
      if (status.knownGood === undefined) {
        status.lastUpdate = { outcome: 'failed', kind: 'rollback', finishedAt: now(), message: 'no known-good spec stored: Vigil has not updated this service yet' };
      } else {
        const knownGood: JsonObject = { TaskTemplate: status.knownGood.taskTemplate as JsonObject };
        const operation: ServiceOperation = { kind: 'rollback', startedAt: now(), phase: 'sending', fromImage: serviceImage(service.spec), toImage: status.knownGood.image, digest: digestOf(status.knownGood.image) ?? '', requestedAt: spec.rollback.requestedAt, ...(spec.rollback.requestedBy === undefined ? {} : { requestedBy: spec.rollback.requestedBy }) };
        // Persisted first (without marking the request handled): a crash before the write is seen is resent.
        await this.#write(name, { ...status, knownGood: status.knownGood, operation });
        const result = await restoreServiceSpec({ api: manager.api, service: service.id, knownGood, credentials: this.#options.credentials, registry: registryOf(status.knownGood.image), signal: context.signal });
        status.operation = { ...operation, phase: 'following' };
        if (result.kind === 'unchanged') {
          status.operation = undefined;
          status.lastUpdate = { ...lastUpdateFrom(operation, 'rollback_success', 'the service already runs the known-good image', now()), outcome: 'unchanged' };
        }
        requeue = this.#options.followMs ?? 2_000;
      }
    } else if (pending(spec.update, handled.update)) {
      handled.update = spec.update.requestedAt;
      checkNotBusy(service);
      const before = service.spec;
      const operation: ServiceOperation = { kind: 'update', startedAt: now(), phase: 'sending', fromImage: serviceImage(before), digest: '', requestedAt: spec.update.requestedAt, ...(spec.update.requestedBy === undefined ? {} : { requestedBy: spec.update.requestedBy }) };
      const knownGood = { image: serviceImage(before), storedAt: now(), taskTemplate: before.TaskTemplate as JsonObject };
      // Persisted first (without marking the request handled), with the known-good spec: a Vigil killed after the
      // ServiceUpdate finds the operation and follows the rollout; one killed before it sends the update again.
      await this.#write(name, { ...status, knownGood, operation });
      let result: Awaited<ReturnType<typeof updateServiceImage>> | { kind: 'failed'; message: string };
      try {
        result = await updateServiceImage({
        api: manager.api,
        service: service.id,
        ...(spec.update.image === undefined ? {} : { target: spec.update.image }),
        resolve: this.#options.resolve,
        credentials: this.#options.credentials,
        ...(spec.rollout === undefined ? {} : { rollout: spec.rollout }),
        signal: context.signal,
      });
      } catch (error) {
        if (!(error instanceof InvalidReferenceError)) throw error;
        // Retrying cannot fix a malformed target: record it and mark the request handled.
        result = { kind: 'failed', message: error.message };
      }
      if (result.kind === 'failed') {
        status.lastUpdate = { outcome: 'failed', kind: 'update', startedAt: operation.startedAt, finishedAt: now(), message: result.message };
      } else if (result.kind === 'unchanged') {
        status.lastUpdate = { outcome: 'unchanged', kind: 'update', startedAt: operation.startedAt, finishedAt: now(), fromImage: result.image, toImage: result.image, message: 'the service already runs this digest: no ServiceUpdate sent (PreviousSpec kept)' };
      } else {
        status.knownGood = knownGood;
        status.operation = { ...operation, phase: 'following', toImage: result.image, digest: result.digest };
        requeue = this.#options.followMs ?? 2_000;
      }
    } else if (pending(spec.scale, handled.scale)) {
      handled.scale = spec.scale.requestedAt;
      message = await this.#scale(context, manager, service, status, spec.scale.replicas);
    }

    // Read again after what this pass did, so the status shows the service as it is now.
    service = await manager.api.inspectService(service.id, { signal: context.signal });
    const [tasks, nodes] = await Promise.all([manager.api.listTasks(service.id, { signal: context.signal }), manager.api.listNodes({ signal: context.signal })]);
    const live = liveStatus(service, tasks, nodes, { clusterID, host: manager.hostName });
    let conditions = setCondition(status.conditions, { type: 'Ready', status: 'True', reason: 'Read', message: message ?? `read through manager ${manager.hostName}`, observedGeneration: resource.metadata.generation ?? 0 }, context.clock.now());
    if (status.lastUpdate?.outcome === 'rollback_failed') {
      conditions = setCondition(conditions, { type: 'RollbackPaused', status: 'True', reason: 'RollbackPaused', message: status.lastUpdate.message ?? 'the rollback paused', observedGeneration: resource.metadata.generation ?? 0 }, context.clock.now());
    } else conditions = removeCondition(conditions, 'RollbackPaused');
    const effective = serviceEffective({
      name,
      spec: this.#options.services.get(name)?.spec ?? spec,
      labels: live.labels ?? {},
      image: live.image ?? '',
      hostName: manager.hostName,
      policies: this.#options.policies?.list() ?? [],
      settings: this.#options.settings?.get('default'),
    });
    const invalid = effective.invalidLabels;
    conditions = invalid.length === 0
      ? removeCondition(conditions, 'InvalidLabels')
      : setCondition(conditions, { type: 'InvalidLabels', status: 'True', reason: 'InvalidLabels', message: invalid.map((entry) => `${entry.label}=${JSON.stringify(entry.value)}: ${entry.problem}`).join('; '), observedGeneration: resource.metadata.generation ?? 0 }, context.clock.now());
    const { updateStatus: _dropped, ...kept } = status;
    await this.#write(name, { ...kept, ...live, effective: effective.effective, handledRequests: handled, conditions, observedGeneration: resource.metadata.generation ?? 0 });
    return { requeueAfter: requeue };
  }

  /** One look at the rollout in status.operation; updates `status` in place; returns when to look again. */
  async #follow(context: ReconcileContext, name: string, manager: SwarmManager, service: ServiceInspect, status: Status): Promise<number> {
    const operation = status.operation;
    if (operation === undefined) return this.#options.resyncMs ?? 30_000;
    const follow = this.#options.followMs ?? 2_000;
    if (operation.phase === 'sending') {
      // Vigil stopped between persisting the operation and hearing back from the ServiceUpdate.
      const image = serviceImage(service.spec);
      if (image === operation.fromImage) {
        // Not sent: the request is still pending (not marked handled) and is handled again on this pass's requeue.
        status.operation = undefined;
        return 1;
      }
      status.operation = { ...operation, phase: 'following', toImage: image, digest: digestOf(image) ?? '' };
      return follow;
    }
    const tasks = await manager.api.listTasks(service.id, { signal: context.signal });
    const step = observeRollout(service, tasks, {
      kind: operation.kind,
      digest: operation.digest,
      startedAt: Date.parse(operation.startedAt),
      now: context.clock.now(),
      startDeadlineMs: this.#options.startDeadlineMs ?? 60_000,
      rolloutDeadlineMs: this.#options.rolloutDeadlineMs ?? 600_000,
      onPaused: this.#options.services.get(name)?.spec?.rollout?.onPaused ?? 'rollback',
    });
    if (step.kind === 'wait') return follow;
    if (step.kind === 'rollback') {
      // Paused under the rollback answer: Swarm rolls back to PreviousSpec (still the spec before this update).
      await manager.api.updateService(service.id, { version: service.version, spec: service.spec, rollbackToPrevious: true, signal: context.signal });
      status.operation = { ...operation, kind: 'rollback', afterPause: true, digest: digestOf(serviceImage(service.previousSpec ?? {})) ?? '' };
      return follow;
    }
    const finishedAt = new Date(context.clock.now()).toISOString();
    // A rollback Vigil asked for after a pause is still the update's outcome: Swarm rolled back.
    const outcome = operation.afterPause === true && step.outcome === 'rollback_success' ? 'rollback' : step.outcome;
    await this.#record(name, manager.hostName, operation, outcome, step.message, finishedAt);
    status.lastUpdate = lastUpdateFrom(operation, outcome, step.message, finishedAt);
    status.operation = undefined;
    return this.#options.resyncMs ?? 30_000;
  }

  async #scale(context: ReconcileContext, manager: SwarmManager, service: ServiceInspect, status: Status, requested: number | undefined): Promise<string> {
    const { mode, replicas } = serviceMode(service.spec);
    const finishedAt = new Date(context.clock.now()).toISOString();
    const fail = (text: string): string => {
      status.lastUpdate = { outcome: 'failed', kind: 'scale', finishedAt, message: text };
      return text;
    };
    if (mode !== 'replicated') return fail(`service ${service.name} is not replicated (${mode} mode): only replicated services scale`);
    const target = requested ?? status.previousReplicas;
    if (target === undefined) return fail('no replica count given and none remembered from a scale to 0');
    if (target > MAX_REPLICAS) return fail(`replicas must be at most ${MAX_REPLICAS}, got ${target}`);
    const spec = { ...service.spec, Mode: { Replicated: { Replicas: target } } };
    await manager.api.updateService(service.id, { version: service.version, spec, signal: context.signal });
    if (target === 0 && replicas !== undefined && replicas > 0) status.previousReplicas = replicas;
    else if (target > 0) delete status.previousReplicas;
    status.lastUpdate = { outcome: 'success', kind: 'scale', finishedAt, message: `scaled from ${replicas ?? 0} to ${target}` };
    return `scaled from ${replicas ?? 0} to ${target}`;
  }

  async #record(name: string, hostName: string, operation: ServiceOperation, outcome: Parameters<typeof serviceRecord>[0]['outcome'], message: string, finishedAt: string): Promise<void> {
    const host = this.#options.hosts.get(hostName);
    const record = serviceRecord({ service: name, namespace: hostName, hostDisplayName: host?.spec?.displayName ?? hostName, operation, outcome, message, finishedAt });
    try {
      await this.#options.client.create(record);
    } catch (error) {
      // Written before a crash: the restarted Vigil records it once.
      if (!isApiError(error, 'AlreadyExists')) throw error;
    }
  }

  async #find(name: string, preferred: string | undefined, signal: AbortSignal): Promise<{ service: ServiceInspect; manager: SwarmManager; clusterID: string } | undefined> {
    const clusters = [...this.#options.managers()].sort(([a], [b]) => (a === preferred ? -1 : b === preferred ? 1 : a < b ? -1 : 1));
    let unreachable = false;
    for (const [clusterID, managers] of clusters) {
      try {
        const { value, manager } = await onSomeManager(clusterID, managers, (candidate) => candidate.api.inspectService(name, { signal }));
        return { service: value, manager, clusterID };
      } catch (error) {
        if (isDockerError(error, 'NotFound')) continue;
        if (error instanceof NoManagerError) {
          unreachable = true;
          continue;
        }
        throw error;
      }
    }
    if (unreachable || clusters.length === 0) return undefined;
    throw new Error(`service ${name} is in no connected swarm`);
  }

  async #write(name: string, status: Status): Promise<void> {
    try {
      await writeStatus(this.#options.client, 'SwarmService', undefined, name, (current) => ({ ...withCheckOf(current.status as Status | undefined, status) }));
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error;
    }
  }
}

/**
 * `status` with the registry check's part as stored now: the scan writes registryCheck, pendingUpdate and the
 * UpdateAvailable condition (controllers/registry-check/service-checker.ts), the notification controller status.notify,
 * while this pass runs from an older read, and its whole-status write must not undo them.
 */
function withCheckOf(stored: Status | undefined, status: Status): Status {
  const next: Status = { ...status };
  delete next.registryCheck;
  delete next.pendingUpdate;
  if (stored?.registryCheck !== undefined) next.registryCheck = stored.registryCheck;
  if (stored?.pendingUpdate !== undefined) next.pendingUpdate = stored.pendingUpdate;
  // status.notify is the notification controller's dedupe state: an older read must not bring back what it replaced.
  delete next.notify;
  if (stored?.notify !== undefined) next.notify = stored.notify;
  const available = findCondition(stored?.conditions, UPDATE_AVAILABLE);
  const others = (next.conditions ?? []).filter((condition) => condition.type !== UPDATE_AVAILABLE);
  next.conditions = available === undefined ? others : [...others, available];
  return next;
}

export type { SwarmServiceApi };
