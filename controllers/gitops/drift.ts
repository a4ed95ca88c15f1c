// What a forced apply by the gitops manager would take back from other writers: fields of the manifest that another
// field manager changed (it owns them now) or that someone removed (then nobody owns them). Server-side apply keeps
// who owns what in metadata.managedFields, so comparing the live object's managers with the dry-run result's names
// both the fields and the managers.
import { findKind } from '../../schemas/index.ts';
import type { ResourceObject } from '../../schemas/validation.ts';
import { FieldSet, pathString, type FieldPath } from '../../apiserver/resources/apply/field-set.ts';
import { decodeManagedFields } from '../../apiserver/resources/apply/managed-fields.ts';
import { managedPart } from '../../apiserver/resources/apply/managed-part.ts';
import { compare } from '../../apiserver/resources/apply/object-fields.ts';
import { kindShape } from '../../apiserver/resources/apply/schema-shape.ts';
import { GITOPS_FIELD_MANAGER } from './ownership.ts';

export interface Drift {
  /** Paths as Kubernetes prints them: `.spec.policy`, `.metadata.labels.app`. */
  fields: string[];
  /** Managers that had changed them; empty when the fields had only been removed. */
  managers: string[];
}

/** The deepest paths of a set: a container whose own contents are listed adds nothing to a report. */
function leaves(set: FieldSet): FieldPath[] {
  const all = [...set.paths()].filter((path) => path[path.length - 1] !== '.');
  return all.filter((path) => !all.some((other) => other.length > path.length && path.every((element, index) => other[index] === element)));
}

/** The fields other managers lose when `live` becomes `planned` (a forced apply), and who they were. */
export function takenBack(live: ResourceObject, planned: ResourceObject): Drift {
  const before = decodeManagedFields(live.metadata.managedFields);
  const after = decodeManagedFields(planned.metadata.managedFields);
  const fields = new FieldSet();
  const managers = new Set<string>();
  for (const [key, entry] of before) {
    if (entry.subresource !== undefined || (entry.manager === GITOPS_FIELD_MANAGER && entry.operation === 'Apply')) continue;
    const lost = entry.fields.difference(after.get(key)?.fields ?? new FieldSet());
    if (lost.isEmpty()) continue;
    managers.add(entry.manager);
    for (const path of leaves(lost)) fields.insert(path);
  }
  return { fields: leaves(fields).map(pathString), managers: [...managers].sort() };
}

/** Every field that differs between `live` and `planned` (what a person would see in a diff), as paths. */
export function changedFields(live: ResourceObject, planned: ResourceObject): string[] {
  const kind = findKind(planned.apiVersion, planned.kind);
  if (kind === undefined) return [];
  const changes = compare(managedPart(kind, live, undefined), managedPart(kind, planned, undefined), kindShape(kind));
  return leaves(changes.added.union(changes.modified).union(changes.removed)).map(pathString);
}
