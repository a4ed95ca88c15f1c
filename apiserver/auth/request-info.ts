// What a resource API request does, read from its method and path alone, as kube-apiserver's RequestInfoFactory
// (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go) does before any handler runs: authorization must not
// depend on how the handlers are registered.

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ResourceRequest {
  kind: 'resource';
  verb: Verb;
  group: string;
  version: string;
  resource: string;
  subresource: string | undefined;
  namespace: string | undefined;
  name: string | undefined;
}

export interface DiscoveryRequest {
  kind: 'discovery';
}

/**
 * Whether a path belongs to the Kubernetes-style resource API (answers errors as a Status) rather than the REST API
 * ({"error": ...}). `/api/v1/...` is the core group; `/api/containers` and every other `/api/WORD` are REST.
 */
export function isResourceApiPath(path: string): boolean {
  return path === '/api' || path === '/api/' || path === '/api/v1' || path.startsWith('/api/v1/') || path === '/apis' || path.startsWith('/apis/') || path === '/openapi' || path.startsWith('/openapi/');
}

function isWatch(query: URLSearchParams): boolean {
  const value = query.get('watch');
  return value === 'true' || value === '1';
}

export function resourceRequestInfo(method: string, path: string, query: URLSearchParams): ResourceRequest | DiscoveryRequest {
  const parts = path.split('/').filter((part) => part !== '').map((part) => decodeURIComponent(part));
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    [group, version, rest] = ['', parts[1] ?? '', parts.slice(2)];
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    [group, version, rest] = [parts[1] ?? '', parts[2] ?? '', parts.slice(3)];
  } else {
    return { kind: 'discovery' };
  }
  let watch = false;
  if (rest[0] === 'watch') {
    watch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  if (resource === undefined) return { kind: 'discovery' };
  return { kind: 'resource', verb: verbOf(method, name !== undefined, watch || isWatch(query)), group, version, resource, subresource, namespace, name };
}

function verbOf(method: string, named: boolean, watch: boolean): Verb {
  switch (method) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      if (watch) return 'watch';
      return named ? 'get' : 'list';
  }
}

export function isReadVerb(verb: Verb): boolean {
  return verb === 'get' || verb === 'list' || verb === 'watch';
}
