// Turns ajv errors into Kubernetes status causes: a dotted field path with [i] indices ("spec.ports[0].hostPort"),
// a CauseType reason and a message in the words of k8s.io/apimachinery field errors ("Unsupported value: ...:
// supported values: ..."). The API server puts these into a 422 Invalid Status as details.causes.
import type { ErrorObject } from 'ajv/dist/2020.js';
import { isObject } from './json.ts';
import type { KeywordErrorParams } from './keywords.ts';

export type CauseReason =
  | 'FieldValueInvalid'
  | 'FieldValueRequired'
  | 'FieldValueNotSupported'
  | 'FieldValueTypeInvalid'
  | 'FieldValueUnknown'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany';

export interface ValidationCause {
  /** Kubernetes field path, e.g. "spec.policy", "spec.networks[0].aliases", "metadata.labels". */
  field: string;
  reason: CauseReason;
  /** The error body without the field, as Kubernetes puts it in a cause ("Required value"). See causeText. */
  message: string;
}

type Segment = string | number;

/** A value as field errors show it: strings quoted (and cut), containers by their kind, like Kubernetes does. */
export function renderValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}...` : value);
  if (Array.isArray(value)) return '"array"';
  if (isObject(value)) return '"object"';
  return String(value);
}


const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Formats a path through `root`: array indices and non-identifier map keys in brackets. */
export function fieldPath(segments: readonly Segment[], root: unknown): string {
  let path = '';
  let current: unknown = root;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      path += `[${segment}]`;
      current = current[Number(segment)];
    } else {
      const key = String(segment);
      path += IDENTIFIER.test(key) ? (path === '' ? key : `.${key}`) : `[${key}]`;
      current = isObject(current) ? current[key] : undefined;
    }
  }
  return path;
}

/** "field: message", or just the message when it already names the field (unknown fields). */
export function causeText(cause: ValidationCause): string {
  if (cause.reason === 'FieldValueUnknown' || cause.field === '') return cause.message;
  return `${cause.field}: ${cause.message}`;
}

/** The way Kubernetes joins several field errors into one Status message: one plain, several in brackets. */
export function describeCauses(causes: readonly ValidationCause[]): string {
  const texts = causes.map(causeText);
  return texts.length === 1 ? (texts[0] ?? '') : `[${texts.join(', ')}]`;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const FORMAT_TEXT: Readonly<Record<string, string>> = {
  'date-time': 'must be an RFC 3339 date-time, e.g. "2025-01-15T14:30:00Z"',
  uri: 'must be an absolute URL, e.g. "https://example.com/path"',
  email: 'must be an e-mail address',
  int32: 'must be a 32-bit integer',
};

function customMessage(error: ErrorObject): string | undefined {
  const text: unknown = error.parentSchema?.['x-vigil-error'];
  return typeof text === 'string' ? `Invalid value: ${renderValue(error.data)}: ${text}` : undefined;
}

/** What a map key failed: the pattern or the length of the propertyNames schema. */
function keyRule(error: ErrorObject): string {
  if (error.keyword === 'maxLength') return `key may not be more than ${String(error.params.limit)} characters`;
  return `key must match the regular expression '${String(error.params.pattern ?? '')}'`;
}

function isKeywordParams(params: Record<string, unknown>): params is Record<string, unknown> & KeywordErrorParams {
  return typeof params.reason === 'string' && typeof params.message === 'string';
}

interface Mapped {
  segments: Segment[];
  /** A map key the error is about (always shown in brackets, whatever it looks like). */
  mapKey?: string;
  reason: CauseReason;
  message: string;
  /** Raised by one of our keywords: more precise than a generic pattern error on the same field. */
  specific: boolean;
}

function mapError(error: ErrorObject): Mapped | 'unknown-field' | undefined {
  const segments: Segment[] = pointerSegments(error.instancePath);
  const params: Record<string, unknown> = error.params;
  const value = renderValue(error.data);
  const invalid = (detail: string): Mapped => ({
    segments, reason: 'FieldValueInvalid', message: customMessage(error) ?? `Invalid value: ${value}: ${detail}`, specific: false,
  });
  if (isKeywordParams(params)) {
    return { segments: [...segments, ...(params.path ?? [])], reason: params.reason, message: params.message, specific: true };
  }
  // An invalid map key: ajv reports it on the map, naming the key in propertyName.
  const propertyName: unknown = (error as ErrorObject & { propertyName?: unknown }).propertyName;
  if (typeof propertyName === 'string') {
    return {
      segments,
      mapKey: propertyName,
      reason: 'FieldValueInvalid',
      message: customMessage(error) ?? `Invalid value: ${renderValue(propertyName)}: ${keyRule(error)}`,
      specific: false,
    };
  }
  switch (error.keyword) {
    case 'additionalProperties':
      return 'unknown-field';
    case 'required':
      return { segments: [...segments, String(params.missingProperty)], reason: 'FieldValueRequired', message: 'Required value', specific: false };
    case 'type':
      return { segments, reason: 'FieldValueTypeInvalid', message: `Invalid value: ${value}: must be of type ${String(params.type)}`, specific: false };
    case 'enum':
    case 'const': {
      const allowed: unknown[] = error.keyword === 'enum' && Array.isArray(params.allowedValues) ? params.allowedValues : [params.allowedValue];
      return {
        segments,
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: ${value}: supported values: ${allowed.map((item) => JSON.stringify(item)).join(', ')}`,
        specific: false,
      };
    }
    case 'pattern':
      return invalid(`must match the regular expression '${String(params.pattern)}'`);
    case 'format':
      return invalid(FORMAT_TEXT[String(params.format)] ?? `must be a valid ${String(params.format)}`);
    case 'minimum':
    case 'exclusiveMinimum':
      return invalid(`must be greater than ${error.keyword === 'minimum' ? 'or equal to ' : ''}${String(params.limit)}`);
    case 'maximum':
    case 'exclusiveMaximum':
      return invalid(`must be less than ${error.keyword === 'maximum' ? 'or equal to ' : ''}${String(params.limit)}`);
    case 'minLength':
      return invalid(`must be at least ${String(params.limit)} characters long`);
    case 'maxLength':
      return { segments, reason: 'FieldValueTooLong', message: customMessage(error) ?? `Too long: may not be more than ${String(params.limit)} characters`, specific: false };
    case 'minItems':
      return invalid(`must have at least ${String(params.limit)} items`);
    case 'maxItems':
      return {
        segments,
        reason: 'FieldValueTooMany',
        message: customMessage(error) ?? `Too many: ${Array.isArray(error.data) ? error.data.length : '?'}: must have at most ${String(params.limit)} items`,
        specific: false,
      };
    case 'if':
    case 'propertyNames':
      return undefined; // the errors of the failing branch or key say more
    default:
      return invalid(`does not satisfy the "${error.keyword}" rule of the schema`);
  }
}

export interface MappedErrors {
  causes: ValidationCause[];
  /** Paths (as segments) of fields the schema does not declare. */
  unknownFields: Segment[][];
}

export function mapAjvErrors(errors: readonly ErrorObject[], root: unknown): MappedErrors {
  const unknownFields: Segment[][] = [];
  const mapped: Mapped[] = [];
  for (const error of errors) {
    const result = mapError(error);
    if (result === 'unknown-field') {
      unknownFields.push([...pointerSegments(error.instancePath), String(error.params.additionalProperty)]);
    } else if (result !== undefined) {
      mapped.push(result);
    }
  }
  const pathOf = (item: Mapped): string => fieldPath(item.segments, root) + (item.mapKey === undefined ? '' : `[${item.mapKey}]`);
  const withSpecific = new Set(mapped.filter((item) => item.specific).map(pathOf));
  const seen = new Set<string>();
  const causes: ValidationCause[] = [];
  for (const item of mapped) {
    const field = pathOf(item);
    if (!item.specific && item.reason === 'FieldValueInvalid' && withSpecific.has(field)) continue;
    const key = `${field}\u0000${item.reason}\u0000${item.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    causes.push({ field, reason: item.reason, message: item.message });
  }
  return { causes, unknownFields };
}

export function unknownFieldCause(segments: readonly Segment[], root: unknown): ValidationCause {
  const field = fieldPath(segments, root);
  return { field, reason: 'FieldValueUnknown', message: `unknown field ${JSON.stringify(field)}` };
}
