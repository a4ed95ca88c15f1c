// Listing, as the Kubernetes etcd3 store does it: one revision for every page (carried by the continue token), the
// filter applied while reading so that a page holds `limit` matches unless the range ends first, and rows read lazily
// so that a page stops reading where it ends.
import type { ListOptions, ListResult, Revision, StoredObject } from '../interface.ts';
import { StorageError } from '../errors.ts';
import { continueAfter, decodeContinue, withRevision } from '../objects.ts';
import { prefixRange } from './keys.ts';
import type { Queries } from './queries.ts';
import { decodeObject } from './rows.ts';

export interface RevisionState {
  current: Revision;
  compacted: Revision;
}

export function readList(queries: Queries, state: RevisionState, prefix: string, options: ListOptions): ListResult {
  const { rev, start } = readPoint(state, prefix, options);
  const limit = pageLimit(options.limit);
  const range = { start, end: prefixRange(prefix).end };
  // The current table answers for the newest revision; older ones (later pages, Exact reads) come from history.
  const rows = rev === state.current ? queries.listCurrent(range) : queries.listAt(range, rev);
  const items: StoredObject[] = [];
  const keys: string[] = [];
  let lastKey: string | undefined;
  let more = false;
  for (const row of rows) {
    if (row.value === null) continue; // deleted at or before `rev`
    if (items.length === limit) {
      more = true;
      break;
    }
    lastKey = row.key;
    const object = withRevision(decodeObject(row.value, row.key), row.rev);
    if (options.filter === undefined || options.filter(object)) {
      items.push(object);
      keys.push(row.key);
    }
  }
  if (!more || lastKey === undefined) return { items, keys, revision: rev };
  const result: ListResult = { items, keys, revision: rev, continue: continueAfter(lastKey, prefix, rev) };
  // Cheap only on the current table (one index range count), and only exact without a filter, as in Kubernetes.
  if (options.filter === undefined && rev === state.current) {
    result.remainingItemCount = queries.countCurrent({ start: lastKey + '\u0000', end: range.end });
  }
  return result;
}

/** The revision to read at and the first key, from the continue token or the requested revision. */
function readPoint(state: RevisionState, prefix: string, options: ListOptions): { rev: Revision; start: string } {
  if (options.continue !== undefined && options.continue !== '') {
    if (options.revision !== undefined && options.revision !== 0) {
      throw new StorageError('InvalidObject', 'specifying a revision is not allowed when using continue');
    }
    const token = decodeContinue(options.continue, prefix);
    if (token.rev < state.compacted) {
      throw new StorageError(
        'Expired',
        `the continue token is too old (revision ${token.rev}, history starts at ${state.compacted}): start a new list`,
        { oldestRevision: state.compacted },
      );
    }
    if (token.rev > state.current) throw tooLarge(token.rev, state.current);
    return { rev: token.rev, start: token.start };
  }
  return { rev: readRevision(state, options), start: prefix };
}

function readRevision(state: RevisionState, options: ListOptions): Revision {
  const requested = options.revision;
  if (requested === undefined) return state.current;
  if (!Number.isSafeInteger(requested) || requested < 0) {
    throw new StorageError('InvalidObject', `invalid revision: ${requested}`);
  }
  if (requested > state.current) throw tooLarge(requested, state.current);
  if (options.match !== 'Exact') return state.current; // NotOlderThan, or 0: the newest state is new enough
  if (requested === 0) throw new StorageError('InvalidObject', 'an Exact read needs a revision other than 0');
  if (requested < state.compacted) throw StorageError.expired(requested, state.compacted);
  return requested;
}

function pageLimit(limit: number | undefined): number {
  if (limit === undefined || limit === 0) return Infinity;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new StorageError('InvalidObject', `invalid limit: ${limit}`);
  return limit;
}

// Kubernetes answers this as a Timeout with cause ResourceVersionTooLarge; the watch cache waits before giving up.
function tooLarge(requested: Revision, current: Revision): StorageError {
  return new StorageError('Timeout', `Too large resource version: ${requested}, current: ${current}`);
}
