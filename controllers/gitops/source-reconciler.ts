// Reconciles one ManifestSource, by name: read the directory, run one pass against the in-process client, write the
// status once. Level-based (the same work whatever triggered it: a file change, the resync timer, a spec change) and
// idempotent: a second pass over an unchanged directory and store writes nothing at all. The GitOps controller
// (gitops-controller.ts) runs it on the controller runtime; the pass tests and the benchmark call it directly.
import type { Logger } from 'pino';
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import { parseDuration } from '../../schemas/duration.ts';
import type { ManifestSource, ManifestSourceStatus } from '../../schemas/generated/types.ts';
import { ResourceClientTarget } from './client-target.ts';
import type { Clock } from '../runtime/clock.ts';
import { readGitCommit } from './git-revision.ts';
import { readManifestTree } from './manifest-tree.ts';
import { GITOPS_FIELD_MANAGER } from './ownership.ts';
import { runPass, type PassOutcome } from './pass.ts';
import { inventoryRefs, reconcilingStatus, sourceStatus, type SourceRevision } from './source-status.ts';

export const DEFAULT_RESYNC_MS = 5 * 60_000;

export interface SourceReconcileResult {
  /** Pass again after this long (the resync interval); absent when the source is gone or suspended. */
  requeueAfter?: number;
  outcome?: PassOutcome;
}

export interface SourceReconcilerOptions {
  client: ResourceClient;
  clock: Clock;
  logger?: Logger | undefined;
}

export function resyncIntervalMs(source: ManifestSource): number {
  try {
    return source.spec.resyncInterval === undefined ? DEFAULT_RESYNC_MS : parseDuration(source.spec.resyncInterval);
  } catch {
    return DEFAULT_RESYNC_MS; // the schema refuses bad durations; this is only a guard
  }
}

export class SourceReconciler {
  readonly #client: ResourceClient;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #target: ResourceClientTarget;

  constructor(options: SourceReconcilerOptions) {
    this.#client = options.client;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#target = new ResourceClientTarget(options.client);
  }

  /** The source to pass over, or undefined when it is gone, being deleted or suspended. */
  async #activeSource(name: string): Promise<ManifestSource | undefined> {
    let source: ManifestSource;
    try {
      source = (await this.#client.get('ManifestSource', undefined, name)) as unknown as ManifestSource;
    } catch (error) {
      if (isApiError(error, 'NotFound')) return undefined;
      throw error;
    }
    return source.spec.suspend === true || source.metadata.deletionTimestamp !== undefined ? undefined : source;
  }

  /** The directory a pass of `name` would read (undefined: no pass would run). */
  async directoryToWatch(name: string): Promise<string | undefined> {
    return (await this.#activeSource(name))?.spec.directory;
  }

  /** One pass over source `name`; `signal` ends it between two objects (the pass then rejects). */
  async reconcile(name: string, signal?: AbortSignal): Promise<SourceReconcileResult> {
    const source = await this.#activeSource(name);
    if (source === undefined) return {};
    const tree = readManifestTree(source.spec.directory);
    const revision: SourceRevision = { gitCommit: readGitCommit(tree.resolved), digest: tree.digest };
    const outcome = await runPass({
      tree,
      sourceName: name,
      previousInventory: inventoryRefs(source.status),
      previousDigest: source.status?.lastAppliedDigest,
      prune: source.spec.prune === true,
      target: this.#target,
      ...(signal === undefined ? {} : { signal }),
      onWrite: async (pending) => {
        await this.#writeStatus(name, (current, generation) => reconcilingStatus(current, generation, pending, revision, this.#clock.now()));
      },
    });
    await this.#writeStatus(name, (current, generation) => sourceStatus({ previous: current, generation, outcome, revision, nowMs: this.#clock.now() }));
    this.#log(name, outcome);
    return { requeueAfter: resyncIntervalMs(source), outcome };
  }

  async #writeStatus(name: string, compute: (current: ManifestSourceStatus, generation: number | undefined) => ManifestSourceStatus): Promise<void> {
    try {
      await this.#client.modify('ManifestSource', undefined, name, (current) => ({
        ...current,
        status: compute((current.status ?? {}) as ManifestSourceStatus, current.metadata.generation),
      }), { subresource: 'status', fieldManager: GITOPS_FIELD_MANAGER });
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error; // deleted meanwhile: nothing to report on
    }
  }

  #log(name: string, outcome: PassOutcome): void {
    if (this.#logger === undefined) return;
    const counts = { source: name, changes: outcome.changes };
    if (!outcome.ok) this.#logger.warn({ ...counts, reason: outcome.reason }, `ManifestSource ${name}: ${outcome.message}`);
    else if (outcome.changes > 0) this.#logger.info(counts, `ManifestSource ${name}: ${outcome.message}`);
    // Secret values never reach a log: results carry names, files, lines and field paths only.
  }
}
