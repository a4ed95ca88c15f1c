// Label and field selectors in Kubernetes syntax (k8s.io/apimachinery/pkg/labels/selector.go), compiled into store
// filters. Written here because no maintained npm package parses them: @kubernetes/client-node only builds them.
import type { ObjectFilter, StoredObject } from '../storage/interface.ts';
import { labelValueProblems, qualifiedNameProblems } from '../../schemas/names.ts';
import { errors } from './errors.ts';

type Requirement =
  | { key: string; operator: 'exists' | 'notexists' }
  | { key: string; operator: 'in' | 'notin'; values: string[] };

/** Splits on commas outside parentheses: `a in (x,y),b` → [`a in (x,y)`, `b`]. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  terms.push(current);
  return terms.map((term) => term.trim());
}

function checkKey(key: string, selector: string): string {
  const problems = qualifiedNameProblems(key);
  if (problems.length > 0) throw errors.badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${selector}": ${problems.join('; ')}`);
  return key;
}

function checkValue(value: string, selector: string): string {
  const problems = labelValueProblems(value);
  if (problems.length > 0) throw errors.badRequest(`unable to parse requirement: invalid label value "${value}" in selector "${selector}": ${problems.join('; ')}`);
  return value;
}

function parseRequirement(term: string, selector: string): Requirement {
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
  if (setMatch !== null) {
    const [, key = '', operator = 'in', list = ''] = setMatch;
    const values = list.split(',').map((value) => checkValue(value.trim(), selector));
    return { key: checkKey(key, selector), operator: operator === 'in' ? 'in' : 'notin', values };
  }
  const equality = /^([^!=\s]+)\s*(==|=|!=)\s*([^=!\s]*)$/.exec(term);
  if (equality !== null) {
    const [, key = '', operator = '=', value = ''] = equality;
    return { key: checkKey(key, selector), operator: operator === '!=' ? 'notin' : 'in', values: [checkValue(value, selector)] };
  }
  const notExists = /^!\s*(\S+)$/.exec(term);
  if (notExists !== null) return { key: checkKey(notExists[1] ?? '', selector), operator: 'notexists' };
  if (/^\S+$/.test(term)) return { key: checkKey(term, selector), operator: 'exists' };
  throw errors.badRequest(`unable to parse requirement: found '${term}' in selector "${selector}"`);
}

function matches(requirement: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  switch (requirement.operator) {
    case 'exists':
      return has;
    case 'notexists':
      return !has;
    case 'in':
      return has && requirement.values.includes(labels[requirement.key] ?? '');
    case 'notin':
      return !has || !requirement.values.includes(labels[requirement.key] ?? '');
  }
}

/** A filter for a label selector such as `app=web,tier in (a,b),!legacy`; undefined when the selector is empty. */
export function parseLabelSelector(selector: string | undefined): ((labels: Record<string, string>) => boolean) | undefined {
  if (selector === undefined || selector.trim() === '') return undefined;
  const requirements = splitTerms(selector).map((term) => {
    if (term === '') throw errors.badRequest(`unable to parse requirement: empty term in selector "${selector}"`);
    return parseRequirement(term, selector);
  });
  return (labels) => requirements.every((requirement) => matches(requirement, labels));
}

/** Field selectors support metadata.name and metadata.namespace with =, == and != (as for custom resources). */
export function parseFieldSelector(selector: string | undefined): ObjectFilter | undefined {
  if (selector === undefined || selector.trim() === '') return undefined;
  const checks = splitTerms(selector).map((term) => {
    const match = /^([A-Za-z.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (match === null) throw errors.badRequest(`invalid field selector: "${term}": expected FIELD=VALUE, FIELD==VALUE or FIELD!=VALUE`);
    const [, field = '', operator = '=', value = ''] = match;
    if (field !== 'metadata.name' && field !== 'metadata.namespace') {
      throw errors.badRequest(`field label not supported: ${field} (only metadata.name and metadata.namespace)`);
    }
    const read = (object: StoredObject): string => (field === 'metadata.name' ? object.metadata.name : (object.metadata.namespace ?? ''));
    return operator === '!=' ? (object: StoredObject) => read(object) !== value : (object: StoredObject) => read(object) === value;
  });
  return (object) => checks.every((check) => check(object));
}

/** Both selectors as one store filter. */
export function selectorFilter(labelSelector: string | undefined, fieldSelector: string | undefined): ObjectFilter | undefined {
  const labels = parseLabelSelector(labelSelector);
  const fields = parseFieldSelector(fieldSelector);
  if (labels === undefined && fields === undefined) return undefined;
  return (object) => (labels === undefined || labels(object.metadata.labels ?? {})) && (fields === undefined || fields(object));
}
