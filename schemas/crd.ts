// The apiextensions.k8s.io/v1 CustomResourceDefinition of a vigil.dev kind, built from its schema and
// x-vigil-resource metadata (for installing the kinds into a real cluster, and for tools that read CRDs).
import type { ResourceKind } from './index.ts';
import type { JsonObject } from './json.ts';
import { toStructuralSchema } from './openapi.ts';

export function crdName(kind: ResourceKind): string {
  return `${kind.plural}.${kind.group}`;
}

export function customResourceDefinition(kind: ResourceKind): JsonObject {
  if (kind.group === '') throw new Error(`${kind.kind} is a core kind and has no CustomResourceDefinition`);
  const version: JsonObject = {
    name: kind.version,
    served: true,
    storage: true,
    schema: { openAPIV3Schema: toStructuralSchema(kind) },
  };
  if (kind.hasStatus) version.subresources = { status: {} };
  version.additionalPrinterColumns = kind.printerColumns.map((column) => {
    const out: JsonObject = { name: column.name, type: column.type };
    if (column.format !== undefined) out.format = column.format;
    out.jsonPath = column.jsonPath;
    out.description = column.description;
    if (column.priority !== 0) out.priority = column.priority;
    return out;
  });
  const names: JsonObject = { kind: kind.kind, listKind: kind.listKind, plural: kind.plural, singular: kind.singular };
  if (kind.shortNames.length > 0) names.shortNames = [...kind.shortNames];
  if (kind.categories.length > 0) names.categories = [...kind.categories];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(kind) },
    spec: {
      group: kind.group,
      names,
      scope: kind.namespaced ? 'Namespaced' : 'Cluster',
      versions: [version],
    },
  };
}
