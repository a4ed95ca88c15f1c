// The extension keywords our schemas use, registered with ajv so its strict mode accepts them and so the
// ones that constrain data are enforced. Errors they raise carry a ready Kubernetes cause in `params`
// ({reason, message, path?}); causes.ts turns them into field paths.
import type { AnySchemaObject, KeywordDefinition } from 'ajv/dist/2020.js';
import type { DataValidateFunction, DataValidationCxt } from 'ajv/dist/types/index.js';
import { renderValue, type CauseReason } from './causes.ts';
import { parseCron } from './cron.ts';
import { parseDuration } from './duration.ts';
import { isObject, isStringArray } from './json.ts';
import { parseMaintenanceWindow } from './maintenance-window.ts';
import { parsePublicUrl } from './public-url.ts';
import { compileTagRegex } from './tag-regex.ts';

/** What a custom keyword puts into an ajv error's params. */
export interface KeywordErrorParams {
  reason: CauseReason;
  message: string;
  /** Path below the validated value, e.g. ["settings", "discord"]. */
  path?: (string | number)[];
}

type Check = (data: unknown, context: DataValidationCxt | undefined) => KeywordErrorParams[];

/** Wraps a check into an ajv validate function that reports its problems as errors. */
function validator(check: Check): DataValidateFunction {
  const validate: DataValidateFunction = (data: unknown, context?: DataValidationCxt) => {
    const problems = check(data, context);
    validate.errors = problems.map((params) => ({ params: { ...params } }));
    return problems.length === 0;
  };
  return validate;
}

const durationRange: KeywordDefinition = {
  keyword: 'x-vigil-duration',
  type: 'string',
  schemaType: 'object',
  errors: true,
  metaSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { min: { type: 'string' }, max: { type: 'string' } },
  },
  compile(range: { min?: string; max?: string }) {
    const min = range.min === undefined ? undefined : parseDuration(range.min);
    const max = range.max === undefined ? undefined : parseDuration(range.max);
    const expected = min !== undefined && max !== undefined ? `must be between ${range.min} and ${range.max}`
      : min !== undefined ? `must be at least ${range.min}` : `must be at most ${range.max}`;
    return validator((data) => {
      if (typeof data !== 'string') return [];
      let ms: number;
      try {
        ms = parseDuration(data);
      } catch {
        return []; // the pattern of the Duration type reports syntax
      }
      if ((min !== undefined && ms < min) || (max !== undefined && ms > max)) {
        return [{ reason: 'FieldValueInvalid', message: `Invalid value: ${renderValue(data)}: ${expected}` }];
      }
      return [];
    });
  },
};

const FORMAT_CHECKS: Readonly<Record<string, (text: string) => unknown>> = {
  cron: parseCron,
  regex: compileTagRegex,
  'maintenance-window': parseMaintenanceWindow,
  'public-url': parsePublicUrl,
};

const format: KeywordDefinition = {
  keyword: 'x-vigil-format',
  type: 'string',
  schemaType: 'string',
  errors: true,
  metaSchema: { enum: Object.keys(FORMAT_CHECKS) },
  compile(name: string) {
    const parse = FORMAT_CHECKS[name];
    if (parse === undefined) throw new Error(`unknown x-vigil-format ${name}`);
    return validator((data) => {
      if (typeof data !== 'string') return [];
      try {
        parse(data);
        return [];
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        return [{ reason: 'FieldValueInvalid', message: `Invalid value: ${renderValue(data)}: not a valid ${name}: ${detail}` }];
      }
    });
  },
};

/** The value must equal another field of the same object, named by a dotted path from the root (spec.hostRef = metadata.namespace). */
const matches: KeywordDefinition = {
  keyword: 'x-vigil-matches',
  schemaType: 'string',
  errors: true,
  compile(path: string) {
    return validator((data, context) => {
      let other: unknown = context?.rootData;
      for (const key of path.split('.')) other = isObject(other) ? other[key] : undefined;
      if (other === undefined || data === other) return [];
      return [{ reason: 'FieldValueInvalid', message: `Invalid value: ${renderValue(data)}: must equal ${path} (${renderValue(other)})` }];
    });
  },
};

const exactlyOneOf: KeywordDefinition = {
  keyword: 'x-vigil-exactly-one-of',
  type: 'object',
  schemaType: 'array',
  errors: true,
  metaSchema: { type: 'array', items: { type: 'string' }, minItems: 2 },
  compile(fields: string[]) {
    const names = fields.map((name) => JSON.stringify(name)).join(' or ');
    return validator((data) => {
      if (!isObject(data)) return [];
      const present = fields.filter((name) => data[name] !== undefined);
      if (present.length === 1) return [];
      if (present.length === 0) return [{ reason: 'FieldValueRequired', message: `Required value: exactly one of ${names} must be set` }];
      return [{ reason: 'FieldValueInvalid', message: `Invalid value: "object": exactly one of ${names} may be set, not both` }];
    });
  },
};

/** A tagged union: only the member of `members` named by the `discriminator` field may be set. */
const union: KeywordDefinition = {
  keyword: 'x-vigil-union',
  type: 'object',
  schemaType: 'object',
  errors: true,
  metaSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['discriminator', 'members'],
    properties: { discriminator: { type: 'string' }, members: { type: 'string' } },
  },
  compile(config: { discriminator: string; members: string }) {
    return validator((data) => {
      if (!isObject(data)) return [];
      const tag = data[config.discriminator];
      const members = data[config.members];
      if (typeof tag !== 'string' || !isObject(members)) return [];
      return Object.keys(members).filter((name) => name !== tag).map((name) => ({
        reason: 'FieldValueForbidden',
        message: `Forbidden: only ${config.members}.${tag} may be set when ${config.discriminator} is ${JSON.stringify(tag)}`,
        path: [config.members, name],
      }));
    });
  },
};

/** Kubernetes list semantics: a set has unique items; a map list has unique key tuples. */
const listType: KeywordDefinition = {
  keyword: 'x-kubernetes-list-type',
  type: 'array',
  schemaType: 'string',
  errors: true,
  metaSchema: { enum: ['atomic', 'set', 'map'] },
  compile(kind: string, parentSchema: AnySchemaObject) {
    const mapKeys: unknown = parentSchema['x-kubernetes-list-map-keys'];
    const keys = isStringArray(mapKeys) ? mapKeys : [];
    return validator((data) => {
      if (!Array.isArray(data) || kind === 'atomic') return [];
      const seen = new Set<string>();
      const problems: KeywordErrorParams[] = [];
      data.forEach((item: unknown, index) => {
        const identity = kind === 'map' && isObject(item)
          ? JSON.stringify(Object.fromEntries(keys.map((key) => [key, item[key]])))
          : JSON.stringify(item);
        if (seen.has(identity)) {
          const shown = kind === 'map' ? identity : renderValue(item);
          problems.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${shown}`, path: [index] });
        }
        seen.add(identity);
      });
      return problems;
    });
  },
};

/** The shape of x-vigil-resource, checked when a schema is compiled. */
const resourceMetaSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['group', 'version', 'kind', 'plural', 'singular', 'shortNames', 'scope', 'categories', 'subresources', 'printerColumns'],
  properties: {
    group: { type: 'string' },
    version: { type: 'string', pattern: '^v[0-9]+((alpha|beta)[0-9]+)?$' },
    kind: { type: 'string', pattern: '^[A-Z][A-Za-z0-9]*$' },
    plural: { type: 'string', pattern: '^[a-z][a-z0-9]*$' },
    singular: { type: 'string', pattern: '^[a-z][a-z0-9]*$' },
    shortNames: { type: 'array', items: { type: 'string', pattern: '^[a-z][a-z0-9]*$' } },
    scope: { enum: ['Namespaced', 'Cluster'] },
    categories: { type: 'array', items: { type: 'string' } },
    subresources: { type: 'object', additionalProperties: false, properties: { status: { type: 'boolean' }, log: { type: 'boolean' } } },
    nameFormat: { enum: ['dns1123Subdomain', 'dns1123Label'] },
    singletonName: { type: 'string' },
    printerColumns: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'type', 'jsonPath', 'description', 'priority'],
        properties: {
          name: { type: 'string' },
          type: { enum: ['string', 'integer', 'number', 'boolean', 'date'] },
          format: { type: 'string' },
          jsonPath: { type: 'string', pattern: '^\\.' },
          description: { type: 'string' },
          priority: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
};

/** Keywords that only annotate (read by tools, the API server or the CRD generator). */
const annotations: KeywordDefinition[] = [
  { keyword: 'x-vigil-resource', metaSchema: resourceMetaSchema },
  { keyword: 'x-vigil-error', schemaType: 'string' },
  { keyword: 'x-vigil-immutable', schemaType: 'boolean' },
  { keyword: 'x-kubernetes-list-map-keys', schemaType: 'array' },
  { keyword: 'x-kubernetes-preserve-unknown-fields', schemaType: 'boolean' },
];

export const vigilKeywords: readonly KeywordDefinition[] = [
  ...annotations, durationRange, format, matches, exactlyOneOf, union, listType,
];
