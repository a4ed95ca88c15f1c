// The OpenAPI v2 (Swagger 2.0) document of the whole API, as /openapi/v2 serves it: kubectl 1.20 reads it (as
// protobuf) to validate manifests on the client side (`kubectl apply` refuses an unknown field or a wrong type
// unless --validate=false), for `kubectl explain`, and to decide whether `--dry-run=server` is supported.
import { resourceKinds, type ResourceKind } from '../../schemas/index.ts';
import type { JsonObject } from '../../schemas/json.ts';
import { vigilVersion } from '../version.ts';
import { definitionRef, definitions, groupVersionKind } from './definitions.ts';
import { PATH_PARAMETER_DESCRIPTIONS, resourcePaths, type Operation } from './operations.ts';

const PRODUCES = ['application/json', 'application/yaml'];

function operationV2(operation: Operation): JsonObject {
  const parameters: JsonObject[] = operation.query.map((parameter) => ({
    name: parameter.name,
    in: 'query',
    type: parameter.type,
    uniqueItems: true,
    description: parameter.description,
  }));
  if (operation.body !== undefined) {
    parameters.unshift({ name: 'body', in: 'body', required: operation.method !== 'delete', schema: { $ref: definitionRef('v2', operation.body) } });
  }
  const responses: JsonObject = { '200': { description: 'OK', schema: { $ref: definitionRef('v2', operation.response) } } };
  if (operation.created !== undefined) responses['201'] = { description: 'Created', schema: { $ref: definitionRef('v2', operation.created) } };
  return {
    tags: [operation.kind.group === '' ? 'core_v1' : `${operation.kind.group.replaceAll('.', '_')}_${operation.kind.version}`],
    description: operation.description,
    operationId: operation.operationId,
    ...(operation.consumes.length > 0 ? { consumes: operation.consumes } : {}),
    produces: operation.action === 'list' ? [...PRODUCES, 'application/json;stream=watch'] : PRODUCES,
    schemes: ['https'],
    parameters,
    responses,
    'x-kubernetes-action': operation.action,
    // A single object here (a list on definitions), as kube-apiserver publishes it and kubectl parses it.
    'x-kubernetes-group-version-kind': groupVersionKind(operation.kind),
  };
}

function pathsV2(kinds: readonly ResourceKind[]): JsonObject {
  const paths: JsonObject = {};
  for (const kind of kinds) {
    for (const path of resourcePaths(kind)) {
      const item: JsonObject = {
        parameters: path.pathParameters.map((name) => ({
          name, in: 'path', required: true, type: 'string', uniqueItems: true, description: PATH_PARAMETER_DESCRIPTIONS[name] ?? name,
        })),
      };
      for (const operation of path.operations) item[operation.method] = operationV2(operation);
      paths[path.path] = item;
    }
  }
  return paths;
}

export function openapiV2Document(kinds: readonly ResourceKind[] = resourceKinds): JsonObject {
  return {
    swagger: '2.0',
    info: { title: 'Vigil', version: vigilVersion },
    paths: pathsV2(kinds),
    definitions: definitions(kinds, 'v2'),
  };
}
