// What the REST facade (and anything else outside the controllers) calls to ask for registry checks. Every function
// only writes requests into resources (docs/resources.md, "Requests") and, where asked, waits for the controller's
// answer in status: they work on every replica, leader or not, and keep no state. docs/registry.md describes them.
//   POST /api/check/{name}  → checkContainerNow()     (spec.check, then status.handledRequests.check)
//   POST /api/webhook       → requestImageCheck()     (spec.check on every container of the repository)
//   POST /api/scan          → requestScan()           (Settings spec.scan)
import type { ResourceClient, ResourceObject } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import type { Container, Settings } from '../../schemas/generated/types.ts';
import { deadline, systemClock, type Clock, type ObjectReference } from '../runtime/index.ts';
import { parseImageReference, repositoryKey } from '../../domain/registry/reference.ts';
import { checkOutcomeOf, type CheckOutcome } from './outcome.ts';
import { scanSkipReason, type SkipReason } from './selection.ts';

export interface RequestOptions {
  /** Recorded in the request's `requestedBy` (a user or token name, "webhook"); informational. */
  requestedBy?: string;
  /** The server's clock (requestedAt). Default: the system clock. */
  clock?: Clock;
  /** The field manager of the spec write. Default "vigil". */
  fieldManager?: string;
}

export interface WaitOptions {
  /** Give up after this long: CheckTimeoutError. Default 60 s. */
  timeoutMs?: number;
  clock?: Clock;
  signal?: AbortSignal;
}

/** What POST /api/check/{name} answers from. */
export interface ContainerCheckAnswer {
  outcome: CheckOutcome;
  /** status.registryCheck.newerVersions (in scope, newest first, ignored versions removed). */
  newerVersions: string[];
  /** status.registryCheck.lastError when the check failed (REST: 502). */
  error?: string;
  /** The Container as the answering status write left it. */
  container: Container;
}

/** The controller did not answer in time (no leader running, or a registry slower than the wait). */
export class CheckTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what}: no answer within ${timeoutMs} ms`);
    this.name = 'CheckTimeoutError';
  }
}

/** RFC 3339 with milliseconds: two requests in one second stay distinct. */
function instant(ms: number): string {
  return new Date(ms).toISOString();
}

/** A requestedAt later than what was handled (and what is pending), whatever the clocks of other replicas said. */
function nextRequestedAt(now: number, handled: string | undefined, pending: string | undefined): string {
  const floor = Math.max(handled === undefined ? 0 : Date.parse(handled) + 1, pending === undefined ? 0 : Date.parse(pending));
  return instant(Math.max(now, Number.isNaN(floor) ? 0 : floor));
}

/**
 * Asks for a check of one container now: writes `spec.check` with a `requestedAt` later than the last handled one.
 * Resolves with that requestedAt. Rejects with the resource API's NotFound when the Container does not exist.
 */
export async function requestContainerCheck(client: ResourceClient, container: ObjectReference, options: RequestOptions = {}): Promise<string> {
  const clock = options.clock ?? systemClock;
  let requestedAt = '';
  await client.modify('Container', container.namespace, container.name, (current) => {
    const typed = current as Container;
    requestedAt = nextRequestedAt(clock.now(), typed.status?.handledRequests?.check, typed.spec?.check?.requestedAt);
    return { ...current, spec: { ...typed.spec, check: { requestedAt, ...(options.requestedBy === undefined ? {} : { requestedBy: options.requestedBy }) } } };
  }, { fieldManager: options.fieldManager ?? 'vigil' });
  return requestedAt;
}

function handledSince(object: ResourceObject, requestedAt: string): boolean {
  const handled = (object as Container).status?.handledRequests?.check;
  return handled !== undefined && Date.parse(handled) >= Date.parse(requestedAt);
}

function answerOf(object: ResourceObject): ContainerCheckAnswer {
  const container = object as Container;
  const check = container.status?.registryCheck;
  return {
    outcome: checkOutcomeOf(container.status) ?? 'check_failed',
    newerVersions: check?.newerVersions ?? [],
    ...(check?.lastError === undefined ? {} : { error: check.lastError }),
    container,
  };
}

/** Waits until the check requested at `requestedAt` is handled, and answers from the status it wrote. */
export async function waitForContainerCheck(client: ResourceClient, container: ObjectReference, requestedAt: string, options: WaitOptions = {}): Promise<ContainerCheckAnswer> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const limit = deadline(options.clock ?? systemClock, timeoutMs);
  const signal = options.signal === undefined ? limit.signal : AbortSignal.any([limit.signal, options.signal]);
  const what = `check of Container ${container.namespace ?? ''}/${container.name}`;
  try {
    for (;;) {
      const current = await client.get('Container', container.namespace, container.name);
      if (handledSince(current, requestedAt)) return answerOf(current);
      const watcher = client.watch('Container', {
        ...(container.namespace === undefined ? {} : { namespace: container.namespace }),
        fieldSelector: `metadata.name=${container.name}`,
        resourceVersion: current.metadata.resourceVersion ?? '0',
        signal,
      });
      let deleted = false;
      try {
        for await (const event of watcher.events) {
          if (event.type === 'DELETED') {
            deleted = true;
            break;
          }
          if (event.type !== 'BOOKMARK' && handledSince(event.object as ResourceObject, requestedAt)) return answerOf(event.object as ResourceObject);
        }
      } catch {
        // Aborted (handled below), or an expired or broken watch: read again and watch from there.
      } finally {
        watcher.stop();
      }
      if (deleted) throw new Error(`${what}: the Container was deleted`);
      if (signal.aborted) break;
    }
  } finally {
    limit.cancel();
  }
  if (options.signal?.aborted === true) throw options.signal.reason;
  throw new CheckTimeoutError(what, timeoutMs);
}

/** POST /api/check/{name}: requests a check of the container and waits for its answer (default up to 60 s). */
export async function checkContainerNow(client: ResourceClient, container: ObjectReference, options: RequestOptions & WaitOptions = {}): Promise<ContainerCheckAnswer> {
  const requestedAt = await requestContainerCheck(client, container, options);
  return await waitForContainerCheck(client, container, requestedAt, options);
}

export interface ImageCheckRequest {
  /** The repository the image names, e.g. `docker.io/myuser/myapp`. */
  repository: string;
  /** The requestedAt written on every container (one instant: the controller shares registry answers among them). */
  requestedAt: string;
  /** Containers asked to check. */
  containers: ObjectReference[];
  /** Containers of that repository a scan leaves out (pinned, filtered, not running, gone, host paused). */
  skipped: Array<ObjectReference & { reason: SkipReason }>;
}

/**
 * The inbound webhook: a check now of every container whose image is in the repository `image` names (any tag:
 * a pushed tag can be a newer version for containers on other tags). Applies the scan's rules (pinned, filtered, not
 * running, gone, Host paused are skipped); Settings `paused` does not stop it (it is not a scheduled scan). Throws
 * InvalidReferenceError for an unreadable image reference.
 */
export async function requestImageCheck(client: ResourceClient, image: string, options: RequestOptions = {}): Promise<ImageCheckRequest> {
  const wanted = parseImageReference(image);
  const repository = repositoryKey(wanted);
  const [containers, hosts, settings] = await Promise.all([
    client.list('Container'),
    client.list('Host'),
    getOptional(client, 'Settings', 'default'),
  ]);
  const pausedHosts = new Set(hosts.items.filter((host) => (host.spec as { paused?: boolean } | undefined)?.paused === true).map((host) => host.metadata.name));
  const requestedAt = instant((options.clock ?? systemClock).now());
  const result: ImageCheckRequest = { repository, requestedAt, containers: [], skipped: [] };
  for (const object of containers.items) {
    const container = object as Container;
    const reference = imageRepository(container.status?.image);
    if (reference !== repository) continue;
    const ref = { namespace: container.metadata.namespace, name: container.metadata.name ?? '' };
    const reason = scanSkipReason(container, (settings as Settings | undefined)?.spec, pausedHosts.has(container.metadata.namespace ?? ''));
    if (reason !== undefined) {
      result.skipped.push({ ...ref, reason });
      continue;
    }
    result.containers.push(ref);
  }
  for (const ref of result.containers) {
    try {
      await client.modify('Container', ref.namespace, ref.name, (current) => {
        const typed = current as Container;
        const handled = typed.status?.handledRequests?.check;
        // Already asked for at this instant or later: nothing to add.
        if (typed.spec?.check !== undefined && Date.parse(typed.spec.check.requestedAt) >= Date.parse(requestedAt) && (handled === undefined || Date.parse(handled) < Date.parse(typed.spec.check.requestedAt))) return current;
        return { ...current, spec: { ...typed.spec, check: { requestedAt, requestedBy: options.requestedBy ?? 'webhook' } } };
      }, { fieldManager: options.fieldManager ?? 'vigil' });
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error;
    }
  }
  return result;
}

function imageRepository(image: string | undefined): string | undefined {
  if (image === undefined || image === '') return undefined;
  try {
    return repositoryKey(parseImageReference(image));
  } catch {
    return undefined;
  }
}

/** POST /api/scan: asks for a full scan now (Settings `spec.scan`). Resolves with its requestedAt. */
export async function requestScan(client: ResourceClient, options: RequestOptions = {}): Promise<string> {
  const clock = options.clock ?? systemClock;
  let requestedAt = '';
  await client.modify('Settings', undefined, 'default', (current) => {
    const typed = current as Settings;
    requestedAt = nextRequestedAt(clock.now(), typed.status?.handledRequests?.scan, typed.spec?.scan?.requestedAt);
    return { ...current, spec: { ...typed.spec, scan: { requestedAt, ...(options.requestedBy === undefined ? {} : { requestedBy: options.requestedBy }) } } };
  }, { fieldManager: options.fieldManager ?? 'vigil' });
  return requestedAt;
}

async function getOptional(client: ResourceClient, kind: string, name: string): Promise<ResourceObject | undefined> {
  try {
    return await client.get(kind, undefined, name);
  } catch (error) {
    if (isApiError(error, 'NotFound')) return undefined;
    throw error;
  }
}
