// What a resource API path names: the kind (by plural, within the path's group), the namespace, the object and the
// subresource, checked against the kind's scope. A path that names nothing we serve is a 404 Status; a verb the
// path does not support is a 405, as kube-apiserver answers.
import { findKindByPlural, type ResourceKind } from '../../../schemas/index.ts';
import { ApiError, errors } from '../errors.ts';

export type Subresource = 'status' | 'log';
export type Level = 'collection' | 'item' | Subresource;

export interface Target {
  kind: ResourceKind;
  /** The namespace on the path (undefined for cluster-scoped kinds and for lists across all namespaces). */
  namespace: string | undefined;
  name: string | undefined;
  level: Level;
}

export interface PathParams {
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
}

export function notFoundPath(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function resolveTarget(group: string, params: PathParams): Target {
  const kind = findKindByPlural(params.resource, group);
  if (kind === undefined) throw notFoundPath();
  const namespaced = params.namespace !== undefined;
  if (namespaced && !kind.namespaced) throw notFoundPath();
  // A namespaced kind is reachable without a namespace only as a collection (list and watch across namespaces).
  if (!namespaced && kind.namespaced && params.name !== undefined) throw notFoundPath();
  let level: Level = params.name === undefined ? 'collection' : 'item';
  if (params.subresource !== undefined) {
    if (params.subresource === 'status' && kind.hasStatus) level = 'status';
    else if (params.subresource === 'log' && kind.hasLog) level = 'log';
    else throw notFoundPath();
  }
  return { kind, namespace: params.namespace, name: params.name, level };
}

const VERBS: Record<Level, readonly string[]> = {
  collection: ['GET', 'POST', 'DELETE'],
  item: ['GET', 'PUT', 'PATCH', 'DELETE'],
  status: ['GET', 'PUT', 'PATCH'],
  log: ['GET'],
};

/** 405 unless the method applies to the target (writes to a namespaced kind need a namespace on the path). */
export function checkMethod(target: Target, method: string): void {
  const allowed = VERBS[target.level].includes(method) &&
    !(target.level === 'collection' && method !== 'GET' && target.kind.namespaced && target.namespace === undefined);
  if (!allowed) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
}
