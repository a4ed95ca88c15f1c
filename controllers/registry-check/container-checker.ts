// Checks containers against their registries and writes what it finds into their status: one status write per
// container per check, nothing when nothing changed. A batch (a scan, or the checks one request asked for together)
// checks each distinct image once: containers are grouped by image, groups run `concurrency` at a time, and inside
// a group the containers run one after the other over a BatchReader, so that the first asks the registry and the
// others are answered from memory. One container is never checked twice at once (a scan and a manual check of it
// queue up), so that each check starts from what the previous one wrote.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import type { Container, ContainerStatus, Host } from '../../schemas/generated/types.ts';
import { splitKey, writeStatus, type Clock, type Lister } from '../runtime/index.ts';
import { checkContainer, type ContainerCheckResult } from '../registry/check.ts';
import type { RegistryReader } from '../registry/client.ts';
import { isRegistryError } from '../../domain/registry/errors.ts';
import type { RequestPurpose } from '../registry/rate-limit.ts';
import { RegistryConfigError } from '../registry/registry-config.ts';
import { newerOf, type Stored } from '../stored.ts';
import { checkInputOf, inputFingerprint, platformOf, type CheckInput } from './check-input.ts';
import { statusWithCheck } from './check-status.ts';
import type { CheckOutcome } from './outcome.ts';

export const REGISTRY_CHECK_FIELD_MANAGER = 'vigil-registry-check';
export const DEFAULT_REFRESH_CHECKED_AFTER_MS = 3600_000;

export interface ContainerCheckerOptions {
  client: ResourceClient;
  containers: Lister<Stored<Container>>;
  hosts: Lister<Stored<Host>>;
  clock: Clock;
  logger: Logger;
  /** Told how each check that reached a registry ended (for the registry's health). */
  onRegistryOutcome?: (server: string, error: unknown) => void;
  /** HEADs at most to name the version behind a mutable tag. Default 3. */
  maxVersionProbes?: number;
  /**
   * A check that finds what the last one found writes nothing until its lastChecked is this old (then it moves
   * lastChecked and lastSeen). A check request always writes. Default 1 h.
   */
  refreshCheckedAfterMs?: number;
}

/** One container to check; `handles` is the spec.check requestedAt the check answers, if a request asked for it. */
export interface CheckJob {
  key: string;
  handles?: string;
  /**
   * The container as a consistent read of the store showed it, for a check that must not miss what the cache has not
   * seen yet (a requested scan): the check starts from whichever of it and the cache is newer.
   */
  seen?: Stored<Container>;
}

export interface BatchOptions {
  purpose: RequestPurpose;
  /** Usually a BatchReader over the process's registry client. */
  reader: RegistryReader;
  /** Distinct images checked at once. */
  concurrency: number;
  signal: AbortSignal;
}

export interface BatchSummary {
  /** Containers checked (a status written or found unchanged). */
  checked: number;
  updatesAvailable: number;
  failed: number;
  rateLimited: number;
  /** Distinct images. */
  images: number;
}

export class ContainerChecker {
  readonly #options: ContainerCheckerOptions;
  /** The check of each container in progress (the next one of the same container waits for it). */
  readonly #running = new Map<string, Promise<unknown>>();

  constructor(options: ContainerCheckerOptions) {
    this.#options = options;
  }

  /**
   * Checks every job's container; each distinct image once. A worker moves on to the next image as soon as a group's
   * results are known and leaves the status writes to finish meanwhile: the registry stays busy while the store
   * writes. Stops starting new images when `signal` aborts; resolves once every status is written.
   */
  async checkBatch(jobs: readonly CheckJob[], options: BatchOptions): Promise<BatchSummary> {
    const groups = new Map<string, CheckJob[]>();
    for (const job of jobs) {
      const image = this.#current(job)?.status?.image ?? '';
      const group = groups.get(image);
      if (group === undefined) groups.set(image, [job]);
      else group.push(job);
    }
    const summary: BatchSummary = { checked: 0, updatesAvailable: 0, failed: 0, rateLimited: 0, images: groups.size };
    const queue = [...groups.values()];
    const writes: Promise<void>[] = [];
    const record = async (key: string, written: Promise<CheckOutcome | undefined>): Promise<void> => {
      try {
        count(summary, await written);
      } catch (error) {
        if (options.signal.aborted) return;
        // The store refused the write: this container's result is lost for this batch, not the others'.
        this.#options.logger.warn({ err: error, container: key }, 'could not record a registry check');
        summary.failed += 1;
      }
    };
    const worker = async (): Promise<void> => {
      for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
        for (const job of group) {
          options.signal.throwIfAborted();
          const { checked, written } = this.#start(job, options);
          writes.push(record(job.key, written));
          // The next container of the group is answered from the batch's memory only once this one asked.
          await checked;
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, queue.length)) }, worker));
    } finally {
      await Promise.all(writes);
    }
    return summary;
  }

  /** Checks one container and writes its status; undefined when there is nothing to check (deleted meanwhile). */
  async checkOne(job: CheckJob, options: Omit<BatchOptions, 'concurrency'>): Promise<CheckOutcome | undefined> {
    return await this.#start(job, options).written;
  }

  /**
   * Starts the check of one container once its previous check is done. `checked` settles when the registry part is
   * over, `written` when the status is written (with the outcome).
   */
  #start(job: CheckJob, options: Omit<BatchOptions, 'concurrency'>): { checked: Promise<void>; written: Promise<CheckOutcome | undefined> } {
    const before = this.#running.get(job.key) ?? Promise.resolve();
    let checkedNow: () => void = () => undefined;
    const checked = new Promise<void>((resolve) => {
      checkedNow = resolve;
    });
    const written = before.then(() => this.#check(job, options, checkedNow)).finally(checkedNow);
    const settled = written.then(() => undefined, () => undefined);
    this.#running.set(job.key, settled);
    void settled.then(() => {
      if (this.#running.get(job.key) === settled) this.#running.delete(job.key);
    });
    return { checked, written };
  }

  async #check(job: CheckJob, options: Omit<BatchOptions, 'concurrency'>, checked: () => void): Promise<CheckOutcome | undefined> {
    const { namespace, name } = splitKey(job.key);
    const cached = this.#current(job);
    if (cached === undefined) return undefined;
    const platform = platformOf(namespace === undefined ? undefined : this.#options.hosts.get(namespace));
    const input = checkInputOf(cached, platform);
    const now = this.#options.clock.now();
    const result = input === undefined ? unknownImage(cached.status, now) : await this.#run(input, now, options);
    checked();
    options.signal.throwIfAborted();
    if (input !== undefined) this.#recordOutcome(result);
    let fingerprint: string | undefined;
    let final = result;
    try {
      // The check found exactly what the status says, and the cache shows what is stored: the write would change
      // nothing (no resourceVersion, no event), so it is left out. Even a write that changes nothing costs a read, a
      // copy, validation and a comparison in the store; in a repeated scan that was most of the time per container.
      const unchanged = isDeepStrictEqual(this.#status(cached, result, now, job), cached.status) && await this.#stillStored(cached);
      if (!unchanged) await writeStatus(this.#options.client, 'Container', namespace, name, async (current) => {
        const container = current as Stored<Container>;
        // Changed since the cache was read (a new image, another scope, our own last write not yet seen): check
        // again from what is stored; the batch reader answers from memory what was asked already.
        if (container.metadata.resourceVersion !== cached.metadata.resourceVersion) {
          const fresh = checkInputOf(container, platform);
          fingerprint ??= input === undefined ? undefined : inputFingerprint(input);
          if (fresh !== undefined && inputFingerprint(fresh) !== fingerprint) final = await this.#run(fresh, now, options);
        }
        return this.#status(container, final, now, job) as Record<string, unknown>;
      }, { fieldManager: REGISTRY_CHECK_FIELD_MANAGER });
    } catch (error) {
      if (isApiError(error, 'NotFound')) return undefined;
      throw error;
    }
    if (final.error !== undefined) this.#options.logger.debug({ container: job.key, outcome: final.outcome, error: final.error.message }, 'registry check failed');
    return final.outcome;
  }

  /** The newer of the cached container and the one the job carries (store revisions only grow). */
  #current(job: CheckJob): Stored<Container> | undefined {
    const cached = this.#options.containers.get(job.key);
    return job.seen === undefined ? cached : newerOf(cached, job.seen);
  }

  /** The status `container` gets from `result`. */
  #status(container: Stored<Container>, result: ContainerCheckResult, now: number, job: CheckJob): ContainerStatus {
    return statusWithCheck({
      current: container.status,
      result,
      generation: container.metadata.generation,
      now,
      // A container notified on every scan (notify mode every_scan) needs each scan's lastChecked in the store: the
      // notification controller derives one update_available per scan from it (issue 14: "really every scan").
      refreshAfterMs: container.status?.effective?.notifyMode?.value === 'every_scan' ? 0 : (this.#options.refreshCheckedAfterMs ?? DEFAULT_REFRESH_CHECKED_AFTER_MS),
      ...(job.handles === undefined ? {} : { handledCheck: laterOf(job.handles, container.status?.handledRequests?.check) }),
    });
  }

  /** Whether the store still holds the version the cache shows (NotFound when it is gone). */
  async #stillStored(cached: Stored<Container>): Promise<boolean> {
    const stored = await this.#options.client.get('Container', cached.metadata.namespace, cached.metadata.name);
    return stored.metadata.resourceVersion === cached.metadata.resourceVersion;
  }

  async #run(input: CheckInput, now: number, options: Omit<BatchOptions, 'concurrency'>): Promise<ContainerCheckResult> {
    return await checkContainer({
      ...input,
      now,
      purpose: options.purpose,
      signal: options.signal,
      ...(this.#options.maxVersionProbes === undefined ? {} : { maxVersionProbes: this.#options.maxVersionProbes }),
    }, options.reader);
  }

  #recordOutcome(result: ContainerCheckResult): void {
    if (result.outcome === 'local') return;
    const error = result.error;
    const server = isRegistryError(error) ? error.registry : result.registryCheck.registry;
    if (server === undefined) return;
    // An unreadable image reference says nothing about a registry.
    if (error !== undefined && !isRegistryError(error) && !(error instanceof RegistryConfigError)) return;
    this.#options.onRegistryOutcome?.(server, error);
  }
}

function count(summary: BatchSummary, outcome: CheckOutcome | undefined): void {
  if (outcome === undefined) return;
  summary.checked += 1;
  if (outcome === 'update_available') summary.updatesAvailable += 1;
  else if (outcome === 'check_failed') summary.failed += 1;
  else if (outcome === 'rate_limited') summary.rateLimited += 1;
}

function laterOf(a: string, b: string | undefined): string {
  return b !== undefined && Date.parse(b) > Date.parse(a) ? b : a;
}

/** A container whose image the inventory has not recorded yet: the check fails and keeps what it had. */
function unknownImage(status: ContainerStatus | undefined, now: number): ContainerCheckResult {
  const error = new Error('the container\'s image is not known yet (the inventory has not inspected it)');
  return {
    outcome: 'check_failed',
    registryCheck: { ...status?.registryCheck, lastChecked: new Date(now).toISOString(), lastError: error.message },
    pendingUpdate: status?.pendingUpdate,
    error,
  };
}
