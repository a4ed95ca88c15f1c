// list, watch and get.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ListQuery, ObjectList } from '../client.ts';
import { errors } from '../errors.ts';
import { validateListOptions } from '../list-options.ts';
import { booleanParam, integerParam, single } from './query.ts';
import { toTable } from './table.ts';
import type { Target } from './targets.ts';
import { objectBytesOf, streamWatch } from './watch-response.ts';
import { listQuery, query, sendJson, sendObject, tableRequest, type HandlerContext } from './context.ts';

const COMMA = Buffer.from(',');
const TAIL = Buffer.from(']}');

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
  // Items from the watch cache are shared, immutable objects: their bytes are computed once and reused.
  const head = Buffer.from(`{"apiVersion":${JSON.stringify(list.apiVersion)},"kind":${JSON.stringify(list.kind)},"metadata":${JSON.stringify(list.metadata)},"items":[`);
  const parts: Buffer[] = [head];
  list.items.forEach((item, index) => {
    if (index > 0) parts.push(COMMA);
    parts.push(objectBytesOf(item));
  });
  parts.push(TAIL);
  return sendJson(reply, 200, Buffer.concat(parts));
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
