// The ManifestSource status a pass leads to, computed whole from the previous status and the pass's outcome, so that
// a pass that changes nothing computes the same status and writes nothing (no new resourceVersion, no event).
import type { ManifestSourceStatus } from '../../schemas/generated/types.ts';
// From the file, not the runtime's index: the CLI (`vigil apply --prune`) computes this status too.
import { removeCondition, setCondition, timestamp, type Condition } from '../runtime/conditions.ts';
import type { PassOutcome } from './pass.ts';
import { refText, type ObjectRef } from './ownership.ts';

export interface SourceRevision {
  /** The commit when the directory is a git checkout. */
  gitCommit: string | undefined;
  /** The tree's digest. */
  digest: string;
}

/** The revision recorded: the commit of a git checkout, else the content digest. */
export function revisionText(revision: SourceRevision): string {
  return revision.gitCommit ?? revision.digest;
}

/** A failure that only a change to the manifests can end: Stalled, as in kstatus. */
function stalls(reason: PassOutcome['reason']): boolean {
  return reason === 'ValidationFailed' || reason === 'EmptyTree';
}

function inventoryEntries(refs: readonly ObjectRef[]): NonNullable<ManifestSourceStatus['inventory']> {
  return refs.map((ref) => ({ apiVersion: ref.apiVersion, kind: ref.kind, ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }), name: ref.name }));
}

export function resultEntries(outcome: PassOutcome): NonNullable<ManifestSourceStatus['results']> {
  return outcome.results.map((result) => ({
    ...(result.ref === undefined ? {} : { object: refText(result.ref) }),
    ...(result.file === undefined ? {} : { file: result.file }),
    ...(result.line === undefined ? {} : { line: result.line }),
    action: result.action,
    ...(result.error === undefined ? {} : { error: result.error }),
    ...(result.drift === undefined ? {} : { drift: { fields: result.drift.fields, managers: result.drift.managers } }),
  }));
}

export interface StatusInput {
  previous: ManifestSourceStatus;
  generation: number | undefined;
  outcome: PassOutcome;
  revision: SourceRevision;
  nowMs: number;
}

export function sourceStatus(input: StatusInput): ManifestSourceStatus {
  const { previous, outcome, revision, generation, nowMs } = input;
  const text = revisionText(revision);
  let conditions: Condition[] = removeCondition(previous.conditions ?? [], 'Reconciling');
  const status: ManifestSourceStatus = {
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    ...(revision.gitCommit === undefined ? {} : { gitCommit: revision.gitCommit }),
    lastAttemptedRevision: text,
    inventory: inventoryEntries(outcome.inventory),
    results: resultEntries(outcome),
  };
  if (outcome.ok) {
    const moved = outcome.changes > 0 || previous.lastAppliedDigest !== revision.digest || previous.lastAppliedAt === undefined;
    Object.assign(status, { lastAppliedRevision: text, lastAppliedDigest: revision.digest, lastAppliedAt: moved ? timestamp(nowMs) : previous.lastAppliedAt });
    conditions = setCondition(conditions, { type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: `${outcome.message} (revision ${text})`, observedGeneration: generation }, nowMs);
    conditions = removeCondition(conditions, 'Stalled');
  } else {
    for (const field of ['lastAppliedRevision', 'lastAppliedDigest', 'lastAppliedAt'] as const) {
      if (previous[field] !== undefined) status[field] = previous[field];
    }
    const reason = outcome.reason ?? 'ReconciliationFailed';
    conditions = setCondition(conditions, { type: 'Ready', status: 'False', reason, message: outcome.message, observedGeneration: generation }, nowMs);
    conditions = stalls(outcome.reason)
      ? setCondition(conditions, { type: 'Stalled', status: 'True', reason, message: outcome.message, observedGeneration: generation }, nowMs)
      : removeCondition(conditions, 'Stalled');
  }
  return { ...status, conditions };
}

/** The status while a pass writes: Reconciling, so that watchers see work in progress. */
export function reconcilingStatus(previous: ManifestSourceStatus, generation: number | undefined, pending: number, revision: SourceRevision, nowMs: number): ManifestSourceStatus {
  const message = `applying ${pending} ${pending === 1 ? 'change' : 'changes'} from revision ${revisionText(revision)}`;
  return { ...previous, conditions: setCondition(previous.conditions ?? [], { type: 'Reconciling', status: 'True', reason: 'Progressing', message, observedGeneration: generation }, nowMs) };
}

/** The inventory of a status as refs. */
export function inventoryRefs(status: ManifestSourceStatus | undefined): ObjectRef[] {
  return (status?.inventory ?? []).map((entry) => ({ apiVersion: entry.apiVersion, kind: entry.kind, ...(entry.namespace === undefined ? {} : { namespace: entry.namespace }), name: entry.name }));
}
