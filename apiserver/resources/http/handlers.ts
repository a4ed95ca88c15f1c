// One handler per verb of the resource API. Each reads the request (path target, query, body), calls the registry
// and answers JSON; every failure is thrown as an ApiError for the plugin's one error handler.
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { ResourceObject } from '../../../schemas/validation.ts';
import type { CachedStore } from '../../storage/cache/cached-store.ts';
import type { DeleteOptions, ListQuery, ObjectList } from '../client.ts';
import { errors } from '../errors.ts';
import { validateListOptions } from '../list-options.ts';
import { isRecord, requireObjectBody, checkIdentity } from '../object-rules.ts';
import type { ResourceRegistry } from '../registry.ts';
import { maskSecret } from '../secrets.ts';
import { decodeBody, objectFormat, patchFormat } from './request-body.ts';
import { all, booleanParam, dryRunParam, explicitFieldManager, fieldManagerParam, fieldValidationParam, integerParam, single, type OptionsKind, type Query } from './query.ts';
import { requestedTable, toTable, type IncludeObject, type TableVersion } from './table.ts';
import type { Target } from './targets.ts';
import { objectJsonOf, streamWatch } from './watch-response.ts';

/** Reads the last lines of a Container's Docker log; throws an ApiError (NotFound...) when it cannot. */
export type ContainerLogsProvider = (namespace: string, name: string, options: { tailLines: number }) => Promise<string>;

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
  activeWatches: Set<() => void>;
  log: FastifyBaseLogger;
}

const LOG_TAIL_DEFAULT = 50;
const LOG_TAIL_MAX = 500;

function query(request: FastifyRequest): Query {
  return request.query as Query;
}

function sendJson(reply: FastifyReply, code: number, body: unknown, warnings: readonly string[] = []): FastifyReply {
  // Warning: 299 - "text" (RFC 7234), the way kube-apiserver reports pruned unknown fields.
  const values = [...new Set(warnings)].map((text) => `299 - "${text.replace(/["\\]/g, (char) => `\\${char}`)}"`);
  if (values.length > 0) reply.header('Warning', values.length === 1 ? values[0] : values);
  return reply.code(code).type('application/json').send(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body));
}

interface TableRequest {
  version: TableVersion;
  includeObject: IncludeObject;
}

function tableRequest(request: FastifyRequest): TableRequest | undefined {
  const version = requestedTable(request.headers.accept);
  if (version === undefined) return undefined;
  const include = single(query(request), 'includeObject') ?? 'Metadata';
  if (include !== 'None' && include !== 'Metadata' && include !== 'Object') {
    throw errors.badRequest(`includeObject must be None, Metadata or Object, got ${JSON.stringify(include)}`);
  }
  return { version, includeObject: include };
}

function sendObject(context: HandlerContext, request: FastifyRequest, reply: FastifyReply, code: number, target: Target, object: ResourceObject, warnings: readonly string[] = []): FastifyReply {
  const table = tableRequest(request);
  if (table !== undefined) {
    return sendJson(reply, code, toTable(target.kind, [object], { ...table, now: context.now(), metadata: { resourceVersion: object.metadata.resourceVersion ?? '' } }), warnings);
  }
  return sendJson(reply, code, objectJsonOf(object), warnings);
}

function listQuery(target: Target, request: FastifyRequest): ListQuery {
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

export async function listHandler(context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (booleanParam(query(request), 'watch') === true) return await watchHandler(context, target, request, reply);
  const requested = listQuery(target, request);
  validateListOptions({
    watch: false,
    resourceVersion: requested.resourceVersion,
    resourceVersionMatch: single(query(request), 'resourceVersionMatch'),
    continue: requested.continue,
    sendInitialEvents: booleanParam(query(request), 'sendInitialEvents'),
    allowWatchBookmarks: false,
  });
  const table = tableRequest(request);
  const list: ObjectList = await context.resources.list(target.kind.kind, await consistentFromCache(context, requested));
  if (table !== undefined) {
    return sendJson(reply, 200, toTable(target.kind, list.items, { ...table, now: context.now(), metadata: list.metadata }));
  }
  // Items are the watch cache's shared, immutable objects: their JSON is computed once and reused.
  const items = list.items.map((item) => objectJsonOf(item)).join(',');
  return sendJson(reply, 200, `{"apiVersion":${JSON.stringify(list.apiVersion)},"kind":${JSON.stringify(list.kind)},"metadata":${JSON.stringify(list.metadata)},"items":[${items}]}`);
}

/**
 * A list without resourceVersion must show the newest state. When the watch cache has already applied the store's
 * newest revision, its memory is that state: served from there (kube-apiserver's ConsistentListFromCache), it costs
 * no read of the backend and its objects' JSON is already computed. Otherwise the backend answers.
 */
async function consistentFromCache(context: HandlerContext, query: ListQuery): Promise<ListQuery> {
  if (query.resourceVersion !== undefined || query.continue !== undefined) return query;
  const newest = await context.store.currentRevision();
  return context.store.revision >= newest ? { ...query, resourceVersion: String(newest) } : query;
}

function watchTimeoutMs(context: HandlerContext, request: FastifyRequest): number {
  const requested = integerParam(query(request), 'timeoutSeconds');
  if (requested !== undefined && requested < 0) throw errors.badRequest(`timeoutSeconds must not be negative, got ${requested}`);
  if (requested !== undefined && requested > 0) return requested * 1000;
  // kube-apiserver picks a random time between its minimum request timeout and twice that, so clients spread out.
  const { minSeconds, maxSeconds } = context.watchTimeoutSeconds;
  return Math.round((minSeconds + Math.random() * (maxSeconds - minSeconds)) * 1000);
}

async function watchHandler(context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const q = query(request);
  const base = listQuery(target, request);
  const allowBookmarks = booleanParam(q, 'allowWatchBookmarks') ?? false;
  const sendInitialEvents = booleanParam(q, 'sendInitialEvents');
  validateListOptions({
    watch: true,
    resourceVersion: base.resourceVersion,
    resourceVersionMatch: single(q, 'resourceVersionMatch'),
    continue: base.continue,
    sendInitialEvents,
    allowWatchBookmarks: allowBookmarks,
  });
  const table = tableRequest(request);
  const timeoutMs = watchTimeoutMs(context, request);
  const requested = parseRevisionParam(base.resourceVersion);
  // A resourceVersion newer than the cache has seen (a list answered by the backend a moment ago): wait for the
  // cache, then skip what the client already has. Events are never lost, at worst a duplicate is not sent.
  if (requested > context.store.revision) await context.store.waitForRevision(requested);
  let from: string;
  let skipThrough = 0;
  if (sendInitialEvents === true) {
    from = '0';
  } else if (requested === 0) {
    // sendInitialEvents=false: only changes from now on; otherwise "" and "0" start with the current state.
    from = sendInitialEvents === false ? String(context.store.revision) : '0';
    skipThrough = sendInitialEvents === false ? context.store.revision : 0;
  } else {
    from = String(requested);
    skipThrough = requested;
  }
  const { resourceVersionMatch: _match, limit: _limit, continue: _continue, ...selection } = base;
  const watcher = context.resources.watch(target.kind.kind, {
    ...selection,
    resourceVersion: from,
    allowBookmarks,
    ...(sendInitialEvents === true ? { sendInitialEvents: true } : {}),
  });
  reply.hijack();
  await streamWatch({
    kind: target.kind,
    watcher,
    reply,
    timeoutMs,
    skipThrough,
    ...(table === undefined ? {} : { table: { ...table, now: context.now } }),
    active: context.activeWatches,
    onError: (error) => context.log.error({ err: error }, 'watch failed'),
  });
  return reply;
}

function parseRevisionParam(resourceVersion: string | undefined): number {
  if (resourceVersion === undefined || resourceVersion === '') return 0;
  if (!/^\d{1,15}$/.test(resourceVersion)) throw errors.badRequest(`invalid resource version: ${JSON.stringify(resourceVersion)}`);
  return Number(resourceVersion);
}

export async function getHandler(context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const object = await context.resources.get(target.kind.kind, target.namespace, target.name ?? '');
  return sendObject(context, request, reply, 200, target, object);
}

interface WriteParams {
  dryRun: boolean;
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
  fieldManager: string;
  warnings: string[];
}

function writeParams(request: FastifyRequest, optionsKind: OptionsKind): WriteParams {
  const q = query(request);
  return {
    dryRun: dryRunParam(all(q, 'dryRun'), optionsKind),
    fieldValidation: fieldValidationParam(q, optionsKind),
    fieldManager: fieldManagerParam(q, request.headers['user-agent'], optionsKind) ?? 'unknown',
    warnings: [],
  };
}

function writeOptions(params: WriteParams): { dryRun: boolean; fieldValidation: WriteParams['fieldValidation']; fieldManager: string; onWarning: (message: string) => void; maskedSecrets: true } {
  return {
    dryRun: params.dryRun,
    fieldValidation: params.fieldValidation,
    fieldManager: params.fieldManager,
    onWarning: (message) => params.warnings.push(message),
    maskedSecrets: true,
  };
}

/** The body as an object of the target's kind, naming the target's namespace (and name); apiVersion and kind default to the path's. */
function objectBody(target: Target, request: FastifyRequest): Record<string, unknown> & { metadata: Record<string, unknown> } {
  const decoded = decodeBody(request.body, objectFormat(request.headers['content-type']));
  if (decoded === undefined) throw errors.badRequest('the request body is empty: an object is required');
  const body = requireObjectBody(decoded);
  checkIdentity(target.kind, body, { namespace: target.namespace, ...(target.name === undefined ? {} : { name: target.name }) });
  return {
    ...body,
    apiVersion: target.kind.apiVersion,
    kind: target.kind.kind,
    metadata: {
      ...body.metadata,
      ...(target.namespace === undefined ? {} : { namespace: target.namespace }),
      ...(target.name === undefined ? {} : { name: target.name }),
    },
  };
}

export async function createHandler(context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = writeParams(request, 'CreateOptions');
  const body = objectBody(target, request);
  const created = await context.resources.create(body, writeOptions(params));
  return sendObject(context, request, reply, 201, target, created, params.warnings);
}

export async function replaceHandler(context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = writeParams(request, 'UpdateOptions');
  const body = objectBody(target, request);
  const options = writeOptions(params);
  const updated = target.level === 'status' ? await context.resources.updateStatus(body, options) : await context.resources.update(body, options);
  return sendObject(context, request, reply, 200, target, updated, params.warnings);
}

export async function patchHandler(context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const format = patchFormat(request.headers['content-type']);
  const q = query(request);
  const params = writeParams(request, 'PatchOptions');
  const force = booleanParam(q, 'force');
  const subresource = target.level === 'status' ? { subresource: 'status' as const } : {};
  if (format !== 'apply') {
    if (force !== undefined) throw errors.invalidOptions('PatchOptions', [{ field: 'force', reason: 'FieldValueForbidden', message: 'Forbidden: may not be specified for non-apply patch' }]);
    const patch = decodeBody(request.body, 'json');
    if (patch === undefined) throw errors.badRequest('the request body is empty: a patch is required');
    const patched = await context.resources.patch(target.kind.kind, target.namespace, target.name ?? '', format === 'json-patch' ? 'json' : 'merge', patch, { ...writeOptions(params), ...subresource });
    return sendObject(context, request, reply, 200, target, patched, params.warnings);
  }
  const manager = explicitFieldManager(q, 'PatchOptions');
  const decoded = decodeBody(request.body, 'yaml');
  if (decoded === undefined) throw errors.badRequest('the request body is empty: an applied configuration is required');
  const configuration = requireObjectBody(decoded);
  checkIdentity(target.kind, configuration, { namespace: target.namespace, ...(target.name === undefined ? {} : { name: target.name }) });
  const metadata = { ...configuration.metadata, name: target.name, ...(target.namespace === undefined ? {} : { namespace: target.namespace }) };
  let created = false;
  const applied = await context.resources.apply({ ...configuration, metadata }, {
    ...writeOptions(params),
    fieldManager: manager ?? '',
    force: force === true,
    ...subresource,
    onCreated: () => {
      created = true;
    },
  });
  return sendObject(context, request, reply, created ? 201 : 200, target, applied, params.warnings);
}

function deleteOptions(request: FastifyRequest): DeleteOptions {
  // DeleteOptions come from the body when there is one, else from the query (kube-apiserver handlers/delete.go).
  const decoded = decodeBody(request.body, objectFormat(request.headers['content-type']));
  const q = query(request);
  const source: Record<string, unknown> = decoded === undefined
    ? {
      propagationPolicy: single(q, 'propagationPolicy'),
      orphanDependents: booleanParam(q, 'orphanDependents'),
      dryRun: all(q, 'dryRun'),
    }
    : isRecord(decoded) ? decoded : {};
  if (decoded !== undefined && !isRecord(decoded)) throw errors.badRequest('DeleteOptions must be a JSON object');
  const causes = [];
  const policy = source.propagationPolicy;
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
    causes.push({ field: 'propagationPolicy', reason: 'FieldValueNotSupported' as const, message: `Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan", "nil"` });
  }
  const orphan = source.orphanDependents;
  if (orphan !== undefined && orphan !== null && policy !== undefined) {
    causes.push({ field: 'propagationPolicy', reason: 'FieldValueInvalid' as const, message: `Invalid value: ${JSON.stringify(policy)}: orphanDependents and deletionPropagation cannot be both set` });
  }
  if (causes.length > 0) throw errors.invalidOptions('DeleteOptions', causes);
  const dryRun = dryRunParam(Array.isArray(source.dryRun) ? source.dryRun.map(String) : [], 'DeleteOptions');
  const preconditions = isRecord(source.preconditions) ? source.preconditions : {};
  const options: DeleteOptions = { dryRun };
  if (typeof policy === 'string') options.propagationPolicy = policy as DeleteOptions['propagationPolicy'] & string;
  else if (orphan === true) options.propagationPolicy = 'Orphan';
  const uid = typeof preconditions.uid === 'string' ? preconditions.uid : undefined;
  const resourceVersion = typeof preconditions.resourceVersion === 'string' ? preconditions.resourceVersion : undefined;
  if (uid !== undefined || resourceVersion !== undefined) {
    options.preconditions = { ...(uid === undefined ? {} : { uid }), ...(resourceVersion === undefined ? {} : { resourceVersion }) };
  }
  return options;
}

export async function deleteHandler(context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const deleted = await context.resources.delete(target.kind.kind, target.namespace, target.name ?? '', deleteOptions(request));
  return sendObject(context, request, reply, 200, target, deleted);
}

export async function deleteCollectionHandler(context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const options = deleteOptions(request);
  const { labelSelector, fieldSelector, namespace } = listQuery(target, request);
  const deleted = await context.resources.deleteCollection(target.kind.kind, {
    ...(namespace === undefined ? {} : { namespace }),
    ...(labelSelector === undefined ? {} : { labelSelector }),
    ...(fieldSelector === undefined ? {} : { fieldSelector }),
  }, options);
  return sendJson(reply, 200, { ...deleted, items: deleted.items.map((item) => maskSecret(item)) });
}

export async function logHandler(context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const q = query(request);
  if (booleanParam(q, 'follow') === true) throw errors.badRequest('follow is not supported: ask again with tailLines to see new lines');
  const tail = integerParam(q, 'tailLines') ?? LOG_TAIL_DEFAULT;
  if (tail < 0) throw errors.badRequest(`tailLines must not be negative, got ${tail}`);
  const namespace = target.namespace ?? '';
  const name = target.name ?? '';
  // The Container must exist as a resource, whatever the engine knows.
  await context.resources.get(target.kind.kind, namespace, name);
  if (context.containerLogs === undefined) throw errors.unavailable('container logs are not available on this server');
  const text = await context.containerLogs(namespace, name, { tailLines: Math.min(tail, LOG_TAIL_MAX) });
  return reply.code(200).type('text/plain; charset=utf-8').send(text);
}

