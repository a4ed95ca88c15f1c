// The one validator for every object that enters Vigil: API bodies, YAML manifests, REST-facade writes and
// controller status writes. Schemas are compiled once per kind (lazily, on first use); unknown fields are
// reported, warned about or silently pruned per the request's fieldValidation, as kube-apiserver does.
import { isDeepStrictEqual } from 'node:util';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { causeText, mapAjvErrors, unknownFieldCause, type ValidationCause } from './causes.ts';
import type { ObjectMeta } from './generated/types.ts';
import { commonSchema, findKind, resourceKinds, type ResourceKind } from './index.ts';
import { isObject } from './json.ts';
import { vigilKeywords } from './keywords.ts';
import { metadataCauses } from './metadata.ts';

export type { CauseReason, ValidationCause } from './causes.ts';
export { causeText, describeCauses } from './causes.ts';

/** Kubernetes' fieldValidation: Strict = unknown fields are errors; Warn = pruned with a warning; Ignore = pruned silently. */
export type UnknownFieldPolicy = 'Strict' | 'Warn' | 'Ignore';

export interface ValidateOptions {
  /** Default 'Warn', the kube-apiserver default when a request names none. */
  unknownFields?: UnknownFieldPolicy;
  /**
   * Default true: the result is a deep copy and the input is never modified. false is for a caller that built `object`
   * for this one write and owns it: validation only reads it, so the result is `object` itself unless unknown fields
   * are pruned (then a pruned copy). The deep copy was about half of the validation cost of a write.
   */
  copy?: boolean;
}

/** Any object of one of our kinds, as far as the validator promises: typed metadata, the rest per its schema. */
export interface ResourceObject {
  apiVersion: string;
  kind: string;
  /** A validated object always has a name (generateName is resolved before validation). */
  metadata: ObjectMeta & { name: string };
  [field: string]: unknown;
}

export type ValidationResult =
  | { ok: true; kind: ResourceKind; object: ResourceObject; causes: ValidationCause[]; warnings: string[] }
  | { ok: false; kind: ResourceKind | undefined; object: unknown; causes: ValidationCause[]; warnings: string[] };

let ajvInstance: InstanceType<typeof Ajv2020.default> | undefined;
const compiled = new Map<ResourceKind, ValidateFunction>();

function ajv(): InstanceType<typeof Ajv2020.default> {
  if (ajvInstance !== undefined) return ajvInstance;
  // strictTypes and strictRequired are off because if/then branches deliberately constrain (and require)
  // properties declared by the enclosing schema without repeating them. verbose gives errors their schema and
  // data (for messages); inlineRefs off compiles each shared definition once, which is faster here.
  const instance = new Ajv2020.default({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false, inlineRefs: false });
  addFormats.default(instance);
  for (const keyword of vigilKeywords) instance.addKeyword(keyword);
  instance.addSchema(commonSchema);
  for (const kind of resourceKinds) instance.addSchema(kind.schema);
  ajvInstance = instance;
  return instance;
}

/** The compiled validator of a kind (compiled on first use, then cached). */
export function schemaValidator(kind: ResourceKind): ValidateFunction {
  let validate = compiled.get(kind);
  if (validate === undefined) {
    validate = ajv().getSchema(kind.schemaId);
    if (validate === undefined) throw new Error(`schema ${kind.schemaId} did not compile`);
    compiled.set(kind, validate);
  }
  return validate;
}

function kindCauses(object: Record<string, unknown>): ValidationCause[] {
  const { apiVersion, kind } = object;
  const causes: ValidationCause[] = [];
  if (typeof apiVersion !== 'string' || apiVersion === '') causes.push({ field: 'apiVersion', reason: 'FieldValueRequired', message: 'Required value' });
  if (typeof kind !== 'string' || kind === '') causes.push({ field: 'kind', reason: 'FieldValueRequired', message: 'Required value' });
  if (causes.length > 0) return causes;
  const known = resourceKinds.filter((candidate) => candidate.apiVersion === apiVersion).map((candidate) => candidate.kind);
  if (known.length === 0) {
    const versions = [...new Set(resourceKinds.map((candidate) => candidate.apiVersion))];
    return [{
      field: 'apiVersion',
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${JSON.stringify(apiVersion)}: supported values: ${versions.map((v) => JSON.stringify(v)).join(', ')}`,
    }];
  }
  return [{
    field: 'kind',
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${JSON.stringify(kind)}: supported values: ${known.map((k) => JSON.stringify(k)).join(', ')}`,
  }];
}

function prune(root: Record<string, unknown>, path: readonly (string | number)[]): void {
  let parent: unknown = root;
  for (const segment of path.slice(0, -1)) {
    parent = Array.isArray(parent) ? parent[Number(segment)] : isObject(parent) ? parent[String(segment)] : undefined;
  }
  const last = path.at(-1);
  if (isObject(parent) && last !== undefined) delete parent[String(last)];
}

/**
 * Validates a whole object of any of our kinds against its schema and the metadata rules. With Warn or
 * Ignore, the returned object is a copy without the unknown fields; the input is never modified.
 */
export function validateResource(object: unknown, options: ValidateOptions = {}): ValidationResult {
  const policy = options.unknownFields ?? 'Warn';
  if (!isObject(object)) {
    return { ok: false, kind: undefined, object, causes: [{ field: '', reason: 'FieldValueTypeInvalid', message: 'Invalid value: the object must be a JSON object' }], warnings: [] };
  }
  const kind = typeof object.apiVersion === 'string' && typeof object.kind === 'string' ? findKind(object.apiVersion, object.kind) : undefined;
  if (kind === undefined) return { ok: false, kind, object, causes: kindCauses(object), warnings: [] };

  // The compiled validators never modify what they check (no useDefaults, coerceTypes or removeAdditional), so the
  // only reasons to copy are the promise that the input stays untouched and pruning.
  let copy = options.copy === false ? object : structuredClone(object);
  const validate = schemaValidator(kind);
  const valid = validate(copy);
  const { causes, unknownFields } = valid ? { causes: [], unknownFields: [] } : mapAjvErrors(validate.errors ?? [], copy);
  const warnings: string[] = [];
  const unknownCauses = unknownFields.map((path) => unknownFieldCause(path, copy));
  if (policy === 'Strict') {
    causes.push(...unknownCauses);
  } else {
    if (policy === 'Warn') warnings.push(...unknownCauses.map(causeText));
    if (copy === object && unknownFields.length > 0) copy = structuredClone(object);
    for (const path of unknownFields) prune(copy, path);
  }
  causes.push(...metadataCauses(kind, copy.metadata));
  if (causes.length > 0) return { ok: false, kind, object: copy, causes, warnings };
  return { ok: true, kind, object: copy as ResourceObject, causes, warnings };
}

/**
 * Rules that compare the new state with the old one on update: immutable fields (x-vigil-immutable:
 * Snapshot and UpdateRecord spec) and, as for Kubernetes Secrets, data frozen by `immutable: true`.
 */
export function validateUpdate(kind: ResourceKind, oldObject: Record<string, unknown>, newObject: Record<string, unknown>): ValidationCause[] {
  const causes: ValidationCause[] = [];
  for (const field of kind.immutableFields) {
    if (oldObject[field] !== undefined && !isDeepStrictEqual(oldObject[field], newObject[field])) {
      causes.push({ field, reason: 'FieldValueInvalid', message: 'Invalid value: "object": field is immutable' });
    }
  }
  if (kind.group === '' && kind.kind === 'Secret' && oldObject.immutable === true) {
    if (newObject.immutable !== true) {
      causes.push({ field: 'immutable', reason: 'FieldValueForbidden', message: 'Forbidden: field is immutable when `immutable` is set' });
    }
    if (!isDeepStrictEqual(oldObject.data, newObject.data) || newObject.stringData !== undefined) {
      causes.push({ field: 'data', reason: 'FieldValueForbidden', message: 'Forbidden: field is immutable when `immutable` is set' });
    }
  }
  return causes;
}

// Shared helpers every component parses settings with, re-exported so that one import serves.
export { formatDuration, parseDuration } from './duration.ts';
