// The apimachinery types the OpenAPI documents refer to besides our kinds, under the names kube-apiserver gives them
// (clients such as kubectl explain and code generators know these names). ObjectMeta comes from schemas/ like every
// kind; the others are small and fixed, so they are written here.
import { isDeepStrictEqual } from 'node:util';
import { resourceKinds } from '../../schemas/index.ts';
import { isJsonObject, type JsonObject } from '../../schemas/json.ts';
import { toStructuralSchema } from '../../schemas/openapi.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const OBJECT_META = `${META}.ObjectMeta`;
export const LIST_META = `${META}.ListMeta`;
export const STATUS = `${META}.Status`;
export const PATCH = `${META}.Patch`;
export const DELETE_OPTIONS = `${META}.DeleteOptions`;
export const WATCH_EVENT = `${META}.WatchEvent`;

/** ObjectMeta as the kinds' schemas define it (every kind refers to the one in common.schema.json). */
function objectMeta(): JsonObject {
  const [first, ...rest] = resourceKinds.map((kind) => {
    const properties = toStructuralSchema(kind, { metadata: 'full' }).properties;
    const metadata = isJsonObject(properties) ? properties.metadata : undefined;
    if (!isJsonObject(metadata)) throw new Error(`${kind.file}: no metadata schema`);
    return metadata;
  });
  if (first === undefined) throw new Error('no kinds');
  if (!rest.every((metadata) => isDeepStrictEqual(metadata, first))) throw new Error('the kinds disagree on ObjectMeta');
  return first;
}

const string = (description: string): JsonObject => ({ type: 'string', description });

/** Every meta definition, by name; `ref` builds a reference in the document's own style. */
export function metaDefinitions(ref: (name: string) => string): Record<string, JsonObject> {
  return {
    [OBJECT_META]: objectMeta(),
    [LIST_META]: {
      description: 'Metadata of a list: the resourceVersion to watch from, and the token of the next page.',
      type: 'object',
      properties: {
        resourceVersion: string('The point in history this list shows; a watch from here misses nothing.'),
        continue: string('Set when more items exist: pass it back as the continue parameter for the next page.'),
        remainingItemCount: { type: 'integer', format: 'int64', description: 'How many items the following pages hold (when known).' },
        selfLink: string('Deprecated; always empty.'),
      },
    },
    [STATUS]: {
      description: 'The outcome of a request that returns no object: failures name a reason and, for invalid objects, each bad field.',
      type: 'object',
      properties: {
        apiVersion: string('v1'),
        kind: string('Status'),
        metadata: { $ref: ref(LIST_META) },
        status: string('Success or Failure.'),
        message: string('What happened, for people.'),
        reason: string('A CamelCase reason such as NotFound, Conflict or Invalid.'),
        details: { type: 'object', description: 'The object concerned and the causes.', 'x-kubernetes-preserve-unknown-fields': true },
        code: { type: 'integer', format: 'int32', description: 'The HTTP status code.' },
      },
    },
    [PATCH]: {
      description: 'A JSON patch (application/json-patch+json), merge patch (application/merge-patch+json) or server-side apply configuration (application/apply-patch+yaml).',
      type: 'object',
    },
    [DELETE_OPTIONS]: {
      description: 'Options of a delete.',
      type: 'object',
      properties: {
        apiVersion: string('v1'),
        kind: string('DeleteOptions'),
        propagationPolicy: string('Orphan, Background (the default) or Foreground: what happens to dependents.'),
        dryRun: { type: 'array', items: { type: 'string' }, description: 'All: validate only.' },
        gracePeriodSeconds: { type: 'integer', format: 'int64', description: 'Accepted for compatibility; deletion is immediate.' },
        preconditions: {
          type: 'object',
          description: 'The delete only happens if the object still has this uid and resourceVersion.',
          properties: { uid: string('Required uid.'), resourceVersion: string('Required resourceVersion.') },
        },
      },
    },
    [WATCH_EVENT]: {
      description: 'One line of a watch stream.',
      type: 'object',
      required: ['type', 'object'],
      properties: {
        type: string('ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.'),
        object: { type: 'object', description: 'The object (a Status for ERROR).', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  };
}
