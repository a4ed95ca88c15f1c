// The history row of an ended operation (an UpdateRecord, REST /api/history) and the Container's `status.lastUpdate`.
// The record's name is derived from the operation, so that writing it again after a crash finds it there instead of
// adding a second row.
import { createHash } from 'node:crypto';
import type { LastUpdate, UpdateRecord } from '../../../schemas/generated/types.ts';
import { parseImageReference, repoDigestsFor } from '../../../domain/registry/reference.ts';
import type { UpdateOperation } from '../machine/operation.ts';

export interface RecordContext {
  hostName: string;
  /** Host spec.displayName, else its name. */
  hostDisplayName: string;
  /** The Container resource's name. */
  resourceName: string;
}

/** `<container>-<10 hex of the operation's identity>`: one name per operation. */
export function recordName(resourceName: string, operation: Pick<UpdateOperation, 'type' | 'startedAt'>): string {
  const suffix = createHash('sha256').update(`${operation.type}\u0000${operation.startedAt}`).digest('hex').slice(0, 10);
  return `${resourceName.slice(0, 240)}-${suffix}`;
}

/** The digest the pulled image carries for the target's repository; else what the registry check said. */
export function newDigestOf(operation: UpdateOperation): string | undefined {
  const { details } = operation;
  try {
    const reference = parseImageReference(operation.targetImage);
    const [digest] = repoDigestsFor(reference, details.newRepoDigests ?? []);
    if (digest !== undefined) return digest;
  } catch {
    // An image ID or an unparsable reference has no repository digest.
  }
  return operation.targetDigest ?? details.checkedDigest;
}

export function updateRecord(operation: UpdateOperation, context: RecordContext): UpdateRecord {
  const { details } = operation;
  const finishedAt = details.finishedAt ?? operation.lastTransition ?? operation.startedAt;
  const newDigest = newDigestOf(operation);
  const steps = details.steps.map((step) => ({
    name: step.name,
    outcome: step.outcome,
    startedAt: step.startedAt,
    ...(step.finishedAt === undefined ? {} : { finishedAt: step.finishedAt }),
    ...(step.message === undefined ? {} : { message: step.message }),
  }));
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'UpdateRecord',
    metadata: { name: recordName(context.resourceName, operation), namespace: context.hostName },
    spec: {
      type: operation.type,
      outcome: details.outcome ?? 'failed',
      containerName: details.containerName,
      container: context.resourceName,
      hostName: context.hostDisplayName,
      ...(operation.reason === undefined ? {} : { reason: operation.reason }),
      ...(details.requestedBy === undefined ? {} : { requestedBy: details.requestedBy }),
      ...(details.oldImage === undefined ? {} : { oldImage: details.oldImage }),
      newImage: operation.targetImage,
      ...(details.oldDigest === undefined ? {} : { oldDigest: details.oldDigest }),
      ...(newDigest === undefined ? {} : { newDigest }),
      duration: Math.max(0, (Date.parse(finishedAt) - Date.parse(operation.startedAt)) / 1000),
      ...(details.error === undefined ? {} : { error: details.error }),
      startedAt: operation.startedAt,
      finishedAt,
      ...(operation.snapshot === undefined ? {} : { snapshot: operation.snapshot }),
      steps,
    },
  };
}

export function lastUpdateOf(operation: UpdateOperation, record: string): LastUpdate {
  const { details } = operation;
  return {
    outcome: details.outcome ?? 'failed',
    at: details.finishedAt ?? operation.lastTransition ?? operation.startedAt,
    ...(details.oldImage === undefined ? {} : { oldImage: details.oldImage }),
    newImage: operation.targetImage,
    ...(details.error === undefined ? {} : { error: details.error }),
    record,
  };
}
