// How server-side apply sees each node of an object: the "shape" structured-merge-diff derives from a schema
// (sigs.k8s.io/structured-merge-diff schema.Map / List / Scalar with their element relationships), read here from our
// JSON Schemas. Lists are atomic unless the schema says `x-kubernetes-list-type: set | map`, as for custom resources;
// objects with declared properties are structs; objects with `additionalProperties` are granular maps (labels);
// objects the schema leaves open are "deduced" like Kubernetes does for unknown content: maps are granular, lists atomic.
import { schemasById, type ResourceKind } from '../../../schemas/index.ts';
import { isJsonObject, resolvePointer, type JsonObject } from '../../../schemas/json.ts';

export type Shape =
  | { readonly type: 'scalar' }
  | { readonly type: 'atomic' }
  | { readonly type: 'struct'; field(name: string): Shape; declares(name: string): boolean }
  | { readonly type: 'map'; readonly element: Shape }
  | { readonly type: 'set' }
  | { readonly type: 'listMap'; readonly keys: readonly string[]; readonly element: Shape };

const SCALAR: Shape = { type: 'scalar' };
const ATOMIC: Shape = { type: 'atomic' };

/** Shape of content without a schema: objects are granular maps of deduced values, everything else is a leaf. */
export const DEDUCED: Shape = { type: 'map', get element(): Shape { return DEDUCED; } };

interface SchemaNode {
  schema: JsonObject;
  /** The $id of the document the node is in, for resolving relative $refs. */
  base: string;
}

function follow(node: SchemaNode): SchemaNode {
  let current = node;
  for (let hops = 0; hops < 32; hops += 1) {
    const ref = current.schema.$ref;
    if (typeof ref !== 'string') return current;
    const url = new URL(ref, current.base);
    const documentId = `${url.origin}${url.pathname}`;
    const document = schemasById.get(documentId);
    const target = document === undefined ? undefined : resolvePointer(document, url.hash.replace(/^#/, ''));
    if (!isJsonObject(target)) throw new Error(`schema $ref ${ref} (from ${current.base}) does not resolve`);
    current = { schema: target, base: documentId };
  }
  throw new Error(`schema $ref chain too long at ${node.base}`);
}

const shapes = new WeakMap<JsonObject, Shape>();

function shapeOf(input: SchemaNode): Shape {
  const node = follow(input);
  const cached = shapes.get(node.schema);
  if (cached !== undefined) return cached;
  const shape = computeShape(node);
  shapes.set(node.schema, shape);
  return shape;
}

function computeShape(node: SchemaNode): Shape {
  const { schema } = node;
  if (schema.type === 'array') {
    const listType = schema['x-kubernetes-list-type'];
    const items = isJsonObject(schema.items) ? { schema: schema.items, base: node.base } : undefined;
    if (listType === 'set') return { type: 'set' };
    if (listType === 'map' && items !== undefined) {
      const keys = Array.isArray(schema['x-kubernetes-list-map-keys']) ? schema['x-kubernetes-list-map-keys'].filter((key) => typeof key === 'string') : [];
      if (keys.length > 0) return listMapShape(keys, items);
    }
    return ATOMIC;
  }
  const properties = isJsonObject(schema.properties) ? schema.properties : undefined;
  const additional = schema.additionalProperties;
  if (schema.type === 'object' || properties !== undefined || additional !== undefined) {
    if (schema['x-kubernetes-map-type'] === 'atomic') return ATOMIC;
    if (properties !== undefined) return structShape(node, properties, additional);
    if (isJsonObject(additional)) return mapShape({ schema: additional, base: node.base });
    return DEDUCED;
  }
  if (typeof schema.type === 'string' || schema.enum !== undefined || schema.const !== undefined) return SCALAR;
  return DEDUCED;
}

function structShape(node: SchemaNode, properties: JsonObject, additional: JsonObject[string] | undefined): Shape {
  const fields = new Map<string, Shape>();
  const elementSchema = isJsonObject(additional) ? { schema: additional, base: node.base } : undefined;
  return {
    type: 'struct',
    field(name: string): Shape {
      const known = fields.get(name);
      if (known !== undefined) return known;
      const property = properties[name];
      const shape = isJsonObject(property) ? shapeOf({ schema: property, base: node.base }) : elementSchema === undefined ? DEDUCED : shapeOf(elementSchema);
      fields.set(name, shape);
      return shape;
    },
    declares(name: string): boolean {
      return Object.hasOwn(properties, name);
    },
  };
}

function mapShape(element: SchemaNode): Shape {
  let shape: Shape | undefined;
  return {
    type: 'map',
    get element(): Shape {
      shape ??= shapeOf(element);
      return shape;
    },
  };
}

function listMapShape(keys: readonly string[], element: SchemaNode): Shape {
  let shape: Shape | undefined;
  return {
    type: 'listMap',
    keys,
    get element(): Shape {
      shape ??= shapeOf(element);
      return shape;
    },
  };
}

const kindShapes = new Map<ResourceKind, Shape>();

/** The shape of a whole object of `kind`. */
export function kindShape(kind: ResourceKind): Shape {
  let shape = kindShapes.get(kind);
  if (shape === undefined) {
    shape = shapeOf({ schema: kind.schema, base: kind.schemaId });
    kindShapes.set(kind, shape);
  }
  return shape;
}

/** The shape of a child: a struct's field, a map's element, a list's item. */
export function childShape(shape: Shape, name: string): Shape {
  switch (shape.type) {
    case 'struct':
      return shape.field(name);
    case 'map':
    case 'listMap':
      return shape.element;
    default:
      return DEDUCED;
  }
}
