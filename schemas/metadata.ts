// Metadata rules a JSON Schema cannot say well: name and namespace formats per kind, label and annotation
// keys and values, the annotation size limit and singleton names. Field paths and messages follow
// k8s.io/apimachinery's ValidateObjectMeta (e.g. label problems are reported on "metadata.labels").
import type { ValidationCause } from './causes.ts';
import type { ResourceKind } from './index.ts';
import { isObject } from './json.ts';
import {
  ANNOTATIONS_MAX_BYTES,
  dns1123LabelProblems,
  dns1123SubdomainProblems,
  labelValueProblems,
  qualifiedNameProblems,
} from './names.ts';

function invalid(field: string, value: string, problems: string[]): ValidationCause[] {
  return problems.map((problem) => ({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${problem}` }));
}

function nameCauses(kind: ResourceKind, metadata: Record<string, unknown>): ValidationCause[] {
  const { name, generateName } = metadata;
  if (typeof name !== 'string' || name === '') {
    if (typeof generateName === 'string' && generateName !== '') return [];
    return [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' }];
  }
  if (kind.singletonName !== undefined && name !== kind.singletonName) {
    return [{
      field: 'metadata.name',
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${JSON.stringify(name)}: supported values: ${JSON.stringify(kind.singletonName)} (${kind.kind} is a singleton)`,
    }];
  }
  const problems = kind.nameFormat === 'dns1123Label' ? dns1123LabelProblems(name) : dns1123SubdomainProblems(name);
  return invalid('metadata.name', name, problems);
}

function namespaceCauses(kind: ResourceKind, metadata: Record<string, unknown>): ValidationCause[] {
  const { namespace } = metadata;
  if (!kind.namespaced) {
    if (namespace === undefined || namespace === '') return [];
    return [{ field: 'metadata.namespace', reason: 'FieldValueForbidden', message: 'Forbidden: not allowed on this type' }];
  }
  if (typeof namespace !== 'string' || namespace === '') {
    return [{ field: 'metadata.namespace', reason: 'FieldValueRequired', message: 'Required value' }];
  }
  return invalid('metadata.namespace', namespace, dns1123LabelProblems(namespace));
}

function labelCauses(labels: unknown): ValidationCause[] {
  if (!isObject(labels)) return [];
  const causes: ValidationCause[] = [];
  for (const [key, value] of Object.entries(labels)) {
    causes.push(...invalid('metadata.labels', key, qualifiedNameProblems(key)));
    if (typeof value === 'string') causes.push(...invalid('metadata.labels', value, labelValueProblems(value)));
  }
  return causes;
}

function annotationCauses(annotations: unknown): ValidationCause[] {
  if (!isObject(annotations)) return [];
  const causes: ValidationCause[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    causes.push(...invalid('metadata.annotations', key.toLowerCase(), qualifiedNameProblems(key.toLowerCase())));
    size += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  if (size > ANNOTATIONS_MAX_BYTES) {
    causes.push({ field: 'metadata.annotations', reason: 'FieldValueTooLong', message: `Too long: must have at most ${ANNOTATIONS_MAX_BYTES} bytes` });
  }
  return causes;
}

/** Causes for the metadata of an object of `kind` (the schema has already checked the types). */
export function metadataCauses(kind: ResourceKind, metadata: unknown): ValidationCause[] {
  if (!isObject(metadata)) return []; // the schema reports a missing or mistyped metadata
  return [
    ...nameCauses(kind, metadata),
    ...namespaceCauses(kind, metadata),
    ...labelCauses(metadata.labels),
    ...annotationCauses(metadata.annotations),
  ];
}
