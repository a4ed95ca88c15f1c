// Keeps metadata.managedFields on every write: which manager owns which fields (apply/ does the field arithmetic).
import { isDeepStrictEqual } from 'node:util';
import type { ResourceKind } from '../../schemas/index.ts';
import type { ResourceObject } from '../../schemas/validation.ts';
import { ApplyConflictError, decodeManagedFields, describeManager, encodeManagedFields, recordApply, recordUpdate, withoutPaths, type Managers, type Writer } from './apply/managed-fields.ts';
import { managedPart, type Subresource } from './apply/managed-part.ts';
import { FieldSet, pathString } from './apply/field-set.ts';
import { kindShape } from './apply/schema-shape.ts';
import { errors, type ApiError } from './errors.ts';

/** The metadata node itself is nobody's (fieldmanager stripmeta.go); its fields are. */
const STRIPPED = FieldSet.of([['f:metadata']]);

export interface Ownership {
  writer: Writer;
  subresource: Subresource;
  /** Set for a server-side apply: the configuration applied and whether conflicts are overridden. */
  apply?: { configuration: Record<string, unknown>; force: boolean };
}

/**
 * The managers to start from. A body that carries a managedFields list different from the stored one replaces it
 * (a list of entries none of which is valid clears it: 'reset'); an absent or empty list keeps the stored one, so
 * clients unaware of the field never wipe it (as kube-apiserver does).
 */
function baseManagers(current: ResourceObject | undefined, desired: Record<string, unknown>): Managers | 'reset' {
  if (keepsStoredManagers(current, desired)) return decodeManagedFields(current?.metadata.managedFields);
  const decoded = decodeManagedFields((desired.metadata as Record<string, unknown>).managedFields);
  return decoded.size === 0 ? 'reset' : decoded;
}

/** Whether the write starts from the stored managedFields (see baseManagers). */
function keepsStoredManagers(current: ResourceObject | undefined, desired: Record<string, unknown>): boolean {
  const metadata = desired.metadata as Record<string, unknown> | undefined;
  const sent = metadata?.managedFields;
  return !Array.isArray(sent) || sent.length === 0 || isDeepStrictEqual(sent, current?.metadata.managedFields);
}

/** `result` with managedFields updated for this write (it is modified). */
export function trackOwnership(kind: ResourceKind, current: ResourceObject | undefined, result: ResourceObject, ownership: Ownership): ResourceObject {
  const before = managedPart(kind, current, ownership.subresource);
  const after = managedPart(kind, result, ownership.subresource);
  // An Update that leaves its managed part as it was takes and drops no field (recordUpdate would find no change and
  // touch no entry): the stored list stands, which encodeManagedFields wrote in its canonical form. Most controller
  // writes of a periodic scan are such writes; decoding, comparing and re-encoding every manager was their largest cost.
  if (ownership.apply === undefined && current !== undefined && keepsStoredManagers(current, result) && isDeepStrictEqual(before, after)) {
    const stored = current.metadata.managedFields;
    if (stored === undefined || stored.length === 0) delete result.metadata.managedFields;
    else result.metadata.managedFields = stored;
    return result;
  }
  const base = baseManagers(current, result);
  if (base === 'reset') {
    delete result.metadata.managedFields;
    return result;
  }
  const shape = kindShape(kind);
  let managers: Managers;
  if (ownership.apply === undefined) {
    managers = recordUpdate(base, before, after, shape, ownership.writer);
  } else {
    try {
      managers = recordApply({
        managers: base,
        live: current === undefined ? undefined : before,
        config: managedPart(kind, ownership.apply.configuration, ownership.subresource),
        result: after,
        shape,
        writer: ownership.writer,
        force: ownership.apply.force,
      });
    } catch (error) {
      if (error instanceof ApplyConflictError) throw conflictError(error);
      throw error;
    }
  }
  const entries = encodeManagedFields(withoutPaths(managers, STRIPPED));
  if (entries.length === 0) delete result.metadata.managedFields;
  else result.metadata.managedFields = entries;
  return result;
}

function conflictError(error: ApplyConflictError): ApiError {
  return errors.applyConflict(error.message, error.conflicts.map((conflict) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeManager(conflict)}`,
    field: pathString(conflict.path),
  })));
}
