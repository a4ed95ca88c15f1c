// One pass of GitOps: the manifests in, the store made to match, as Flux's kustomize-controller does it. The whole
// tree was validated first; then every object is applied as a dry run (so the server's own checks run for all of
// them before anything is written), only objects whose dry run differs from the live object are written (an
// unchanged tree writes nothing), and pruning runs only after every apply succeeded. The same function serves the
// server's loop and `vigil apply --prune` / `vigil diff`: only the ApplyTarget differs.
import { isDeepStrictEqual } from 'node:util';
import type { ResourceObject } from '../../schemas/validation.ts';
import { applyConfiguration, emptyConfiguration, type Configuration } from './configuration.ts';
import { changedFields, takenBack, type Drift } from './drift.ts';
import { problemText, type ManifestObject, type ManifestTree } from './manifest-tree.ts';
import { MANAGED_BY_LABEL, PRUNE_ANNOTATION, PRUNE_DISABLED, SOURCE_LABEL, applyRank, refKey, refText, relinquishedOnPrune, type ObjectRef } from './ownership.ts';
import type { ApplyTarget } from './target.ts';
import { findKind } from '../../schemas/index.ts';

export type ResultAction = 'created' | 'configured' | 'unchanged' | 'driftCorrected' | 'pruned' | 'skipped' | 'failed';

export interface ObjectResult {
  ref?: ObjectRef;
  file?: string;
  line?: number;
  action: ResultAction;
  error?: string;
  drift?: Drift;
  /** The object before the pass (undefined: there was none). For diffs; never stored. */
  live?: ResourceObject;
  /** The object after the pass (undefined: deleted). For diffs; never stored. */
  planned?: ResourceObject;
}

/** Why a pass applied nothing (or stopped before pruning): the Ready condition's reason. */
export type FailureReason = 'ValidationFailed' | 'EmptyTree' | 'DryRunFailed' | 'ApplyFailed' | 'PruneFailed';

export interface PassOutcome {
  ok: boolean;
  reason?: FailureReason;
  /** One line for a condition message and a CLI summary. */
  message: string;
  results: ObjectResult[];
  /** What the source owns after the pass (the previous inventory when nothing could be applied). */
  inventory: ObjectRef[];
  /** Objects created, changed, pruned (or that would be, in a dry run). */
  changes: number;
}

export interface PassOptions {
  tree: ManifestTree;
  /** The ManifestSource whose label goes on every object. */
  sourceName: string;
  /** The inventory of the last successful pass: pruning only ever considers these objects. */
  previousInventory: readonly ObjectRef[];
  /** The digest of the tree the last successful pass applied: with the same digest, any change is drift. */
  previousDigest: string | undefined;
  prune: boolean;
  /** Compute everything, write nothing (`vigil diff`). */
  dryRun?: boolean;
  target: ApplyTarget;
  /** Called once, before the first write, with how many objects will be written (the Reconciling condition). */
  onWrite?: (pending: number) => Promise<void>;
  /** Ends the pass (rejecting with its reason) between two objects: a time limit, shutdown, lost leadership. */
  signal?: AbortSignal;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function located(manifest: ManifestObject): Pick<ObjectResult, 'ref' | 'file' | 'line'> {
  return { ref: manifest.ref, file: manifest.file, line: manifest.line };
}

interface Planned {
  manifest: ManifestObject;
  configuration: Configuration;
  live: ResourceObject | undefined;
  planned: ResourceObject;
}

/** Equal but for the resourceVersion: applying would write nothing. */
function unchanged(live: ResourceObject | undefined, planned: ResourceObject): boolean {
  if (live === undefined) return false;
  const { resourceVersion: _a, ...liveMetadata } = live.metadata;
  const { resourceVersion: _b, ...plannedMetadata } = planned.metadata;
  return isDeepStrictEqual({ ...live, metadata: liveMetadata }, { ...planned, metadata: plannedMetadata });
}

export async function runPass(options: PassOptions): Promise<PassOutcome> {
  const { tree, target } = options;
  const previous = [...options.previousInventory];
  if (tree.problems.length > 0) {
    const first = tree.problems[0];
    const more = tree.problems.length > 1 ? ` (and ${tree.problems.length - 1} more)` : '';
    return {
      ok: false,
      reason: 'ValidationFailed',
      message: `nothing applied or pruned: ${first === undefined ? '' : problemText(first)}${more}`,
      results: tree.problems.map((problem) => ({ file: problem.file, ...(problem.line === undefined ? {} : { line: problem.line }), action: 'failed', error: problem.message })),
      inventory: previous,
      changes: 0,
    };
  }
  if (tree.objects.length === 0 && previous.length > 0) {
    return {
      ok: false,
      reason: 'EmptyTree',
      message: `nothing applied or pruned: ${tree.directory} holds no objects while the last pass applied ${previous.length}; a failed checkout looks like this (to remove everything, delete the objects or the ManifestSource)`,
      results: [],
      inventory: previous,
      changes: 0,
    };
  }

  const plan = await dryRunAll(options);
  if ('failed' in plan) {
    return { ok: false, reason: 'DryRunFailed', message: `nothing applied or pruned: ${plan.failed}`, results: plan.results, inventory: previous, changes: 0 };
  }
  const toWrite = new Set(plan.planned.filter((entry) => !unchanged(entry.live, entry.planned)));
  const stale = staleObjects(options);
  if (options.dryRun !== true && (toWrite.size > 0 || (options.prune && stale.length > 0))) await options.onWrite?.(toWrite.size + (options.prune ? stale.length : 0));

  const results: ObjectResult[] = [];
  let changes = 0;
  let applyFailures = 0;
  const previousKeys = new Set(previous.map(refKey));
  for (const entry of plan.planned) {
    options.signal?.throwIfAborted();
    if (!toWrite.has(entry)) {
      results.push({ ...located(entry.manifest), action: 'unchanged', ...(entry.live === undefined ? {} : { live: entry.live }), planned: entry.planned });
      continue;
    }
    try {
      const written = options.dryRun === true ? entry.planned : await target.apply(entry.configuration, { dryRun: false });
      changes += 1;
      results.push({ ...located(entry.manifest), ...classify(entry.live, written, options.previousDigest === tree.digest && previousKeys.has(refKey(entry.manifest.ref))), ...(entry.live === undefined ? {} : { live: entry.live }), planned: written });
    } catch (error) {
      applyFailures += 1;
      results.push({ ...located(entry.manifest), action: 'failed', error: message(error) });
    }
  }
  const desired = tree.objects.map((manifest) => manifest.ref);
  if (applyFailures > 0) {
    // What was applied stays owned; nothing is pruned until a pass applies everything.
    const kept = previous.filter((ref) => !desired.some((wanted) => refKey(wanted) === refKey(ref)));
    return { ok: false, reason: 'ApplyFailed', message: `${applyFailures} of ${toWrite.size} objects could not be applied; nothing pruned: ${firstError(results)}`, results, inventory: [...desired, ...kept], changes };
  }

  const pruning = await prune(options, stale);
  results.push(...pruning.results);
  changes += pruning.changes;
  const inventory = [...desired, ...pruning.kept];
  if (pruning.failures > 0) {
    return { ok: false, reason: 'PruneFailed', message: `applied; ${pruning.failures} objects could not be pruned: ${firstError(pruning.results)}`, results, inventory, changes };
  }
  return { ok: true, message: summary(results, options.dryRun === true), results, inventory, changes };
}

function firstError(results: readonly ObjectResult[]): string {
  const failed = results.find((result) => result.action === 'failed');
  if (failed === undefined) return '';
  const where = failed.file === undefined ? '' : `${failed.file}${failed.line === undefined ? '' : `:${failed.line}`}: `;
  return `${where}${failed.ref === undefined ? '' : `${refText(failed.ref)}: `}${failed.error ?? ''}`;
}

function summary(results: readonly ObjectResult[], dryRun: boolean): string {
  const counts = new Map<ResultAction, number>();
  for (const result of results) counts.set(result.action, (counts.get(result.action) ?? 0) + 1);
  const order: ResultAction[] = ['created', 'configured', 'driftCorrected', 'pruned', 'unchanged', 'skipped'];
  const parts = order.filter((action) => (counts.get(action) ?? 0) > 0).map((action) => `${counts.get(action)} ${action === 'driftCorrected' ? 'drift corrected' : action}`);
  const applied = results.filter((result) => result.action !== 'pruned' && result.action !== 'skipped').length;
  return `${dryRun ? 'would apply' : 'applied'} ${applied} ${applied === 1 ? 'object' : 'objects'}${parts.length === 0 ? '' : `: ${parts.join(', ')}`}`;
}

/** created / configured / driftCorrected, with what was taken back from other writers. */
function classify(live: ResourceObject | undefined, written: ResourceObject, sameTree: boolean): Pick<ObjectResult, 'action' | 'drift'> {
  if (live === undefined) return { action: 'created' };
  const drift = takenBack(live, written);
  if (drift.fields.length > 0) return { action: 'driftCorrected', drift };
  // The manifests did not change, yet the object did: someone removed fields git sets (removal leaves no owner).
  if (sameTree) return { action: 'driftCorrected', drift: { fields: changedFields(live, written), managers: [] } };
  return { action: 'configured' };
}

type PlanResult = { planned: Planned[] } | { failed: string; results: ObjectResult[] };

/** Dry-run applies of every object; any failure (or an object another source owns) stops the pass. */
async function dryRunAll(options: PassOptions): Promise<PlanResult> {
  const planned: Planned[] = [];
  const results: ObjectResult[] = [];
  for (const manifest of options.tree.objects) {
    options.signal?.throwIfAborted();
    const configuration = applyConfiguration(manifest, options.sourceName);
    try {
      const live = await options.target.get(manifest.ref);
      const owner = live?.metadata.labels?.[SOURCE_LABEL];
      if (owner !== undefined && owner !== options.sourceName && live?.metadata.labels?.[MANAGED_BY_LABEL] !== undefined) {
        throw new Error(`already applied by ManifestSource ${owner}: an object belongs to one source (remove it from one of them)`);
      }
      const result = await options.target.apply(configuration, { dryRun: true });
      planned.push({ manifest, configuration, live, planned: result });
      results.push({ ...located(manifest), action: 'unchanged' });
    } catch (error) {
      results.push({ ...located(manifest), action: 'failed', error: message(error) });
    }
  }
  const failures = results.filter((result) => result.action === 'failed');
  if (failures.length === 0) return { planned };
  // Nothing is written: the objects that passed their dry run are reported as skipped.
  const reported = results.map((result): ObjectResult => (result.action === 'failed' ? result : { ...result, action: 'skipped', error: 'not applied: another object failed its dry run' }));
  return { failed: `${failures.length} of ${options.tree.objects.length} objects failed their dry run: ${firstError(failures)}`, results: reported };
}

/** Objects of the last inventory that are gone from the manifests, in reverse apply order. */
function staleObjects(options: PassOptions): ObjectRef[] {
  const desired = new Set(options.tree.objects.map((manifest) => refKey(manifest.ref)));
  return options.previousInventory
    .filter((ref) => !desired.has(refKey(ref)))
    .map((ref, index) => ({ ref, index }))
    .sort((a, b) => applyRank(b.ref.kind) - applyRank(a.ref.kind) || b.index - a.index)
    .map(({ ref }) => ref);
}

interface PruneOutcome {
  results: ObjectResult[];
  /** Inventory entries to keep (failed prunes, retried next pass). */
  kept: ObjectRef[];
  changes: number;
  failures: number;
}

/** Prunes what the last inventory had, the manifests no longer have, and still carries this source's label. */
async function prune(options: PassOptions, stale: readonly ObjectRef[]): Promise<PruneOutcome> {
  const outcome: PruneOutcome = { results: [], kept: [], changes: 0, failures: 0 };
  const dryRun = options.dryRun === true;
  for (const ref of stale) {
    options.signal?.throwIfAborted();
    try {
      const live = await options.target.get(ref);
      if (live === undefined) continue; // already gone
      if (!options.prune) {
        outcome.results.push({ ref, action: 'skipped', error: 'gone from the manifests; pruning is off for this source', live, planned: live });
        continue;
      }
      if (live.metadata.labels?.[SOURCE_LABEL] !== options.sourceName) {
        outcome.results.push({ ref, action: 'skipped', error: `gone from the manifests but no longer labelled ${SOURCE_LABEL}=${options.sourceName}: left alone`, live, planned: live });
        continue;
      }
      if (live.metadata.annotations?.[PRUNE_ANNOTATION] === PRUNE_DISABLED) {
        outcome.results.push({ ref, action: 'skipped', error: `gone from the manifests; annotated ${PRUNE_ANNOTATION}: ${PRUNE_DISABLED}`, live, planned: live });
        continue;
      }
      const kind = findKind(ref.apiVersion, ref.kind);
      if (kind !== undefined && relinquishedOnPrune(kind)) {
        const released = await options.target.apply(emptyConfiguration(ref), { dryRun });
        // Containers and Settings are given back, not deleted (ownership.ts): the result is still "pruned".
        outcome.results.push({ ref, action: 'pruned', live, planned: released });
      } else {
        await options.target.delete(ref, { dryRun });
        outcome.results.push({ ref, action: 'pruned', live });
      }
      outcome.changes += 1;
    } catch (error) {
      outcome.failures += 1;
      outcome.kept.push(ref);
      outcome.results.push({ ref, action: 'failed', error: message(error) });
    }
  }
  return outcome;
}
