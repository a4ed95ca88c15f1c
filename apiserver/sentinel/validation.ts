// Request bodies of the REST facade are checked by fastify route schemas (each with an `$id`), compiled by an ajv of
// our own rather than fastify's default one: fastify's ajv coerces types ("true" would pass as a boolean) and strips
// unknown properties, and a wrong type must be a 400 naming the field. Unknown properties are allowed, as Docker
// Sentinel's Go decoder ignores them. The first error becomes the message: `policy: must be one of "auto", …`.
import AjvModule, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaValidationError } from 'fastify';

/** Which part of the request a schema refused (fastify's SchemaErrorDataVar). */
export type SchemaErrorDataVar = 'body' | 'headers' | 'params' | 'querystring';

export type BodySchema = Record<string, unknown> & { $id: string };

const ajv = new AjvModule.default({ allErrors: false, coerceTypes: false, useDefaults: false, removeAdditional: false, strict: true, verbose: true });
addFormats.default(ajv);

/** fastify's validatorCompiler for the facade's routes; schemas with an `$id` are compiled once. */
export function compileRouteSchema({ schema }: { schema: unknown }): ReturnType<typeof ajv.compile> {
  const id = typeof schema === 'object' && schema !== null && '$id' in schema ? (schema as { $id: unknown }).$id : undefined;
  if (typeof id === 'string') {
    const known = ajv.getSchema(id);
    if (known !== undefined) return known;
  }
  return ajv.compile(schema as object);
}

interface ValidationFailure extends Error {
  validation: FastifySchemaValidationError[];
  validationContext: SchemaErrorDataVar | undefined;
}

/** The error fastify raises when a route schema refuses a request. */
export function isValidationFailure(error: unknown): error is ValidationFailure {
  return error instanceof Error && Array.isArray((error as Partial<ValidationFailure>).validation);
}

/** `/containers/1/name` → `containers[1].name`. */
export function fieldPath(instancePath: string, child?: string): string {
  const parts = instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  let path = '';
  for (const part of parts) path += /^\d+$/.test(part) ? `[${part}]` : path === '' ? part : `.${part}`;
  return path;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describeOne(error: FastifySchemaValidationError | ErrorObject, where: SchemaErrorDataVar | undefined): string {
  const params = error.params as Record<string, unknown>;
  const data = 'data' in error ? error.data : undefined;
  const got = data === undefined || (typeof data === 'object' && data !== null) ? '' : ` (got ${shown(data)})`;
  if (error.keyword === 'required') return `missing required field "${fieldPath(error.instancePath, String(params.missingProperty))}"`;
  const field = fieldPath(error.instancePath);
  const subject = field === '' ? (where === 'querystring' ? 'query' : 'request body') : field;
  switch (error.keyword) {
    case 'type': {
      const type = String(params.type);
      const article = /^[aeiou]/.test(type) ? 'an' : 'a';
      return field === '' && where === 'body' ? `request body must be a JSON ${type}` : `${subject}: must be ${article} ${type}${got}`;
    }
    case 'enum':
      return `${subject}: must be one of ${(params.allowedValues as unknown[]).map(shown).join(', ')}${got}`;
    case 'const':
      return `${subject}: must be ${shown(params.allowedValue)}${got}`;
    default:
      return `${subject}: ${error.message ?? 'is invalid'}${got}`;
  }
}

/** The message of a 400 for a refused request: the first problem, naming the field. */
export function describeValidationErrors(errors: readonly FastifySchemaValidationError[], where: SchemaErrorDataVar | undefined): string {
  const first = errors[0];
  return first === undefined ? 'invalid request' : describeOne(first, where);
}
