// A watch over HTTP as kube-apiserver streams it: 200, application/json, chunked, one {"type","object"} per line.
// Each event is serialized once and the bytes are shared by every watcher that receives it (the watch cache hands the
// same frozen event to all of them), so a thousand watchers do not stringify a thousand times. A client that stops
// reading is cut off: the watch cache ends a watcher whose buffer fills, and a socket that does not drain in time is
// closed, so a slow client never grows memory without bound.
import type { FastifyReply } from 'fastify';
import type { ResourceKind } from '../../../schemas/index.ts';
import type { ResourceObject } from '../../../schemas/validation.ts';
import { isStorageError } from '../../storage/errors.ts';
import type { WatchEvent, Watcher } from '../../storage/interface.ts';
import { ApiError, errors, type Status } from '../errors.ts';
import { maskSecret } from '../secrets.ts';
import { drained } from './drain.ts';
import { toTable, type IncludeObject, type TableVersion } from './table.ts';

const objectBytes = new WeakMap<object, Buffer>();

/**
 * The JSON bytes of an object as it may leave the server. The watch cache's objects are frozen and shared (the same
 * instance is the cached state, every watcher's event and every list's item): their bytes are computed once and kept
 * for as long as the object lives. Any other object is serialized each time.
 */
export function objectBytesOf(object: object): Buffer {
  if (!Object.isFrozen(object)) return Buffer.from(JSON.stringify(maskSecret(object as ResourceObject)));
  let bytes = objectBytes.get(object);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(maskSecret(object as ResourceObject)));
    objectBytes.set(object, bytes);
  }
  return bytes;
}

const PREFIXES = {
  ADDED: Buffer.from('{"type":"ADDED","object":'),
  MODIFIED: Buffer.from('{"type":"MODIFIED","object":'),
  DELETED: Buffer.from('{"type":"DELETED","object":'),
};
const SUFFIX = Buffer.from('}\n');

function bookmarkLine(kind: ResourceKind, event: WatchEvent): Buffer {
  const metadata: Record<string, unknown> = { resourceVersion: String(event.revision) };
  if (event.initialEventsEnd === true) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
  return Buffer.from(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: kind.kind, apiVersion: kind.apiVersion, metadata } })}\n`);
}

const eventLines = new WeakMap<object, Buffer>();

/**
 * The line of one event. The watch cache hands the same frozen event to every watcher, so the line is built once per
 * event (prefix, the object's shared bytes, suffix) and every watcher writes that one buffer: one write per watcher,
 * nothing serialized or copied per watcher. (Writing the three parts separately cost a third more delivery time at
 * 1,000 watchers.) Events made for one watcher (a filter's ADDED/DELETED transitions) are not frozen and not cached.
 */
export function eventChunks(kind: ResourceKind, event: WatchEvent): Buffer[] {
  if (event.type === 'BOOKMARK') return [bookmarkLine(kind, event)];
  let line = Object.isFrozen(event) ? eventLines.get(event) : undefined;
  if (line === undefined) {
    line = Buffer.concat([PREFIXES[event.type], objectBytesOf(event.object), SUFFIX]);
    if (Object.isFrozen(event)) eventLines.set(event, line);
  }
  return [line];
}

function errorLine(status: Status): Buffer {
  return Buffer.from(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
}

export interface TableWatch {
  version: TableVersion;
  includeObject: IncludeObject;
  now: () => Date;
}

export interface WatchResponseOptions {
  kind: ResourceKind;
  watcher: Watcher;
  reply: FastifyReply;
  /** Close the watch after this long (a clean end: clients re-watch from their last resourceVersion). */
  timeoutMs: number;
  /** Events at or before this revision are already known to the client (it listed at this revision). */
  skipThrough: number;
  table?: TableWatch;
  /** A socket that does not drain for this long is closed. Default 30 s. */
  drainTimeoutMs?: number;
  /** Running watches, so that a closing server can end them. */
  active: Set<() => void>;
  onError: (error: unknown) => void;
}

function tableLine(kind: ResourceKind, event: WatchEvent, table: TableWatch): Buffer[] {
  if (event.type === 'BOOKMARK') return [bookmarkLine(kind, event)];
  const object = toTable(kind, [event.object as ResourceObject], {
    version: table.version,
    includeObject: table.includeObject,
    now: table.now(),
    metadata: { resourceVersion: String(event.revision) },
  });
  return [Buffer.from(`${JSON.stringify({ type: event.type, object })}\n`)];
}

/** Writes the chunks as one line; false when the socket wants draining first. */
function writeLine(raw: FastifyReply['raw'], chunks: readonly Buffer[]): boolean {
  raw.cork();
  let ok = true;
  for (const chunk of chunks) ok = raw.write(chunk);
  raw.uncork();
  return ok;
}

/** Streams the watch into the (hijacked) reply until it ends, times out, the client goes or the server closes. */
export async function streamWatch(options: WatchResponseOptions): Promise<void> {
  const { kind, watcher, reply, table } = options;
  const raw = reply.raw;
  let closed = false;
  const stop = (): void => {
    if (closed) return;
    closed = true;
    watcher.stop();
    // A client that is not reading would keep us waiting for 'drain': cut it off.
    if (raw.writableNeedDrain) raw.destroy();
  };
  options.active.add(stop);
  const timer = setTimeout(stop, options.timeoutMs);
  raw.on('close', stop);
  // Waiting for the socket to take more gives up when the client goes, when the watch cache has cut this watcher off
  // for falling behind (its buffer is bounded), or after the drain timeout: a client that does not read is dropped.
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;

  raw.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  raw.flushHeaders();
  try {
    for await (const event of watcher.events) {
      if (closed) break;
      if (event.type !== 'BOOKMARK' && event.revision <= options.skipThrough) continue;
      const chunks = table === undefined ? eventChunks(kind, event) : tableLine(kind, event, table);
      if (!writeLine(raw, chunks) && !(await drained(raw, { timeoutMs: drainTimeoutMs, abandoned: () => watcher.endReason !== undefined }))) break;
    }
  } catch (error) {
    if (!closed) {
      const status = isStorageError(error, 'Expired')
        ? errors.expired(error.message).status
        : error instanceof ApiError ? error.status : errors.internal('the watch failed').status;
      if (!isStorageError(error, 'Expired') && !(error instanceof ApiError)) options.onError(error);
      raw.write(errorLine(status));
    }
  } finally {
    clearTimeout(timer);
    options.active.delete(stop);
    raw.off('close', stop);
    const tooSlow = watcher.endReason === 'too-slow';
    stop();
    // A client cut off for not reading gets its connection closed: it cannot be trusted to read the end of the response.
    if (tooSlow || raw.writableNeedDrain) raw.destroy();
    else raw.end();
  }
}
