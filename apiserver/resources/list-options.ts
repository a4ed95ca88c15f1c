// The rules apimachinery applies to list and watch options (pkg/apis/meta/internalversion/validation
// ValidateListOptions): a violation is a 422 Invalid on "ListOptions.meta.k8s.io".
import type { ValidationCause } from '../../schemas/validation.ts';
import { errors } from './errors.ts';

export interface ListOptionsInput {
  watch: boolean;
  resourceVersion: string | undefined;
  resourceVersionMatch: string | undefined;
  continue: string | undefined;
  sendInitialEvents: boolean | undefined;
  allowWatchBookmarks: boolean;
}

const forbidden = (field: string, message: string): ValidationCause => ({ field, reason: 'FieldValueForbidden', message: `Forbidden: ${message}` });
const notSupported = (field: string, value: string, supported: string[]): ValidationCause => ({
  field,
  reason: 'FieldValueNotSupported',
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((item) => JSON.stringify(item)).join(', ')}`,
});

function listCauses(options: ListOptionsInput): ValidationCause[] {
  const causes: ValidationCause[] = [];
  const match = options.resourceVersionMatch;
  if (match !== undefined && match !== '') {
    if (options.resourceVersion === undefined || options.resourceVersion === '') causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (options.continue !== undefined && options.continue !== '') causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') causes.push(notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && options.resourceVersion === '0') causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (options.sendInitialEvents !== undefined) causes.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return causes;
}

function watchCauses(options: ListOptionsInput): ValidationCause[] {
  const causes: ValidationCause[] = [];
  const match = options.resourceVersionMatch;
  if (options.sendInitialEvents !== undefined) {
    if (match !== 'NotOlderThan') causes.push(forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
    if (options.sendInitialEvents && !options.allowWatchBookmarks) causes.push(forbidden('allowWatchBookmarks', 'sendInitialEvents requires setting allowWatchBookmarks to true'));
  }
  if (match !== undefined && match !== '') {
    if (options.sendInitialEvents === undefined) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    if (match !== 'NotOlderThan') causes.push(notSupported('resourceVersionMatch', match, ['NotOlderThan']));
    if (options.continue !== undefined && options.continue !== '') causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  }
  return causes;
}

/** Throws a 422 Invalid naming every violation. */
export function validateListOptions(options: ListOptionsInput): void {
  const causes = options.watch ? watchCauses(options) : listCauses(options);
  if (causes.length > 0) throw errors.invalidOptions('ListOptions', causes);
}
