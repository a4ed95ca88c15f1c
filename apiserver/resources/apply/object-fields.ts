// The four walks server-side apply needs over an object and its shape (structured-merge-diff typed/tofieldset.go,
// compare.go, merge.go, remove.go): the fields an applied configuration sets, what changed between two states, the
// merge of a configuration into the live object, and the removal of fields.
import { isDeepStrictEqual } from 'node:util';
import { FieldSet, fieldElement, keyElement, valueElement, type PathElement } from './field-set.ts';
import { childShape, DEDUCED, type Shape } from './schema-shape.ts';

type Json = unknown;

function isMap(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmptyContainer(value: Json): boolean {
  return value === undefined || (Array.isArray(value) && value.length === 0) || (isMap(value) && Object.keys(value).length === 0);
}

/** A shape that fits the value (a schema says struct but the value is a string: treat the value as a leaf). */
function fitting(shape: Shape, value: Json): Shape {
  if ((shape.type === 'struct' || shape.type === 'map') && !isMap(value)) return { type: 'scalar' };
  if ((shape.type === 'set' || shape.type === 'listMap') && !Array.isArray(value)) return { type: 'scalar' };
  return shape;
}

/** The items of a granular list, each with its path element (duplicates after the first are ignored, as in SMD). */
function listItems(shape: Shape, list: readonly Json[]): Map<PathElement, Json> {
  const items = new Map<PathElement, Json>();
  for (const item of list) {
    const element = shape.type === 'listMap' && isMap(item) ? keyElement(item, shape.keys) : valueElement(item);
    if (!items.has(element)) items.set(element, item);
  }
  return items;
}

function itemShape(shape: Shape): Shape {
  return shape.type === 'listMap' ? shape.element : { type: 'scalar' };
}

/** The fields an applied configuration sets: its leaves, map entries and list items (typed.ToFieldSet). */
export function fieldsOf(value: Json, shape: Shape): FieldSet {
  const set = new FieldSet();
  const walk = (current: Json, currentShape: Shape, path: PathElement[]): void => {
    const fit = fitting(currentShape, current);
    switch (fit.type) {
      case 'scalar':
      case 'atomic':
        set.insert(path);
        return;
      case 'struct':
      case 'map':
        for (const [name, child] of Object.entries(current as Record<string, Json>)) {
          const childPath = [...path, fieldElement(name)];
          walk(child, childShape(fit, name), childPath);
          // Empty and null values, and map entries (not declared struct fields), are owned as a whole.
          if (child === null || isEmptyContainer(child) || fit.type === 'map' || !fit.declares(name)) set.insert(childPath);
        }
        return;
      case 'set':
      case 'listMap':
        for (const [element, item] of listItems(fit, current as Json[])) {
          const itemPath = [...path, element];
          if (fit.type === 'listMap') walk(item, fit.element, itemPath);
          set.insert(itemPath);
        }
        return;
    }
  };
  if (isMap(value)) walk(value, shape, []);
  return set;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** What changed from `before` to `after` (typed.Compare): leaves and whole containers that appeared or went. */
export function compare(before: Json, after: Json, shape: Shape): Comparison {
  const result: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  // One path array pushed and popped along the walk (FieldSet.insert copies what it keeps): every write compares
  // the whole managed part, and an array per visited field was most of the cost.
  const path: PathElement[] = [];
  const leaf = (lhs: Json, rhs: Json): void => {
    if (lhs === undefined) result.added.insert(path);
    else if (rhs === undefined) result.removed.insert(path);
    else if (!isDeepStrictEqual(lhs, rhs)) result.modified.insert(path);
  };
  const child = (lhs: Json, rhs: Json, childShapeOf: Shape, element: PathElement): void => {
    path.push(element);
    walk(lhs, rhs, childShapeOf);
    path.pop();
  };
  const walk = (lhs: Json, rhs: Json, currentShape: Shape): void => {
    const fit = fitting(fitting(currentShape, lhs ?? rhs), rhs ?? lhs);
    const bothEmpty = isEmptyContainer(lhs) && isEmptyContainer(rhs);
    if (fit.type === 'scalar' || fit.type === 'atomic' || bothEmpty) {
      leaf(lhs, rhs);
      return;
    }
    if (fit.type === 'struct' || fit.type === 'map') {
      const left = isMap(lhs) ? lhs : {};
      const right = isMap(rhs) ? rhs : {};
      for (const name of Object.keys(left)) child(left[name], right[name], childShape(fit, name), fieldElement(name));
      for (const name of Object.keys(right)) if (!Object.hasOwn(left, name)) child(undefined, right[name], childShape(fit, name), fieldElement(name));
    } else {
      const left = listItems(fit, Array.isArray(lhs) ? lhs : []);
      const right = listItems(fit, Array.isArray(rhs) ? rhs : []);
      for (const [element, item] of left) child(item, right.get(element), itemShape(fit), element);
      for (const [element, item] of right) if (!left.has(element)) child(undefined, item, itemShape(fit), element);
    }
    // A container that appeared or went is itself added or removed, besides its contents.
    if (path.length > 0 && lhs === undefined) result.added.insert(path);
    if (path.length > 0 && rhs === undefined) result.removed.insert(path);
  };
  walk(before, after, shape);
  return result;
}

/** The configuration merged into the live object (typed.Merge): the configuration wins; granular containers merge. */
export function merge(live: Json, config: Json, shape: Shape): Json {
  if (live === undefined) return structuredClone(config);
  if (config === undefined) return structuredClone(live);
  const fit = fitting(fitting(shape, live), config);
  if (fit.type === 'struct' || fit.type === 'map') {
    if (!isMap(live) || !isMap(config)) return structuredClone(config);
    const out: Record<string, Json> = structuredClone(live);
    for (const [name, value] of Object.entries(config)) out[name] = merge(live[name], value, childShape(fit, name));
    return out;
  }
  if (fit.type === 'set' || fit.type === 'listMap') {
    if (!Array.isArray(live) || !Array.isArray(config)) return structuredClone(config);
    const liveItems = listItems(fit, live);
    const configItems = listItems(fit, config);
    const out: Json[] = [];
    for (const [element, item] of liveItems) out.push(configItems.has(element) ? merge(item, configItems.get(element), itemShape(fit)) : structuredClone(item));
    for (const [element, item] of configItems) if (!liveItems.has(element)) out.push(structuredClone(item));
    return out;
  }
  return structuredClone(config);
}

/**
 * A copy of `value` without the fields in `remove`. A container emptied by the removal goes too (structured-merge-diff
 * leaves a null there, which our schemas would refuse); containers that were empty before stay.
 */
export function removeFields(value: Json, remove: FieldSet, shape: Shape): Json {
  const walk = (current: Json, currentShape: Shape, toRemove: FieldSet): Json => {
    const fit = fitting(currentShape, current);
    if (fit.type === 'struct' || fit.type === 'map') {
      const out: Record<string, Json> = {};
      for (const [name, child] of Object.entries(current as Record<string, Json>)) {
        const element = fieldElement(name);
        if (toRemove.has([element])) continue;
        const below = toRemove.below([element]);
        if (below.isEmpty() || isEmptyContainer(child)) {
          out[name] = child;
          continue;
        }
        const kept = walk(child, childShape(fit, name), below);
        if (!isEmptyContainer(kept)) out[name] = kept;
      }
      return out;
    }
    if (fit.type === 'set' || fit.type === 'listMap') {
      const out: Json[] = [];
      for (const [element, item] of listItems(fit, current as Json[])) {
        if (toRemove.has([element])) continue;
        const below = toRemove.below([element]);
        out.push(below.isEmpty() ? item : walk(item, itemShape(fit), below));
      }
      return out;
    }
    return current;
  };
  return walk(value, shape, remove);
}

export { DEDUCED };
