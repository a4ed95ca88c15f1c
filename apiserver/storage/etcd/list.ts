// Listing as kube-apiserver's etcd3 store does it (GetList): one revision for every page, pinned by the first
// response's header and carried by the continue token; the filter applied while reading, and reading goes on
// (in growing batches) until the page holds `limit` matches or the range ends.
import { Range, type Etcd3, type IRangeResponse } from 'etcd3';
import type { ListOptions, ListResult, Revision, StoredObject } from '../interface.ts';
import { StorageError } from '../errors.ts';
import { continueAfter, decodeContinue } from '../objects.ts';
import { decodeKeyValue, headerRevision } from './codec.ts';
import { tooLarge } from './grpc-errors.ts';
import type { RequestContext, Requests } from './requests.ts';

export interface ListContext {
  client: Etcd3;
  requests: Requests;
  /** Member-local reads (etcd without quorum): may lag. */
  serializable?: boolean;
}

/** Kubernetes' cap on the batch size it grows to while a filter rejects most keys. */
const MAX_BATCH = 10_000;

interface ReadPoint {
  /** 0: the newest state, pinned by the first response. */
  revision: Revision;
  start: string;
  /** For NotOlderThan: the oldest acceptable revision. */
  minimum: Revision;
  context: RequestContext;
}

export async function listObjects({ client, requests, serializable = false }: ListContext, prefix: string, options: ListOptions = {}): Promise<ListResult> {
  const point = readPoint(prefix, options);
  const limit = pageLimit(options.limit);
  // Range.prefix knows etcd's range ends (the empty prefix starts at "\0" and ends at "\0", meaning "every key").
  const whole = Range.prefix(prefix);
  const end = whole.end;
  const items: StoredObject[] = [];
  const keys: string[] = [];
  let revision = point.revision;
  let start: string | Buffer = point.start === '' ? whole.start : point.start;
  let batch = limit;
  let lastKey: string | undefined;
  let more = false;
  let remainingItemCount: number | undefined;
  for (;;) {
    const response = await readBatch(client, requests, { start, end, revision, batch }, point.context, serializable);
    if (revision === 0) {
      revision = headerRevision(response.header);
      if (revision < point.minimum) throw tooLarge(point.minimum, revision);
    }
    let consumed = 0;
    for (const kv of response.kvs) {
      consumed += 1;
      const state = decodeKeyValue(kv);
      lastKey = state.key;
      if (options.filter !== undefined && !options.filter(state.object)) continue;
      items.push(state.object);
      keys.push(state.key);
      if (items.length === limit) break;
    }
    if (limit > 0 && items.length === limit) {
      more = consumed < response.kvs.length || response.more;
      // Exact only without a filter (as in Kubernetes): etcd counts every key left in the range, wanted or not.
      if (more && options.filter === undefined) remainingItemCount = Number(response.count) - consumed;
      break;
    }
    if (!response.more || lastKey === undefined) break;
    start = lastKey + '\u0000';
    if (options.filter !== undefined) batch = Math.min(batch * 2, MAX_BATCH);
  }
  const result: ListResult = { items, keys, revision };
  if (more && lastKey !== undefined) {
    result.continue = continueAfter(lastKey, prefix, revision);
    if (remainingItemCount !== undefined) result.remainingItemCount = remainingItemCount;
  }
  return result;
}

interface Batch {
  start: string | Buffer;
  end: Buffer;
  revision: Revision;
  /** 0: no limit. */
  batch: number;
}

function readBatch(client: Etcd3, requests: Requests, { start, end, revision, batch }: Batch, context: RequestContext, serializable: boolean): Promise<IRangeResponse> {
  return requests.run(
    'read',
    () => {
      const builder = client.getAll().inRange({ start, end }).serializable(serializable);
      if (revision > 0) builder.revision(revision);
      if (batch > 0) builder.limit(batch);
      return builder.exec();
    },
    context,
  );
}

/** The revision to read at and the first key, from the continue token or the requested revision. */
function readPoint(prefix: string, options: ListOptions): ReadPoint {
  if (options.continue !== undefined && options.continue !== '') {
    if (options.revision !== undefined && options.revision !== 0) {
      throw new StorageError('InvalidObject', 'specifying a revision is not allowed when using continue');
    }
    const token = decodeContinue(options.continue, prefix);
    return { revision: token.rev, start: token.start, minimum: 0, context: { revision: token.rev, what: 'continue token' } };
  }
  const requested = options.revision;
  if (requested === undefined) return { revision: 0, start: prefix, minimum: 0, context: {} };
  if (!Number.isSafeInteger(requested) || requested < 0) throw new StorageError('InvalidObject', `invalid revision: ${requested}`);
  if (options.match !== 'Exact') return { revision: 0, start: prefix, minimum: requested, context: {} };
  if (requested === 0) throw new StorageError('InvalidObject', 'an Exact read needs a revision other than 0');
  return { revision: requested, start: prefix, minimum: 0, context: { revision: requested } };
}

function pageLimit(limit: number | undefined): number {
  if (limit === undefined || limit === 0) return 0;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new StorageError('InvalidObject', `invalid limit: ${limit}`);
  return limit;
}
