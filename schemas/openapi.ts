// Converts a kind's JSON Schema (draft 2020-12, with $refs into common.json and our x-vigil-* keywords)
// into a Kubernetes structural schema: every $ref inlined, keywords CRDs forbid or do not know removed,
// open objects marked x-kubernetes-preserve-unknown-fields, and the rules only our validator enforces
// expressed as CEL x-kubernetes-validations where CEL can say them. The CRD generator uses it now; the API
// server's OpenAPI v2/v3 documents use it later. Unknown keywords are an error so that a new schema
// feature cannot silently vanish from the CRDs.
import { findKindByName, schemasById, type ResourceKind } from './index.ts';
import { isJsonObject, isStringArray, resolvePointer, type JsonObject, type JsonValue } from './json.ts';

export interface StructuralOptions {
  /** 'opaque' (as a CRD requires: metadata is just {type: object}) or 'full' (the ObjectMeta schema). Default 'opaque'. */
  metadata?: 'opaque' | 'full';
  /** Keep `default` values. Default false: Vigil's API server does not default, so a real cluster must not either. */
  defaults?: boolean;
}

/** Formats Kubernetes' OpenAPI validation knows; others are dropped (the pattern or our validator still applies). */
const KUBERNETES_FORMATS = new Set(['date-time', 'date', 'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid', 'byte', 'int32', 'int64', 'duration']);

/** Copied unchanged when present. */
const COPIED = [
  'minimum', 'maximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems',
  'minProperties', 'maxProperties', 'required', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys',
] as const;

/** Handled specially or deliberately dropped. */
const CONSUMED = new Set([
  '$ref', '$id', '$schema', '$defs', '$comment', 'title', 'description', 'type', 'format', 'enum', 'const', 'default',
  'properties', 'additionalProperties', 'items', 'uniqueItems', 'allOf', 'propertyNames',
  'x-kubernetes-preserve-unknown-fields', 'x-vigil-resource', 'x-vigil-error', 'x-vigil-duration', 'x-vigil-format',
  'x-vigil-matches', 'x-vigil-immutable', 'x-vigil-union', 'x-vigil-exactly-one-of', ...COPIED,
]);

interface Context {
  options: Required<StructuralOptions>;
  /** $refs being expanded, to refuse cycles (a structural schema cannot be recursive). */
  stack: string[];
}

function resolveRef(ref: string, baseId: string): { target: JsonObject; baseId: string } {
  const url = new URL(ref, baseId);
  const documentId = `${url.origin}${url.pathname}`;
  const document = schemasById.get(documentId);
  const target = document === undefined ? undefined : resolvePointer(document, decodeURIComponent(url.hash.slice(1)));
  if (!isJsonObject(target)) throw new Error(`cannot resolve $ref ${ref} from ${baseId}`);
  return { target, baseId: documentId };
}

function convert(node: JsonValue, baseId: string, context: Context): JsonObject {
  if (node === true) return { 'x-kubernetes-preserve-unknown-fields': true };
  if (!isJsonObject(node)) throw new Error(`unsupported schema node ${JSON.stringify(node)}`);
  if (typeof node.$ref === 'string') {
    const key = new URL(node.$ref, baseId).href;
    if (context.stack.includes(key)) throw new Error(`recursive $ref ${key} cannot become a structural schema`);
    const { target, baseId: targetBase } = resolveRef(node.$ref, baseId);
    const { $ref: _ref, ...siblings } = node;
    const inlined = convert(target, targetBase, { ...context, stack: [...context.stack, key] });
    // Siblings of a $ref (a more specific description, a narrower range) refine the referenced schema.
    return { ...inlined, ...convert(siblings, baseId, context) };
  }
  for (const keyword of Object.keys(node)) {
    if (!CONSUMED.has(keyword)) throw new Error(`keyword ${keyword} is not supported by the structural-schema conversion`);
  }
  const out: JsonObject = {};
  if (typeof node.description === 'string') out.description = node.description;
  if (node.type !== undefined) Object.assign(out, convertType(node.type));
  if (typeof node.format === 'string' && KUBERNETES_FORMATS.has(node.format)) out.format = node.format;
  if (Array.isArray(node.enum)) out.enum = node.enum;
  if (node.const !== undefined) out.enum = [node.const];
  for (const keyword of COPIED) if (node[keyword] !== undefined) out[keyword] = node[keyword];
  if (context.options.defaults && node.default !== undefined) out.default = node.default;
  if (isJsonObject(node.properties)) {
    const properties: JsonObject = {};
    for (const [name, property] of Object.entries(node.properties)) properties[name] = convert(property, baseId, context);
    out.properties = properties;
  }
  const additional = node.additionalProperties;
  if (isJsonObject(additional)) out.additionalProperties = convert(additional, baseId, context);
  const open = additional === true || (additional === undefined && node.type === 'object' && !isJsonObject(node.properties));
  if (open || node['x-kubernetes-preserve-unknown-fields'] === true) out['x-kubernetes-preserve-unknown-fields'] = true;
  if (node.items !== undefined) {
    const items = convert(node.items, baseId, context);
    out.items = items;
    if (node.uniqueItems === true && out['x-kubernetes-list-type'] === undefined && items.type !== 'object') out['x-kubernetes-list-type'] = 'set';
  }
  checkAllOf(node.allOf);
  const rules = celRules(node, out);
  if (rules.length > 0) out['x-kubernetes-validations'] = rules;
  return out;
}

function convertType(type: JsonValue): JsonObject {
  if (typeof type === 'string') return { type };
  if (isStringArray(type)) {
    const types = type.filter((item) => item !== 'null');
    if (types.length === 1 && types[0] !== undefined) return { type: types[0], nullable: true };
  }
  throw new Error(`type ${JSON.stringify(type)} has no structural equivalent`);
}

/** allOf is only used for if/then rules, which our validator enforces and CRDs cannot express: dropped. */
function checkAllOf(allOf: JsonValue | undefined): void {
  if (allOf === undefined) return;
  const onlyConditionals = Array.isArray(allOf) && allOf.every((item) => isJsonObject(item) &&
    Object.keys(item).every((key) => key === 'if' || key === 'then' || key === 'else'));
  if (!onlyConditionals) throw new Error('allOf is only supported as a list of if/then rules');
}

/** CEL equivalents of the x-vigil rules that have one. */
function celRules(node: JsonObject, out: JsonObject): JsonObject[] {
  const rules: JsonObject[] = [];
  if (node['x-vigil-immutable'] === true) rules.push({ rule: 'self == oldSelf', message: 'field is immutable' });
  const exactlyOne = node['x-vigil-exactly-one-of'];
  if (isStringArray(exactlyOne)) {
    rules.push({
      rule: `[${exactlyOne.map((field) => `has(self.${field})`).join(', ')}].exists_one(x, x)`,
      message: `exactly one of ${exactlyOne.join(', ')} must be set`,
    });
  }
  const union = node['x-vigil-union'];
  if (isJsonObject(union) && typeof union.discriminator === 'string' && typeof union.members === 'string') {
    const { discriminator, members } = union;
    const membersSchema = isJsonObject(out.properties) ? out.properties[members] : undefined;
    const names = isJsonObject(membersSchema) && isJsonObject(membersSchema.properties) ? Object.keys(membersSchema.properties) : [];
    for (const name of names) {
      rules.push({
        rule: `!has(self.${members}) || !has(self.${members}.${name}) || self.${discriminator} == '${name}'`,
        message: `${members}.${name} may only be set when ${discriminator} is ${name}`,
      });
    }
  }
  return rules;
}

/** The structural schema (openAPIV3Schema) of a kind. */
export function toStructuralSchema(kind: ResourceKind | string, options: StructuralOptions = {}): JsonObject {
  const resolved = typeof kind === 'string' ? findKindByName(kind) : kind;
  if (resolved === undefined) throw new Error(`unknown kind ${String(kind)}`);
  const context: Context = { options: { metadata: options.metadata ?? 'opaque', defaults: options.defaults ?? false }, stack: [] };
  const { properties, required, description } = resolved.schema;
  if (!isJsonObject(properties)) throw new Error(`${resolved.file}: no properties`);
  const out: JsonObject = {};
  if (typeof description === 'string') out.description = description;
  out.type = 'object';
  if (Array.isArray(required)) out.required = required;
  const converted: JsonObject = {};
  for (const [name, property] of Object.entries(properties)) {
    converted[name] = name === 'metadata' && context.options.metadata === 'opaque'
      ? { type: 'object' }
      : convert(property, resolved.schemaId, context);
  }
  out.properties = converted;
  if (resolved.singletonName !== undefined) {
    out['x-kubernetes-validations'] = [{
      rule: `self.metadata.name == '${resolved.singletonName}'`,
      message: `${resolved.kind} is a singleton: its name must be ${resolved.singletonName}`,
    }];
  }
  return out;
}
