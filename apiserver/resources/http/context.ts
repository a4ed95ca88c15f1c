// What every resource API handler works with.
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { ResourceObject } from '../../../schemas/validation.ts';
import type { CachedStore } from '../../storage/cache/cached-store.ts';
import type { ListQuery, WriteAdmission } from '../client.ts';
import { errors } from '../errors.ts';
import type { ResourceRegistry } from '../registry.ts';
import type { Query } from './query.ts';
import { integerParam, single } from './query.ts';
import { requestedTable, toTable, type IncludeObject, type TableVersion } from './table.ts';
import type { Target } from './targets.ts';
import { objectBytesOf } from './watch-response.ts';

/** Reads the last lines of a Container's Docker log; throws an ApiError (NotFound...) when it cannot. */
export type ContainerLogsProvider = (namespace: string, name: string, options: { tailLines: number }) => Promise<string>;

/**
 * The admission of one write request (WriteOptions.admit), or undefined when it needs none: how the authorization
 * layer checks what a write changes without the resource API knowing about users (app.ts wires the auth plugin's).
 */
export type RequestAdmission = (request: FastifyRequest) => WriteAdmission | undefined;

export interface WatchTimeoutRange {
  minSeconds: number;
  maxSeconds: number;
}

export interface HandlerContext {
  resources: ResourceRegistry;
  store: CachedStore;
  now: () => Date;
  watchTimeoutSeconds: WatchTimeoutRange;
  containerLogs: ContainerLogsProvider | undefined;
  admission: RequestAdmission | undefined;
  activeWatches: Set<() => void>;
  log: FastifyBaseLogger;
}

export type Handler = (context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

export function query(request: FastifyRequest): Query {
  return request.query as Query;
}

export function sendJson(reply: FastifyReply, code: number, body: unknown, warnings: readonly string[] = []): FastifyReply {
  // Warning: 299 - "text" (RFC 7234), the way kube-apiserver reports pruned unknown fields.
  const values = [...new Set(warnings)].map((text) => `299 - "${text.replace(/["\\]/g, (char) => `\\${char}`)}"`);
  if (values.length > 0) reply.header('Warning', values.length === 1 ? values[0] : values);
  const payload = body === undefined ? '' : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return reply.code(code).type('application/json').send(payload);
}

export interface TableRequest {
  version: TableVersion;
  includeObject: IncludeObject;
}

export function tableRequest(request: FastifyRequest): TableRequest | undefined {
  const version = requestedTable(request.headers.accept);
  if (version === undefined) return undefined;
  const include = single(query(request), 'includeObject') ?? 'Metadata';
  if (include !== 'None' && include !== 'Metadata' && include !== 'Object') {
    throw errors.badRequest(`includeObject must be None, Metadata or Object, got ${JSON.stringify(include)}`);
  }
  return { version, includeObject: include };
}

export function sendObject(context: HandlerContext, request: FastifyRequest, reply: FastifyReply, code: number, target: Target, object: ResourceObject, warnings: readonly string[] = []): FastifyReply {
  const table = tableRequest(request);
  if (table !== undefined) {
    return sendJson(reply, code, toTable(target.kind, [object], { ...table, now: context.now(), metadata: { resourceVersion: object.metadata.resourceVersion ?? '' } }), warnings);
  }
  return sendJson(reply, code, objectBytesOf(object), warnings);
}

export function listQuery(target: Target, request: FastifyRequest): ListQuery {
  const q = query(request);
  const match = single(q, 'resourceVersionMatch');
  const limit = integerParam(q, 'limit');
  if (limit !== undefined && limit < 0) throw errors.badRequest(`limit must not be negative, got ${limit}`);
  const values: ListQuery = {};
  if (target.namespace !== undefined) values.namespace = target.namespace;
  const labelSelector = single(q, 'labelSelector');
  const fieldSelector = single(q, 'fieldSelector');
  const resourceVersion = single(q, 'resourceVersion');
  const token = single(q, 'continue');
  if (labelSelector !== undefined) values.labelSelector = labelSelector;
  if (fieldSelector !== undefined) values.fieldSelector = fieldSelector;
  if (limit !== undefined && limit > 0) values.limit = limit;
  if (token !== undefined && token !== '') values.continue = token;
  if (resourceVersion !== undefined) values.resourceVersion = resourceVersion;
  if (match !== undefined && match !== '') values.resourceVersionMatch = match as 'Exact' | 'NotOlderThan';
  return values;
}
