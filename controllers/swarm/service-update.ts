// One digest-pinned service update, Docker CLI's recipe (cli/command/service/update.go, trust.go) plus what it lacks:
// resolve the tag to its index digest, write `repo:tag@sha256:…` and the platforms, send X-Registry-Auth, carry
// Version.Index (one retry after a fresh read on conflict), refuse while a rollout runs, and send nothing at all when
// the digest is unchanged: an identical ServiceUpdate would replace PreviousSpec with itself and lose the rollback target.
import { isDockerError } from '../../domain/docker/client.ts';
import type { Credentials } from '../registry/credentials.ts';
import type { JsonObject } from '../../schemas/json.ts';
import type { ImageResolver } from './image-resolution.ts';
import { withRolloutPolicy, type RolloutPolicy } from './rollout-policy.ts';
import type { ServiceInspect, SwarmServiceApi } from './service-api.ts';
import { digestOf, serviceImage, withImage, withTaskTemplateOf, withoutDigest } from './service-spec.ts';

/** A rollout of Swarm's own is running: a second update would be refused or would cut it short. */
export class ServiceBusyError extends Error {
  readonly state: string;
  constructor(service: string, state: string) {
    super(`service ${service} is in UpdateStatus ${state}: wait until that rollout ends`);
    this.name = 'ServiceBusyError';
    this.state = state;
  }
}

const IN_PROGRESS = new Set(['updating', 'rollback_started']);

export interface ServiceUpdateRequest {
  api: SwarmServiceApi;
  /** ID or name. */
  service: string;
  /** `repo:tag` to move to; absent = the service's own tag again (a moving tag such as latest). */
  target?: string;
  resolve: ImageResolver;
  /** The credentials pulls use for a registry server (canonical name); undefined = anonymous. */
  credentials: (registry: string) => Credentials | undefined;
  rollout?: RolloutPolicy;
  signal: AbortSignal;
}

export type ServiceUpdateResult =
  /** The service already runs that digest: no ServiceUpdate was sent. */
  | { kind: 'unchanged'; image: string; digest: string }
  | {
      kind: 'started';
      previousImage: string;
      image: string;
      digest: string;
      /** The spec as it was before: what Vigil stores as the known-good rollback target. */
      previousSpec: JsonObject;
      /** Version.Index the update was written under. */
      version: number;
    };

export function checkNotBusy(service: ServiceInspect): void {
  const state = service.updateStatus?.state;
  if (state !== undefined && IN_PROGRESS.has(state)) throw new ServiceBusyError(service.name, state);
}

export async function updateServiceImage(request: ServiceUpdateRequest): Promise<ServiceUpdateResult> {
  const { api, signal } = request;
  let service = await api.inspectService(request.service, { signal });
  const target = request.target ?? withoutDigest(serviceImage(service.spec));
  const resolved = await request.resolve(target, signal);
  const credentials = request.credentials(resolved.registry);
  for (let attempt = 1; ; attempt += 1) {
    checkNotBusy(service);
    const current = serviceImage(service.spec);
    if (digestOf(current) === resolved.digest && withoutDigest(current) === withoutDigest(resolved.reference)) {
      return { kind: 'unchanged', image: current, digest: resolved.digest };
    }
    let spec = withImage(service.spec, resolved.reference, resolved.platforms);
    if (request.rollout !== undefined) spec = withRolloutPolicy(spec, request.rollout);
    try {
      await api.updateService(service.id, {
        version: service.version,
        spec,
        ...(credentials === undefined ? {} : { registryAuth: { username: credentials.username, password: credentials.password, serveraddress: resolved.registry } }),
        signal,
      });
      return { kind: 'started', previousImage: current, image: resolved.reference, digest: resolved.digest, previousSpec: service.spec, version: service.version };
    } catch (error) {
      // Someone else wrote the service between our read and our write: read it again once, decide again.
      if (attempt >= 2 || !isDockerError(error, 'Conflict')) throw error;
      service = await api.inspectService(service.id, { signal });
    }
  }
}

export interface ServiceRestoreRequest {
  api: SwarmServiceApi;
  service: string;
  /** The known-good spec Vigil stored before the update (a Snapshot), not Swarm's PreviousSpec. */
  knownGood: JsonObject;
  credentials: (registry: string) => Credentials | undefined;
  /** The registry of the known-good image (canonical), for X-Registry-Auth. */
  registry: string;
  signal: AbortSignal;
}

/**
 * Rolls back to the stored known-good task template, keeping the service's current mode (a scale since then stays):
 * works after a scale or another change overwrote PreviousSpec, and reaches the exact old digest.
 */
export async function restoreServiceSpec(request: ServiceRestoreRequest): Promise<ServiceUpdateResult> {
  const { api, signal } = request;
  let service = await api.inspectService(request.service, { signal });
  const credentials = request.credentials(request.registry);
  const image = serviceImage(request.knownGood);
  for (let attempt = 1; ; attempt += 1) {
    checkNotBusy(service);
    const current = serviceImage(service.spec);
    if (current === image) return { kind: 'unchanged', image, digest: digestOf(image) ?? '' };
    const spec = withTaskTemplateOf(service.spec, request.knownGood);
    try {
      await api.updateService(service.id, {
        version: service.version,
        spec,
        ...(credentials === undefined ? {} : { registryAuth: { username: credentials.username, password: credentials.password, serveraddress: request.registry } }),
        signal,
      });
      return { kind: 'started', previousImage: current, image, digest: digestOf(image) ?? '', previousSpec: service.spec, version: service.version };
    } catch (error) {
      if (attempt >= 2 || !isDockerError(error, 'Conflict')) throw error;
      service = await api.inspectService(service.id, { signal });
    }
  }
}
