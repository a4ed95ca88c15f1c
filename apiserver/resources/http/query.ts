// Query parameters of the resource API, read and checked as kube-apiserver does: malformed values are a 400
// BadRequest, values the options' validation refuses are a 422 Invalid on the options kind (CreateOptions...).
import type { UnknownFieldPolicy } from '../../../schemas/validation.ts';
import type { ValidationCause } from '../../../schemas/validation.ts';
import { errors } from '../errors.ts';

export type Query = Record<string, string | string[] | undefined>;

/** The last value of a parameter that may repeat. */
export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value.at(-1) : value;
}

export function all(query: Query, name: string): string[] {
  const value = query[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** true / false / 1 / 0 as Go's strconv.ParseBool; absent → undefined. */
export function booleanParam(query: Query, name: string): boolean | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False', ''].includes(value)) return false;
  throw errors.badRequest(`invalid boolean value for ${name}: ${JSON.stringify(value)}`);
}

export function integerParam(query: Query, name: string): number | undefined {
  const value = single(query, name);
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d{1,15}$/.test(value)) throw errors.badRequest(`invalid integer value for ${name}: ${JSON.stringify(value)}`);
  return Number(value);
}

function unsupported(field: string, value: string, supported: readonly string[]): ValidationCause {
  return {
    field,
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((item) => JSON.stringify(item)).join(', ')}`,
  };
}

export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

/** dryRun=All (the only value Kubernetes knows); anything else is Invalid. */
export function dryRunParam(values: readonly string[], optionsKind: OptionsKind): boolean {
  const bad = values.filter((value) => value !== 'All');
  if (bad.length > 0) throw errors.invalidOptions(optionsKind, bad.map((value) => unsupported('dryRun', value, ['All'])));
  return values.length > 0;
}

/** fieldValidation: Strict, Warn (the default over HTTP, as in kube-apiserver) or Ignore. */
export function fieldValidationParam(query: Query, optionsKind: OptionsKind): UnknownFieldPolicy {
  const value = single(query, 'fieldValidation');
  if (value === undefined || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw errors.invalidOptions(optionsKind, [unsupported('fieldValidation', value, ['Ignore', 'Warn', 'Strict'])]);
}

const FIELD_MANAGER_MAX_LENGTH = 128;

/** Printable characters only (Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space). */
function isPrintable(char: string): boolean {
  return char === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(char);
}

/** The fieldManager parameter, checked; undefined when absent. Server-side apply requires it. */
export function explicitFieldManager(query: Query, optionsKind: OptionsKind): string | undefined {
  const given = single(query, 'fieldManager');
  if (given === undefined || given === '') return undefined;
  const causes: ValidationCause[] = [];
  if (given.length > FIELD_MANAGER_MAX_LENGTH) {
    causes.push({ field: 'fieldManager', reason: 'FieldValueTooLong', message: `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes` });
  }
  const index = [...given].findIndex((char) => !isPrintable(char));
  if (index >= 0) causes.push({ field: 'fieldManager', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(given)}: invalid characters at index ${index}` });
  if (causes.length > 0) throw errors.invalidOptions(optionsKind, causes);
  return given;
}

/**
 * The field manager of a write: the fieldManager parameter, or else the User-Agent up to its first "/" ("kubectl"
 * for "kubectl/v1.20.2 (linux/amd64) kubernetes/faf1b8b"), as kube-apiserver derives it.
 */
export function fieldManagerParam(query: Query, userAgent: string | undefined, optionsKind: OptionsKind): string | undefined {
  const given = explicitFieldManager(query, optionsKind);
  if (given !== undefined) return given;
  const prefix = [...(userAgent ?? '').split('/')[0] ?? ''].filter(isPrintable).slice(0, FIELD_MANAGER_MAX_LENGTH).join('');
  return prefix === '' ? undefined : prefix;
}
