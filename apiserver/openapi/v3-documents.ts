// The OpenAPI v3 documents, one per group version as kube-apiserver splits them, and the index /openapi/v3 that
// points at each with a content hash. kubectl ≥ 1.27 reads these first (falling back to v2): the PATCH operation
// of an item path with x-kubernetes-group-version-kind and the dryRun and fieldValidation parameters is what
// makes it send server-side dry runs (`apply --dry-run=server`, `diff`) and leave field validation to the server.
import { createHash } from 'node:crypto';
import { resourceKinds, type ResourceKind } from '../../schemas/index.ts';
import type { JsonObject } from '../../schemas/json.ts';
import { vigilVersion } from '../version.ts';
import { servedGroupVersions } from '../discovery/documents.ts';
import { definitionRef, definitions, groupVersionKind } from './definitions.ts';
import { PATH_PARAMETER_DESCRIPTIONS, resourcePaths, type Operation } from './operations.ts';

export interface OpenAPIV3GroupDocument {
  /** "apis/vigil.dev/v1alpha1" or "api/v1": the key in the index and the path under /openapi/v3/. */
  path: string;
  /** The serialized document (served as is). */
  json: string;
  /** Its hash, as the ?hash= of the index's URL and the ETag. */
  hash: string;
}

export interface OpenAPIV3Documents {
  index: string;
  groups: OpenAPIV3GroupDocument[];
}

function content(ref: string, types: readonly string[]): JsonObject {
  return Object.fromEntries(types.map((type) => [type, { schema: { $ref: definitionRef('v3', ref) } }]));
}

function operationV3(operation: Operation): JsonObject {
  const responseTypes = operation.action === 'list' ? ['application/json', 'application/yaml', 'application/json;stream=watch'] : ['application/json', 'application/yaml'];
  const responses: JsonObject = { '200': { description: 'OK', content: content(operation.response, responseTypes) } };
  if (operation.created !== undefined) responses['201'] = { description: 'Created', content: content(operation.created, responseTypes) };
  return {
    tags: [operation.kind.group === '' ? 'core_v1' : `${operation.kind.group.replaceAll('.', '_')}_${operation.kind.version}`],
    description: operation.description,
    operationId: operation.operationId,
    parameters: operation.query.map((parameter) => ({
      name: parameter.name,
      in: 'query',
      description: parameter.description,
      schema: { type: parameter.type, uniqueItems: true },
    })),
    ...(operation.body === undefined ? {} : { requestBody: { content: content(operation.body, operation.consumes), required: operation.method !== 'delete' } }),
    responses,
    'x-kubernetes-action': operation.action,
    'x-kubernetes-group-version-kind': groupVersionKind(operation.kind),
  };
}

function groupDocument(kinds: readonly ResourceKind[]): JsonObject {
  const paths: JsonObject = {};
  for (const kind of kinds) {
    for (const path of resourcePaths(kind)) {
      const item: JsonObject = {
        parameters: path.pathParameters.map((name) => ({
          name, in: 'path', required: true, description: PATH_PARAMETER_DESCRIPTIONS[name] ?? name, schema: { type: 'string', uniqueItems: true },
        })),
      };
      for (const operation of path.operations) item[operation.method] = operationV3(operation);
      paths[path.path] = item;
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Vigil', version: vigilVersion },
    paths,
    components: { schemas: definitions(kinds, 'v3') },
  };
}

export function openapiV3Documents(kinds: readonly ResourceKind[] = resourceKinds): OpenAPIV3Documents {
  const groups = servedGroupVersions(kinds).map((groupVersion): OpenAPIV3GroupDocument => {
    const json = JSON.stringify(groupDocument(groupVersion.kinds));
    const hash = createHash('sha512').update(json).digest('hex').toUpperCase();
    const path = groupVersion.group === '' ? `api/${groupVersion.version}` : `apis/${groupVersion.groupVersion}`;
    return { path, json, hash };
  });
  const index = { paths: Object.fromEntries(groups.map((group) => [group.path, { serverRelativeURL: `/openapi/v3/${group.path}?hash=${group.hash}` }])) };
  return { index: JSON.stringify(index), groups };
}
