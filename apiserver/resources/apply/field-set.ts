// A set of field paths, the unit of ownership in server-side apply (sigs.k8s.io/structured-merge-diff fieldpath.Set),
// with its FieldsV1 form as stored in metadata.managedFields: {"f:spec":{"f:policy":{}},"f:metadata":{"f:labels":
// {".":{},"f:app":{}}}}. A path element is written exactly as in FieldsV1: "f:NAME" (a struct field or map key),
// "k:{...}" (an item of a list keyed by x-kubernetes-list-map-keys) or "v:VALUE" (an item of a set list).
// Written by hand because no maintained npm library implements Kubernetes server-side apply.
import { isJsonObject, type JsonObject } from '../../../schemas/json.ts';

export type PathElement = string;
export type FieldPath = readonly PathElement[];

export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

export function valueElement(value: unknown): PathElement {
  return `v:${JSON.stringify(value)}`;
}

/** The element of a list-map item: its key fields, sorted by name, as JSON. */
export function keyElement(item: Record<string, unknown>, keys: readonly string[]): PathElement {
  const fields = [...keys].sort().map((key) => `${JSON.stringify(key)}:${JSON.stringify(item[key] ?? null)}`);
  return `k:{${fields.join(',')}}`;
}

/** ".spec.policy", `.status.conditions[type="Ready"].status`, `.spec.dependsOn[="db"]`, as Kubernetes prints paths. */
export function pathString(path: FieldPath): string {
  return path.map((element) => {
    const body = element.slice(2);
    if (element.startsWith('f:')) return `.${body}`;
    if (element.startsWith('v:')) return `[=${body}]`;
    if (element.startsWith('k:')) {
      try {
        const parsed: unknown = JSON.parse(body);
        if (isJsonObject(parsed)) return `[${Object.entries(parsed).map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(',')}]`;
      } catch {
        // An unparsable key prints as stored.
      }
      return `[${body}]`;
    }
    return `[${body}]`;
  }).join('');
}

export class FieldSet {
  /** Elements at this level that are themselves in the set. */
  readonly #members = new Set<PathElement>();
  /** Subsets below each element (present only when non-empty). */
  readonly #children = new Map<PathElement, FieldSet>();

  static of(paths: Iterable<FieldPath>): FieldSet {
    const set = new FieldSet();
    for (const path of paths) set.insert(path);
    return set;
  }

  insert(path: FieldPath): void {
    // Walks down without slicing the path: every write records its field sets, so this runs for every field.
    const last = path.length - 1;
    if (last < 0) return;
    let set: FieldSet = this;
    for (let index = 0; index < last; index += 1) {
      const element = path[index] as PathElement;
      let child = set.#children.get(element);
      if (child === undefined) {
        child = new FieldSet();
        set.#children.set(element, child);
      }
      set = child;
    }
    set.#members.add(path[last] as PathElement);
  }

  has(path: FieldPath): boolean {
    const last = path.length - 1;
    if (last < 0) return false;
    let set: FieldSet | undefined = this;
    for (let index = 0; index < last && set !== undefined; index += 1) set = set.#children.get(path[index] as PathElement);
    return set !== undefined && set.#members.has(path[last] as PathElement);
  }

  /** The subset below `path` (paths relative to it); empty when there is none. */
  below(path: FieldPath): FieldSet {
    let current: FieldSet | undefined = this;
    for (const element of path) {
      current = current.#children.get(element);
      if (current === undefined) return new FieldSet();
    }
    return current;
  }

  /** Whether `path` or anything below it is in the set. */
  touches(path: FieldPath): boolean {
    return this.has(path) || !this.below(path).isEmpty();
  }

  isEmpty(): boolean {
    return this.#members.size === 0 && this.#children.size === 0;
  }

  /** Every path in the set, parents before their children. */
  *paths(prefix: FieldPath = []): Generator<FieldPath> {
    const elements = new Set([...this.#members, ...this.#children.keys()]);
    for (const element of [...elements].sort()) {
      const path = [...prefix, element];
      if (this.#members.has(element)) yield path;
      const child = this.#children.get(element);
      if (child !== undefined) yield* child.paths(path);
    }
  }

  // The set operations walk both trees level by level (exact paths: a member is the path ending at that level, a
  // child the paths going below it); listing every path and inserting them again costs an array per path and a sort
  // per level, on every write (managed fields are recomputed by each one).

  /** A deep copy (sets are built by inserting, so a result never shares a subtree with an operand). */
  #copy(): FieldSet {
    const copy = new FieldSet();
    for (const member of this.#members) copy.#members.add(member);
    for (const [element, child] of this.#children) copy.#children.set(element, child.#copy());
    return copy;
  }

  union(other: FieldSet): FieldSet {
    const out = this.#copy();
    for (const member of other.#members) out.#members.add(member);
    for (const [element, child] of other.#children) {
      const mine = out.#children.get(element);
      out.#children.set(element, mine === undefined ? child.#copy() : mine.union(child));
    }
    return out;
  }

  /** The paths of this set that are not in `other` (exact paths: a parent in `other` does not remove children). */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const member of this.#members) if (!other.#members.has(member)) out.#members.add(member);
    for (const [element, child] of this.#children) {
      const theirs = other.#children.get(element);
      const rest = theirs === undefined ? child.#copy() : child.difference(theirs);
      if (!rest.isEmpty()) out.#children.set(element, rest);
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const member of this.#members) if (other.#members.has(member)) out.#members.add(member);
    for (const [element, child] of this.#children) {
      const theirs = other.#children.get(element);
      if (theirs === undefined) continue;
      const common = child.intersection(theirs);
      if (!common.isEmpty()) out.#children.set(element, common);
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this.#members.size !== other.#members.size || this.#children.size !== other.#children.size) return false;
    for (const member of this.#members) if (!other.#members.has(member)) return false;
    for (const [element, child] of this.#children) {
      const theirs = other.#children.get(element);
      if (theirs === undefined || !child.equals(theirs)) return false;
    }
    return true;
  }

  /** The FieldsV1 document: a member with children carries ".": {}. */
  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    const elements: PathElement[] = [...this.#members];
    for (const element of this.#children.keys()) if (!this.#members.has(element)) elements.push(element);
    for (const element of elements.sort()) {
      const child = this.#children.get(element);
      if (child === undefined) {
        out[element] = {};
        continue;
      }
      const below = child.toFieldsV1();
      out[element] = this.#members.has(element) ? { '.': {}, ...below } : below;
    }
    return out;
  }

  /** Reads a FieldsV1 document; unknown shapes are skipped rather than trusted. */
  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    if (!isJsonObject(fields)) return set;
    const walk = (node: JsonObject, prefix: PathElement[]): void => {
      for (const [element, child] of Object.entries(node)) {
        if (element === '.') {
          set.insert(prefix);
          continue;
        }
        if (!isJsonObject(child)) continue;
        const path = [...prefix, element];
        if (Object.keys(child).length === 0) set.insert(path);
        else walk(child, path);
      }
    };
    walk(fields, []);
    return set;
  }
}
