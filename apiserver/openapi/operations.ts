// The paths and operations of the resource API, described once and rendered into OpenAPI v2 and v3 by the
// document builders. Clients read more than the schemas here: kubectl decides whether it may send
// `--dry-run=server` (and `diff`) by finding the PATCH operation carrying the kind's x-kubernetes-group-version-kind
// and checking that it lists the dryRun query parameter, and whether the server validates fields by the
// fieldValidation parameter (k8s.io/cli-runtime resource/query_param_verifier.go).
import type { ResourceKind } from '../../schemas/index.ts';
import { definitionName } from './definitions.ts';
import { DELETE_OPTIONS, PATCH, STATUS } from './meta-definitions.ts';

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';
export type KubernetesAction = 'get' | 'list' | 'watchlist' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';

export interface QueryParameter {
  name: string;
  type: 'string' | 'integer' | 'boolean';
  description: string;
}

export interface Operation {
  method: HttpMethod;
  action: KubernetesAction;
  operationId: string;
  description: string;
  query: QueryParameter[];
  /** The definition of the request body, if any. */
  body?: string;
  /** The media types of the body (PATCH: the three patch types). */
  consumes: string[];
  /** The definition of the 200 response. */
  response: string;
  /** The definition of a 201 response (create, replace). */
  created?: string;
  kind: ResourceKind;
  /** Kubernetes names the subresource an operation is for. */
  subresource?: string;
}

export interface ResourcePath {
  path: string;
  /** Path parameters ({namespace}, {name}), in the order they appear. */
  pathParameters: string[];
  operations: Operation[];
}

const Q = (name: string, type: QueryParameter['type'], description: string): QueryParameter => ({ name, type, description });
const PRETTY = Q('pretty', 'string', "If 'true', the output is pretty printed.");
const DRY_RUN = Q('dryRun', 'string', 'When present (All), the request is validated and answered but nothing is persisted.');
const FIELD_MANAGER = Q('fieldManager', 'string', 'The name of the actor making the change (recorded in managedFields). Required for apply.');
const FIELD_VALIDATION = Q('fieldValidation', 'string', 'Ignore, Warn (the default) or Strict: what to do with unknown or duplicate fields.');
const FORCE = Q('force', 'boolean', 'Apply only: take over fields owned by other managers instead of failing with a conflict.');
const LIST_QUERY = [
  Q('labelSelector', 'string', 'Only objects whose labels match (k=v, k!=v, k in (a,b), k notin (a,b), k, !k; comma = and).'),
  Q('fieldSelector', 'string', 'Only objects whose metadata.name or metadata.namespace match (=, ==, !=).'),
  Q('limit', 'integer', 'The largest number of items in one page.'),
  Q('continue', 'string', 'The token of the next page, from the previous page.'),
  Q('resourceVersion', 'string', 'Absent: the newest state; 0: any recent state; N: a state not older than N (see resourceVersionMatch).'),
  Q('resourceVersionMatch', 'string', 'Exact or NotOlderThan: how resourceVersion applies to a list.'),
  Q('watch', 'boolean', 'Stream changes (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR) instead of listing.'),
  Q('allowWatchBookmarks', 'boolean', 'Let the watch send BOOKMARK events carrying the latest resourceVersion.'),
  Q('timeoutSeconds', 'integer', 'How long the list or watch may last.'),
  Q('sendInitialEvents', 'boolean', 'With watch: start with an ADDED event per existing object, then a BOOKMARK marking the end.'),
];
const DELETE_QUERY = [DRY_RUN, Q('propagationPolicy', 'string', 'Orphan, Background (the default) or Foreground.'), Q('gracePeriodSeconds', 'integer', 'Accepted; deletion is immediate.')];
const WRITE_QUERY = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];

export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];
const JSON_BODY = ['application/json', 'application/yaml'];

/** "VigilDevV1alpha1" / "CoreV1", as in kube-apiserver's operation ids. */
function groupVersionId(kind: ResourceKind): string {
  const words = kind.group === '' ? ['core'] : kind.group.split('.');
  return [...words, kind.version].map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
}

export function resourcePaths(kind: ResourceKind): ResourcePath[] {
  const base = kind.group === '' ? `/api/${kind.version}` : `/apis/${kind.group}/${kind.version}`;
  const scope = kind.namespaced ? `${base}/namespaces/{namespace}` : base;
  const scopeParameters = kind.namespaced ? ['namespace'] : [];
  const collection = `${scope}/${kind.plural}`;
  const item = `${collection}/{name}`;
  const named = kind.namespaced ? `Namespaced${kind.kind}` : kind.kind;
  const id = (verb: string, suffix = ''): string => `${verb}${groupVersionId(kind)}${named}${suffix}`;
  const self = definitionName(kind);
  const list = definitionName(kind, kind.listKind);
  const what = kind.namespaced ? `${kind.kind} objects of a namespace` : `${kind.kind} objects`;

  const paths: ResourcePath[] = [
    {
      path: collection,
      pathParameters: scopeParameters,
      operations: [
        { method: 'get', action: 'list', operationId: id('list'), description: `List or watch ${what}.`, query: [PRETTY, ...LIST_QUERY], consumes: [], response: list, kind },
        { method: 'post', action: 'post', operationId: id('create'), description: `Create a ${kind.kind}.`, query: [PRETTY, ...WRITE_QUERY], body: self, consumes: JSON_BODY, response: self, created: self, kind },
        { method: 'delete', action: 'deletecollection', operationId: id('deleteCollection'), description: `Delete a collection of ${what}.`, query: [PRETTY, ...LIST_QUERY.slice(0, 5), ...DELETE_QUERY], body: DELETE_OPTIONS, consumes: JSON_BODY, response: STATUS, kind },
      ],
    },
    {
      path: item,
      pathParameters: [...scopeParameters, 'name'],
      operations: [
        { method: 'get', action: 'get', operationId: id('read'), description: `Read the ${kind.kind}.`, query: [PRETTY], consumes: [], response: self, kind },
        { method: 'put', action: 'put', operationId: id('replace'), description: `Replace the ${kind.kind}.`, query: [PRETTY, ...WRITE_QUERY], body: self, consumes: JSON_BODY, response: self, created: self, kind },
        { method: 'patch', action: 'patch', operationId: id('patch'), description: `Partially update the ${kind.kind}.`, query: [PRETTY, ...WRITE_QUERY, FORCE], body: PATCH, consumes: PATCH_TYPES, response: self, created: self, kind },
        { method: 'delete', action: 'delete', operationId: id('delete'), description: `Delete the ${kind.kind} (or mark it for deletion while finalizers remain).`, query: [PRETTY, ...DELETE_QUERY], body: DELETE_OPTIONS, consumes: JSON_BODY, response: self, kind },
      ],
    },
  ];
  if (kind.hasStatus) {
    paths.push({
      path: `${item}/status`,
      pathParameters: [...scopeParameters, 'name'],
      operations: [
        { method: 'get', action: 'get', operationId: id('read', 'Status'), description: `Read the status of the ${kind.kind}.`, query: [PRETTY], consumes: [], response: self, kind, subresource: 'status' },
        { method: 'put', action: 'put', operationId: id('replace', 'Status'), description: `Replace the status of the ${kind.kind}.`, query: [PRETTY, ...WRITE_QUERY], body: self, consumes: JSON_BODY, response: self, created: self, kind, subresource: 'status' },
        { method: 'patch', action: 'patch', operationId: id('patch', 'Status'), description: `Partially update the status of the ${kind.kind}.`, query: [PRETTY, ...WRITE_QUERY, FORCE], body: PATCH, consumes: PATCH_TYPES, response: self, created: self, kind, subresource: 'status' },
      ],
    });
  }
  if (kind.namespaced) {
    paths.push({
      path: `${base}/${kind.plural}`,
      pathParameters: [],
      operations: [{
        method: 'get', action: 'list', operationId: `list${groupVersionId(kind)}${kind.kind}ForAllNamespaces`,
        description: `List or watch ${kind.kind} objects of every namespace.`, query: [PRETTY, ...LIST_QUERY], consumes: [], response: list, kind,
      }],
    });
  }
  return paths;
}

export const PATH_PARAMETER_DESCRIPTIONS: Record<string, string> = {
  namespace: 'The namespace (for Containers, Snapshots and UpdateRecords: the Host).',
  name: 'The name of the object.',
};
