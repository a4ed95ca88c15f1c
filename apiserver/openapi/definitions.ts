// The schema definitions of the OpenAPI documents: one per kind and one per list kind, each carrying
// x-kubernetes-group-version-kind (how kubectl finds the schema of a manifest it validates or explains), plus the
// apimachinery types they refer to. Built from the same structural schemas as the CRDs (schemas/openapi.ts).
import type { ResourceKind } from '../../schemas/index.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../schemas/json.ts';
import { toStructuralSchema } from '../../schemas/openapi.ts';
import { LIST_META, metaDefinitions, OBJECT_META } from './meta-definitions.ts';

export type OpenAPIFlavour = 'v2' | 'v3';

/** How a document refers to a definition: #/definitions/NAME (v2) or #/components/schemas/NAME (v3). */
export function definitionRef(flavour: OpenAPIFlavour, name: string): string {
  return flavour === 'v2' ? `#/definitions/${name}` : `#/components/schemas/${name}`;
}

/** kube-apiserver's naming: io.k8s.api.core.v1.Secret for the core group, dev.vigil.v1alpha1.Container for ours. */
export function definitionName(kind: ResourceKind, kindName: string = kind.kind): string {
  const prefix = kind.group === '' ? 'io.k8s.api.core' : kind.group.split('.').reverse().join('.');
  return `${prefix}.${kind.version}.${kindName}`;
}

export function groupVersionKind(kind: ResourceKind, kindName: string = kind.kind): JsonObject {
  return { group: kind.group, kind: kindName, version: kind.version };
}

/**
 * What OpenAPI v2 consumers (kubectl's client-side validation, through kube-openapi) can cope with, as
 * apiextensions-apiserver publishes CRD schemas (ToStructuralOpenAPIV2): a node that keeps unknown fields loses
 * its properties and items (kubectl would otherwise reject the unknown fields), an array left without items loses
 * its type, and CEL rules (which v2 cannot carry) go.
 */
function toV2(node: JsonObject): JsonObject {
  const out: JsonObject = { ...node };
  delete out['x-kubernetes-validations'];
  if (out['x-kubernetes-preserve-unknown-fields'] === true) {
    delete out.properties;
    delete out.items;
  }
  if (out.type === 'array' && out.items === undefined) delete out.type;
  if (isJsonObject(out.properties)) {
    const properties: JsonObject = {};
    for (const [name, property] of Object.entries(out.properties)) properties[name] = isJsonObject(property) ? toV2(property) : property;
    out.properties = properties;
  }
  if (isJsonObject(out.items)) out.items = toV2(out.items);
  if (isJsonObject(out.additionalProperties)) out.additionalProperties = toV2(out.additionalProperties);
  return out;
}

function kindSchema(kind: ResourceKind, flavour: OpenAPIFlavour): JsonObject {
  const structural = toStructuralSchema(kind, { metadata: 'opaque' });
  const properties: JsonObject = isJsonObject(structural.properties) ? { ...structural.properties } : {};
  properties.metadata = { $ref: definitionRef(flavour, OBJECT_META) };
  const schema: JsonObject = { ...structural, properties };
  // The singleton rule is CEL on the whole object: fine for v3, not expressible in v2.
  return {
    ...(flavour === 'v2' ? toV2(schema) : schema),
    'x-kubernetes-group-version-kind': [groupVersionKind(kind)],
  };
}

function listSchema(kind: ResourceKind, flavour: OpenAPIFlavour): JsonObject {
  return {
    description: `A list of ${kind.kind} objects.`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string', description: kind.apiVersion },
      kind: { type: 'string', description: kind.listKind },
      metadata: { $ref: definitionRef(flavour, LIST_META) },
      items: { type: 'array', items: { $ref: definitionRef(flavour, definitionName(kind)) } },
    },
    'x-kubernetes-group-version-kind': [groupVersionKind(kind, kind.listKind)],
  };
}

/** Every definition a document over `kinds` needs, by name. */
export function definitions(kinds: readonly ResourceKind[], flavour: OpenAPIFlavour): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  const ref = (name: string): string => definitionRef(flavour, name);
  for (const [name, schema] of Object.entries(metaDefinitions(ref))) out[name] = flavour === 'v2' ? toV2(schema) : schema;
  for (const kind of kinds) {
    out[definitionName(kind)] = kindSchema(kind, flavour);
    out[definitionName(kind, kind.listKind)] = listSchema(kind, flavour);
  }
  return out;
}
