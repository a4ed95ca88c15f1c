// Start, stop and restart requested through `spec.lifecycle {action, requestedAt}`: pending while requestedAt is
// newer than status.handledRequests.lifecycle (compared as instants), carried out once, and recorded as an
// UpdateRecord of type lifecycle; the pass that did it writes handledRequests.lifecycle with the status. Vigil's own
// container (`sentinel.self`/`vigil.self`) refuses stop and restart: stopping it would stop the controller itself, and
// a restart would be repeated after every start, since the process dies before it can record the request as handled.
import type { ContainerSpec, ContainerStatus, LifecycleRequest, UpdateRecord } from '../../schemas/generated/types.ts';
import { timestamp } from '../runtime/index.ts';
import { isDockerError, type DockerClient } from '../../domain/docker/client.ts';

export interface LifecycleOutcome {
  request: LifecycleRequest;
  outcome: 'success' | 'failed';
  error?: string;
  startedAt: number;
  finishedAt: number;
}

/** The lifecycle request waiting to be carried out, if any. */
export function pendingLifecycle(spec: ContainerSpec | undefined, status: ContainerStatus | undefined): LifecycleRequest | undefined {
  const request = spec?.lifecycle;
  if (request === undefined) return undefined;
  const handled = status?.handledRequests?.lifecycle;
  if (handled === undefined) return request;
  return Date.parse(request.requestedAt) > Date.parse(handled) ? request : undefined;
}

/**
 * Carries out `request` on container `id`. A refusal or an engine error (the engine refused the start, the container
 * is being removed) is an outcome, recorded and not retried; losing the engine (Unreachable, Aborted) throws, so that
 * the pass is retried and the request stays pending.
 */
export async function runLifecycle(
  client: DockerClient,
  id: string,
  request: LifecycleRequest,
  self: boolean,
  now: () => number,
  signal: AbortSignal,
): Promise<LifecycleOutcome> {
  const startedAt = now();
  if (self && request.action !== 'start') {
    return { request, outcome: 'failed', error: `refused to ${request.action} Vigil's own container (label sentinel.self or vigil.self)`, startedAt, finishedAt: startedAt };
  }
  try {
    if (request.action === 'start') await client.startContainer(id, { signal });
    else if (request.action === 'stop') await client.stopContainer(id, { signal });
    else await client.restartContainer(id, { signal });
    return { request, outcome: 'success', startedAt, finishedAt: now() };
  } catch (error) {
    if (isDockerError(error, 'Unreachable') || isDockerError(error, 'Aborted') || !isDockerError(error)) throw error;
    return { request, outcome: 'failed', error: error.message, startedAt, finishedAt: now() };
  }
}

export interface LifecycleRecordInput {
  hostName: string;
  hostDisplayName: string;
  resourceName: string;
  dockerName: string;
  image: string | undefined;
  result: LifecycleOutcome;
}

/** The UpdateRecord (history row) of a lifecycle request. */
export function lifecycleRecord(input: LifecycleRecordInput): UpdateRecord {
  const { result } = input;
  const step = {
    name: result.request.action,
    outcome: result.outcome,
    startedAt: timestamp(result.startedAt),
    finishedAt: timestamp(result.finishedAt),
    ...(result.error === undefined ? {} : { message: result.error }),
  };
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'UpdateRecord',
    // generateName adds 5 characters; names stay within 253.
    metadata: { generateName: `${input.resourceName.slice(0, 240)}-`, namespace: input.hostName },
    spec: {
      type: 'lifecycle',
      outcome: result.outcome,
      containerName: input.dockerName,
      container: input.resourceName,
      hostName: input.hostDisplayName,
      reason: 'Manual',
      ...(result.request.requestedBy === undefined ? {} : { requestedBy: result.request.requestedBy }),
      ...(input.image === undefined ? {} : { oldImage: input.image, newImage: input.image }),
      duration: (result.finishedAt - result.startedAt) / 1000,
      ...(result.error === undefined ? {} : { error: result.error }),
      startedAt: timestamp(result.startedAt),
      finishedAt: timestamp(result.finishedAt),
      steps: [step],
    },
  };
}
