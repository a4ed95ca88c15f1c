// One pass over a Container key ("HOST/RESOURCE-NAME"): inspect the Docker container behind it and make the resource
// say what inspect says. Level-based: the pass never asks which event brought it here. A container without a resource
// gets one (spec.hostRef and spec.containerName, status in the same write); a resource whose container is gone is
// marked gone (its spec, the user's, is kept in case a container of that name comes back) and deleted after the
// retention; a pending lifecycle request is carried out. One status write per pass, none when nothing changed.
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import { containerResourceName } from '../../schemas/container-name.ts';
import type { Container, ContainerStatus, Host, LifecycleRequest, Settings, UpdatePolicy } from '../../schemas/generated/types.ts';
import { splitKey, statusOf, timestamp, writeStatus, type Lister, type ReconcileContext, type ReconcileResult, type Reconciler } from '../runtime/index.ts';
import { isDockerError, type DockerClient, type DockerContainerInspect, type DockerImageInspect } from '../../domain/docker/client.ts';
import type { HostSession } from '../hosts/host-session.ts';
import type { Stored } from '../stored.ts';
import type { HostSessions } from '../hosts/host-sessions.ts';
import { COMPOSE_LABELS, composeDependsOn, containerFacts, factsOf, goneFacts, isSwarmTask, type ContainerFacts } from './container-facts.ts';
import { containerStatus } from './container-status.ts';
import { resolveEffective } from './effective.ts';
import { lifecycleRecord, pendingLifecycle, runLifecycle, type LifecycleOutcome } from './lifecycle.ts';
import { isRecoveryName } from '../update/machine/operation.ts';

export const INVENTORY_FIELD_MANAGER = 'vigil-inventory';

export interface ContainerReconcilerOptions {
  client: ResourceClient;
  sessions: HostSessions;
  containers: Lister<Stored<Container>>;
  policies: Lister<Stored<UpdatePolicy>>;
  settings: Lister<Stored<Settings>>;
  hosts: Lister<Stored<Host>>;
  /** How long a gone container's resource is kept before it is deleted. */
  goneRetentionMs: number;
}

interface Observed {
  inspect: DockerContainerInspect;
  image: DockerImageInspect | undefined;
}

/**
 * An operation of the update controller in one of these phases may be between remove and create: never collect it,
 * and keep lifecycle requests for after it.
 */
export const ACTIVE_OPERATION_PHASES = new Set(['Pending', 'Running', 'Verifying', 'RollingBack']);

export class ContainerReconciler implements Reconciler {
  readonly #options: ContainerReconcilerOptions;

  constructor(options: ContainerReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(context: ReconcileContext, key: string): Promise<ReconcileResult | void> {
    const { namespace: hostName, name } = splitKey(key);
    if (hostName === undefined) return;
    const session = this.#options.sessions.get(hostName);
    const client = session?.client;
    // The host is unknown or not connected: nothing can be learnt now, and the relist on (re)connection enqueues every key.
    if (session === undefined || client === undefined) return;
    const cached = this.#options.containers.get(key);
    const dockerName = session.index.dockerNameOf(name) ?? cached?.spec?.containerName ?? cached?.status?.name;
    if (dockerName === undefined) return;
    const observed = await this.#observe(client, dockerName, name, context.signal);
    if (observed === undefined) return await this.#gone(context, hostName, name, cached);
    return await this.#present(context, session, client, hostName, name, observed, cached);
  }

  /** The container now named `dockerName`, unless it is gone, is a Swarm task, or no longer maps to this resource. */
  async #observe(client: DockerClient, dockerName: string, resourceName: string, signal: AbortSignal): Promise<Observed | undefined> {
    let inspect: DockerContainerInspect;
    try {
      inspect = await client.inspectContainer(dockerName, { signal });
    } catch (error) {
      if (isDockerError(error, 'NotFound')) return undefined;
      throw error;
    }
    // An old container an update put aside under a recovery name is the update's business, not a resource.
    if (isSwarmTask(inspect.Config?.Labels ?? {}) || isRecoveryName(inspect.Name) || containerResourceName(inspect.Name) !== resourceName) return undefined;
    let image: DockerImageInspect | undefined;
    if (inspect.Image !== undefined && inspect.Image !== '') {
      try {
        image = await client.inspectImage(inspect.Image, { signal });
      } catch (error) {
        // An image removed with --force while a container still uses it: the container stays, without repo digests.
        if (!isDockerError(error, 'NotFound')) throw error;
      }
    }
    return { inspect, image };
  }

  async #present(
    context: ReconcileContext,
    session: HostSession,
    client: DockerClient,
    hostName: string,
    name: string,
    observed: Observed,
    cached: Stored<Container> | undefined,
  ): Promise<ReconcileResult | void> {
    const now = (): number => context.clock.now();
    if (cached === undefined) {
      const created = await this.#create(session, hostName, name, observed, now());
      if (created) {
        context.logger.debug({ host: hostName, container: name, id: observed.inspect.Id }, 'container discovered');
        return;
      }
    }
    let facts = containerFacts(observed.inspect, observed.image);
    if (cached !== undefined) await this.#completeSpec(hostName, name, facts.name ?? name, cached, context);
    let lifecycle: LifecycleOutcome | undefined;
    const pending = await this.#pendingLifecycle(hostName, name, cached);
    if (pending !== undefined) {
      lifecycle = await runLifecycle(client, observed.inspect.Id, pending, facts.self === true, now, context.signal);
      context.logger.info({ action: pending.action, outcome: lifecycle.outcome, error: lifecycle.error }, 'lifecycle request');
      await this.#record(hostName, name, facts, lifecycle);
      const after = await this.#observe(client, facts.name ?? '', name, context.signal);
      facts = after === undefined ? goneFacts(facts, timestamp(now())) : containerFacts(after.inspect, after.image);
    }
    const finalFacts = facts;
    try {
      await writeStatus(this.#options.client, 'Container', hostName, name, (current) => {
        const previous = statusOf(current) as ContainerStatus;
        const effective = finalFacts.state === 'gone' ? undefined : this.#effective(session, hostName, current as Container, finalFacts);
        return containerStatus({
          previous,
          facts: finalFacts,
          ...(effective === undefined ? {} : { effective }),
          generation: current.metadata.generation,
          now: now(),
          ...(lifecycle === undefined ? {} : { handledLifecycle: lifecycle.request.requestedAt }),
        }) as Record<string, unknown>;
      }, { fieldManager: INVENTORY_FIELD_MANAGER });
    } catch (error) {
      // Deleted meanwhile (by a user): the informer's delete event brings another pass, which recreates it.
      if (!isApiError(error, 'NotFound')) throw error;
    }
    return facts.state === 'gone' ? { requeueAfter: this.#options.goneRetentionMs } : undefined;
  }

  /**
   * The lifecycle request to carry out now. The cache may not have seen this controller's last status write yet (a
   * die event can bring the next pass before the watch delivers it): a request that looks pending is checked against
   * the stored object, so that it never runs twice.
   */
  async #pendingLifecycle(hostName: string, name: string, cached: Stored<Container> | undefined): Promise<LifecycleRequest | undefined> {
    if (pendingLifecycle(cached?.spec, cached?.status) === undefined) return undefined;
    try {
      const stored = (await this.#options.client.get('Container', hostName, name)) as Stored<Container>;
      // Serialised with updates: a start or stop in the middle of one would fight it; it runs once the update ended.
      if (ACTIVE_OPERATION_PHASES.has(stored.status?.operation?.phase ?? '')) return undefined;
      return pendingLifecycle(stored.spec, stored.status);
    } catch (error) {
      if (isApiError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  /**
   * A resource made before its container was discovered (a manifest from git, kubectl) gets what discovery gives every
   * other one: spec.hostRef and spec.containerName. Applied without force under the inventory's own manager (the rule
   * for controllers writing spec, docs/gitops.md), both fields together so that a later apply never drops one, and
   * only while one is missing, so that a resource that has both is never written.
   */
  async #completeSpec(hostName: string, name: string, dockerName: string, cached: Stored<Container>, context: ReconcileContext): Promise<void> {
    if (cached.spec?.hostRef !== undefined && cached.spec.containerName !== undefined) return;
    const configuration = { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name, namespace: hostName }, spec: { hostRef: hostName, containerName: dockerName } };
    try {
      await this.#options.client.apply(configuration, { fieldManager: INVENTORY_FIELD_MANAGER });
    } catch (error) {
      // Another writer set a different value (it owns the field; the status still names the container), or the resource went.
      if (!isApiError(error, 'Conflict') && !isApiError(error, 'NotFound')) throw error;
      context.logger.debug({ host: hostName, container: name, error: error instanceof Error ? error.message : String(error) }, 'spec.hostRef/containerName left as they are');
    }
  }

  /** A new resource with its status, in one write. False when it exists already (the cache was behind). */
  async #create(session: HostSession, hostName: string, name: string, observed: Observed, now: number): Promise<boolean> {
    const facts = containerFacts(observed.inspect, observed.image);
    const dockerName = facts.name ?? name;
    const resource: Container = {
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'Container',
      metadata: { name, namespace: hostName },
      spec: { hostRef: hostName, containerName: dockerName },
    };
    const effective = this.#effective(session, hostName, resource, facts);
    resource.status = containerStatus({ previous: undefined, facts, effective, generation: 1, now });
    try {
      await this.#options.client.create(resource, { includeStatus: true, fieldManager: INVENTORY_FIELD_MANAGER });
      return true;
    } catch (error) {
      if (isApiError(error, 'AlreadyExists')) return false;
      throw error;
    }
  }

  #effective(session: HostSession, hostName: string, resource: Container, facts: ContainerFacts): ReturnType<typeof resolveEffective> {
    const labels = facts.labels ?? {};
    const project = labels[COMPOSE_LABELS.project];
    const dependsOn = project === undefined ? [] : composeDependsOn(labels[COMPOSE_LABELS.dependsOn])
      .flatMap((service) => session.index.composeService(project, service));
    return resolveEffective({
      spec: resource.spec,
      labels,
      containerName: facts.name ?? resource.spec?.containerName ?? resource.metadata.name ?? '',
      hostName,
      image: facts.image ?? '',
      policies: this.#options.policies.list(),
      settings: this.#options.settings.get('default')?.spec,
      ...(dependsOn.length === 0 ? {} : { composeDependsOn: [...new Set(dependsOn)] }),
    });
  }

  async #record(hostName: string, name: string, facts: ContainerFacts, result: LifecycleOutcome): Promise<void> {
    const host = this.#options.hosts.get(hostName);
    const record = lifecycleRecord({
      hostName,
      hostDisplayName: host?.spec?.displayName ?? hostName,
      resourceName: name,
      dockerName: facts.name ?? name,
      image: facts.image,
      result,
    });
    await this.#options.client.create(record, { fieldManager: INVENTORY_FIELD_MANAGER });
  }

  /** The container is gone: mark the resource, and delete it once it stayed gone for the retention. */
  async #gone(context: ReconcileContext, hostName: string, name: string, cached: Stored<Container> | undefined): Promise<ReconcileResult | void> {
    if (cached === undefined) return;
    const retention = this.#options.goneRetentionMs;
    const now = context.clock.now();
    const status = cached.status;
    if (status?.state === 'gone' && status.goneSince !== undefined) {
      const goneFor = now - Date.parse(status.goneSince);
      if (goneFor < retention) return { requeueAfter: retention - goneFor };
      if (ACTIVE_OPERATION_PHASES.has(status.operation?.phase ?? '')) return { requeueAfter: retention };
      await this.#delete(cached);
      return;
    }
    const written = await writeStatus(this.#options.client, 'Container', hostName, name, (current) => {
      const previous = statusOf(current) as ContainerStatus;
      const facts = goneFacts(factsOf(previous), timestamp(now));
      return containerStatus({ previous, facts, generation: current.metadata.generation, now }) as Record<string, unknown>;
    }, { fieldManager: INVENTORY_FIELD_MANAGER }).catch((error: unknown) => {
      if (isApiError(error, 'NotFound')) return undefined;
      throw error;
    });
    const goneSince = (written?.status as ContainerStatus | undefined)?.goneSince;
    const goneFor = goneSince === undefined ? 0 : Math.max(0, now - Date.parse(goneSince));
    return { requeueAfter: Math.max(0, retention - goneFor) };
  }

  async #delete(cached: Stored<Container>): Promise<void> {
    const { namespace, name, uid, resourceVersion } = cached.metadata;
    try {
      await this.#options.client.delete('Container', namespace, name, {
        preconditions: { ...(uid === undefined ? {} : { uid }), ...(resourceVersion === undefined ? {} : { resourceVersion }) },
      });
    } catch (error) {
      // Gone already; or changed since the cache saw it (the container came back): the change brings a new pass.
      if (isApiError(error, 'NotFound') || isApiError(error, 'Conflict')) return;
      throw error;
    }
  }
}
