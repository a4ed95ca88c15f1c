// Field ownership across writers, as kube-apiserver keeps it in metadata.managedFields (k8s.io/apiserver
// pkg/endpoints/handlers/fieldmanager and structured-merge-diff merge/update.go): an Update takes over every field it
// changes; an Apply owns exactly the fields of its configuration, removes the fields it applied before and no longer
// applies (unless someone else owns them), and may not change a field another manager owns unless forced.
// Written by hand because no maintained npm library implements Kubernetes server-side apply.
import type { JsonObject } from '../../../schemas/json.ts';
import { FieldSet, pathString, type FieldPath } from './field-set.ts';
import { compare, fieldsOf, merge, removeFields } from './object-fields.ts';
import type { Shape } from './schema-shape.ts';

export type Operation = 'Apply' | 'Update';

export interface ManagedFieldsEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

interface Manager {
  manager: string;
  operation: Operation;
  subresource: string | undefined;
  apiVersion: string;
  time: string | undefined;
  fields: FieldSet;
}

/** Every manager's fields, keyed by manager, operation and subresource (one entry each, as Kubernetes keeps them). */
export type Managers = Map<string, Manager>;

export interface Writer {
  manager: string;
  subresource: string | undefined;
  apiVersion: string;
  /** RFC 3339 time of this write. */
  time: string;
}

function managerKey(manager: string, operation: Operation, subresource: string | undefined): string {
  return JSON.stringify([manager, operation, subresource ?? '']);
}

export function decodeManagedFields(entries: unknown): Managers {
  const managers: Managers = new Map();
  if (!Array.isArray(entries)) return managers;
  for (const entry of entries as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { manager, operation, apiVersion, time, fieldsV1, subresource } = entry as Record<string, unknown>;
    if (typeof manager !== 'string' || (operation !== 'Apply' && operation !== 'Update')) continue;
    const fields = FieldSet.fromFieldsV1(fieldsV1);
    if (fields.isEmpty()) continue;
    const sub = typeof subresource === 'string' && subresource !== '' ? subresource : undefined;
    managers.set(managerKey(manager, operation, sub), {
      manager,
      operation,
      subresource: sub,
      apiVersion: typeof apiVersion === 'string' ? apiVersion : '',
      time: typeof time === 'string' ? time : undefined,
      fields,
    });
  }
  return managers;
}

/** The managedFields list, sorted as kube-apiserver sorts it (Apply before Update, then by time, manager...). */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const entries = [...managers.values()].filter((entry) => !entry.fields.isEmpty());
  entries.sort((p, q) =>
    p.operation !== q.operation ? (p.operation < q.operation ? -1 : 1)
      : (p.time ?? '') !== (q.time ?? '') ? ((p.time ?? '') < (q.time ?? '') ? -1 : 1)
        : p.manager !== q.manager ? (p.manager < q.manager ? -1 : 1)
          : p.apiVersion !== q.apiVersion ? (p.apiVersion < q.apiVersion ? -1 : 1)
            : (p.subresource ?? '') < (q.subresource ?? '') ? -1 : (p.subresource ?? '') > (q.subresource ?? '') ? 1 : 0);
  return entries.map((entry) => ({
    manager: entry.manager,
    operation: entry.operation,
    apiVersion: entry.apiVersion,
    ...(entry.time === undefined ? {} : { time: entry.time }),
    fieldsType: 'FieldsV1',
    fieldsV1: entry.fields.toFieldsV1(),
    ...(entry.subresource === undefined ? {} : { subresource: entry.subresource }),
  }));
}

function cloneManagers(managers: Managers): Managers {
  return new Map([...managers].map(([key, entry]) => [key, { ...entry }]));
}

/** Ownership after an Update from `before` to `after`: the writer takes every field it added or changed. */
export function recordUpdate(managers: Managers, before: unknown, after: unknown, shape: Shape, writer: Writer): Managers {
  const changes = compare(before, after, shape);
  const taken = changes.added.union(changes.modified);
  const next = cloneManagers(managers);
  for (const [key, entry] of next) {
    entry.fields = entry.fields.difference(taken).difference(changes.removed);
    if (entry.fields.isEmpty()) next.delete(key);
  }
  const key = managerKey(writer.manager, 'Update', writer.subresource);
  const own = taken.difference(changes.removed);
  if (own.isEmpty()) return next;
  const previous = next.get(key);
  next.set(key, {
    manager: writer.manager,
    operation: 'Update',
    subresource: writer.subresource,
    apiVersion: writer.apiVersion,
    time: writer.time,
    fields: previous === undefined ? own : previous.fields.union(own),
  });
  return next;
}

export interface FieldConflict {
  manager: string;
  operation: Operation;
  subresource: string | undefined;
  apiVersion: string;
  time: string | undefined;
  path: FieldPath;
}

/** An apply that would change fields other managers own. */
export class ApplyConflictError extends Error {
  readonly conflicts: readonly FieldConflict[];

  constructor(conflicts: readonly FieldConflict[]) {
    super(conflictMessage(conflicts));
    this.name = 'ApplyConflictError';
    this.conflicts = conflicts;
  }
}

/** How kube-apiserver names a manager in conflict messages (fieldmanager/internal/conflict.go printManager). */
export function describeManager(conflict: Pick<FieldConflict, 'manager' | 'operation' | 'subresource' | 'apiVersion' | 'time'>): string {
  let text = JSON.stringify(conflict.manager);
  if (conflict.subresource !== undefined) text += ` with subresource ${JSON.stringify(conflict.subresource)}`;
  if (conflict.operation === 'Update') text += conflict.time === undefined ? ` using ${conflict.apiVersion}` : ` using ${conflict.apiVersion} at ${conflict.time}`;
  return text;
}

function conflictMessage(conflicts: readonly FieldConflict[]): string {
  if (conflicts.length === 1 && conflicts[0] !== undefined) {
    return `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0])}: ${pathString(conflicts[0].path)}`;
  }
  const byManager = new Map<string, string[]>();
  for (const conflict of conflicts) {
    const name = describeManager(conflict);
    byManager.set(name, [...(byManager.get(name) ?? []), pathString(conflict.path)]);
  }
  const lines = [...byManager.keys()].sort().flatMap((name) => [`conflicts with ${name}:`, ...(byManager.get(name) ?? []).map((path) => `- ${path}`)]);
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

export interface ApplyInput {
  managers: Managers;
  /** The live object's managed part (undefined when the apply creates it). */
  live: unknown;
  /** The applied configuration's managed part. */
  config: unknown;
  shape: Shape;
  writer: Writer;
  force: boolean;
}

/** Step one of an apply: the merged object, before the kind's write rules and validation run on it. */
export function mergeApplied(input: Omit<ApplyInput, 'force' | 'writer'> & { manager: string; subresource: string | undefined }): unknown {
  const { managers, live, config, shape } = input;
  const merged = merge(live, config, shape);
  const previous = managers.get(managerKey(input.manager, 'Apply', input.subresource));
  if (previous === undefined) return merged;
  // Fields this manager applied last time and no longer applies go, unless another manager (or this configuration,
  // deeper down) still owns them.
  const applied = fieldsOf(config, shape);
  const others = [...managers.entries()].filter(([key]) => key !== managerKey(input.manager, 'Apply', input.subresource)).map(([, entry]) => entry.fields);
  const dropped = [...previous.fields.difference(applied).paths()].filter((path) =>
    !applied.touches(path) && !others.some((fields) => fields.touches(path)));
  return dropped.length === 0 ? merged : removeFields(merged, FieldSet.of(dropped), shape);
}

/**
 * Step two, on the object as it will be stored: the applier owns the fields of its configuration that made it into the
 * result; others lose what it changed (or the apply fails with their conflicts unless forced) and what it removed.
 */
export function recordApply(input: ApplyInput & { result: unknown }): Managers {
  const { managers, live, config, shape, writer, result } = input;
  const key = managerKey(writer.manager, 'Apply', writer.subresource);
  const owned = fieldsOf(config, shape).intersection(fieldsOf(result, shape).union(containersOf(result, shape)));
  const changes = compare(live, result, shape);
  const changed = changes.added.union(changes.modified);
  const next = cloneManagers(managers);
  const conflicts: FieldConflict[] = [];
  for (const [otherKey, entry] of next) {
    if (otherKey === key) continue;
    const contested = entry.fields.intersection(changed);
    for (const path of contested.paths()) {
      conflicts.push({ manager: entry.manager, operation: entry.operation, subresource: entry.subresource, apiVersion: entry.apiVersion, time: entry.time, path });
    }
  }
  if (conflicts.length > 0 && !input.force) throw new ApplyConflictError(conflicts);
  for (const [otherKey, entry] of next) {
    if (otherKey === key) continue;
    entry.fields = entry.fields.difference(changed).difference(changes.removed);
    if (entry.fields.isEmpty()) next.delete(otherKey);
  }
  const previous = managers.get(key);
  const objectChanged = !(changes.added.isEmpty() && changes.modified.isEmpty() && changes.removed.isEmpty());
  if (owned.isEmpty()) {
    next.delete(key);
  } else {
    next.set(key, {
      manager: writer.manager,
      operation: 'Apply',
      subresource: writer.subresource,
      apiVersion: writer.apiVersion,
      // The time moves only when the apply changed the object (kube-apiserver managedFieldsUpdater).
      time: objectChanged || previous === undefined ? writer.time : previous.time,
      fields: owned,
    });
  }
  return next;
}

/** Managers without `paths` (kube-apiserver strips the metadata node itself from every manager's set). */
export function withoutPaths(managers: Managers, paths: FieldSet): Managers {
  const next = cloneManagers(managers);
  for (const [key, entry] of next) {
    entry.fields = entry.fields.difference(paths);
    if (entry.fields.isEmpty()) next.delete(key);
  }
  return next;
}

/** Paths of every non-empty struct and map in `value`, so that an applied empty container can be matched. */
function containersOf(value: unknown, shape: Shape): FieldSet {
  const all = new FieldSet();
  for (const path of fieldsOf(value, shape).paths()) for (let length = 1; length < path.length; length += 1) all.insert(path.slice(0, length));
  return all;
}
