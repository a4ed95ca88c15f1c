// Request bodies of the resource API, decoded by media type: objects as JSON or YAML, the three patch formats
// Kubernetes custom resources accept, DeleteOptions. The raw bytes come from one catch-all content-type parser, so
// that every failure here is a Kubernetes Status (BadRequest, UnsupportedMediaType), never a fastify error page.
import { parseAllDocuments } from 'yaml';
import { ApiError, errors } from '../errors.ts';

export type BodyFormat = 'json' | 'yaml';
export type PatchFormat = 'json-patch' | 'merge-patch' | 'apply';

/** The media type without parameters, lower-cased ('' when absent). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function unsupported(contentType: string, accepted: string): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted} (got ${JSON.stringify(contentType)})`);
}

const OBJECT_TYPES = 'application/json, application/yaml';
const PATCH_TYPES = 'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml';

/** The format of a create or update body; a missing Content-Type is taken as JSON, as kubectl sends it. */
export function objectFormat(contentType: string | undefined): BodyFormat {
  const type = mediaType(contentType);
  if (type === '' || type === 'application/json' || type === '*/*') return 'json';
  if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') return 'yaml';
  throw unsupported(type, OBJECT_TYPES);
}

export function patchFormat(contentType: string | undefined): PatchFormat {
  switch (mediaType(contentType)) {
    case 'application/json-patch+json':
      return 'json-patch';
    case 'application/merge-patch+json':
      return 'merge-patch';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+cbor':
      return 'apply';
    default:
      // Strategic merge patch (kubectl patch without --type) included: Kubernetes refuses it for custom resources.
      throw unsupported(mediaType(contentType), PATCH_TYPES);
  }
}

/** Keys that would reach an object's prototype when copied by assignment: refused outright. */
function checkKeys(value: unknown, path: string): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => checkKeys(item, `${path}[${index}]`));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === '__proto__') throw errors.badRequest(`the field ${path === '' ? '' : `${path}.`}__proto__ is not allowed`);
    checkKeys(child, path === '' ? key : `${path}.${key}`);
  }
}

export function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  if (typeof body === 'string') return body;
  throw errors.internal('the request body was not read as bytes');
}

/** Parses a body as JSON or YAML (one document). Empty bodies are undefined. */
export function decodeBody(body: unknown, format: BodyFormat): unknown {
  const text = bodyText(body);
  if (text.trim() === '') return undefined;
  let value: unknown;
  if (format === 'json') {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw errors.badRequest(`the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    const documents = parseAllDocuments(text);
    if (!Array.isArray(documents)) throw errors.badRequest('the request body is not valid YAML');
    if (documents.length !== 1) throw errors.badRequest(`the request body must be exactly one YAML document, got ${documents.length}`);
    const [document] = documents;
    const problem = document?.errors[0];
    if (document === undefined || problem !== undefined) {
      throw errors.badRequest(`error converting YAML to JSON: ${problem?.message.split('\n')[0] ?? 'no document'}`);
    }
    value = document.toJS({ maxAliasCount: 100 });
  }
  checkKeys(value, '');
  return value;
}
