// `GET /api/events` as Server-Sent Events over one watch of every vigil.dev kind (the store's watch cache): first
// `event: connected` / `data: {}` as Sentinel sends it, then the events of event-mapping.ts, each with `id:` = the
// store revision of the change, so that a browser's EventSource, reconnecting with `Last-Event-ID`, resumes exactly
// after what it saw. When that revision is older than the watch cache keeps (or unknown to this store), the stream says
// so with one `event: resync` (data `{"type":"resync","message":…,"timestamp":…}`: reload the state you show) and goes
// on from now, as a Kubernetes client relists after a 410.
//
// Bounded memory: a client that stops reading stalls only its own stream. The stream then stops pulling events; the
// watch cache cuts its watcher off when its buffer (a bounded number of shared, frozen events) is full, and a socket
// that does not drain within the drain timeout, or holds more than `maxBufferedBytes`, is closed. Heartbeat comments
// every `heartbeatMs` keep proxies from closing an idle stream; a heartbeat also carries the newest revision seen as
// `id:` (a block without data sets the last event ID without dispatching), so an idle client resumes from now, not
// from an old id the cache may have forgotten.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isStorageError } from '../../storage/errors.ts';
import type { WatchEvent, Watcher } from '../../storage/interface.ts';
import { drained } from '../../resources/http/drain.ts';
import { sentinelEvents, type MappingOptions, type SentinelEvent } from './event-mapping.ts';

/** Where the events come from: the watch cache's view of every vigil.dev kind. */
export interface ChangeFeed {
  /** The newest revision the feed has applied. */
  revision(): number;
  /** Every change after `revision` (bookmarks included); the iteration throws a StorageError Expired when too old. */
  watch(revision: number, signal: AbortSignal): Watcher;
}

export interface SseOptions {
  feed: ChangeFeed;
  now: () => Date;
  hostName?: MappingOptions['hostName'];
  /** Default 15 s. */
  heartbeatMs?: number;
  /** A socket that does not drain for this long is closed. Default 30 s. */
  drainTimeoutMs?: number;
  /** A socket holding more unsent bytes than this is closed. Default 1 MiB. */
  maxBufferedBytes?: number;
}

/** The `Last-Event-ID` a client resumes from, if it sent a usable one. */
export function lastEventId(request: IncomingMessage): number | undefined {
  const header = request.headers['last-event-id'];
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^\d{1,15}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

export function sseFrame(event: string, data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export const CONNECTED_FRAME = sseFrame('connected', {});

/**
 * Streams events into a hijacked response until the client goes, the stream is cut off for being slow, or `stop` is
 * called (the server closing). Resolves once everything is released.
 */
export async function streamEvents(request: IncomingMessage, raw: ServerResponse, options: SseOptions, register: (stop: () => void) => () => void): Promise<void> {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  const abort = new AbortController();
  let closed = false;
  const stop = (): void => {
    if (closed) return;
    closed = true;
    abort.abort();
  };
  const unregister = register(stop);
  raw.on('close', stop);

  const write = (text: string): boolean => {
    if (closed) return false;
    const ok = raw.write(text);
    if (raw.writableLength > maxBufferedBytes) stop();
    return ok;
  };

  let lastWritten: number | undefined;
  let newest = options.feed.revision();
  const heartbeat = setInterval(() => {
    if (closed || raw.writableNeedDrain) return;
    const id = newest !== lastWritten ? `id: ${newest}\n` : '';
    lastWritten = newest;
    write(`${id}: keep-alive\n\n`);
  }, heartbeatMs);

  const mapping = { now: options.now(), ...(options.hostName === undefined ? {} : { hostName: options.hostName }) };
  const framesOf = (event: WatchEvent): string => {
    mapping.now = options.now();
    return sentinelEvents(event, mapping).map((sentinel: SentinelEvent) => sseFrame(sentinel.type, sentinel, event.revision)).join('');
  };

  raw.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    // nginx buffers responses unless told not to.
    'X-Accel-Buffering': 'no',
  });
  write(CONNECTED_FRAME);

  let from = lastEventId(request);
  if (from !== undefined && from > newest) {
    write(resyncFrame(options.now(), `event ${from} is newer than this server's history (it restarted with another store?): reload and follow from now`));
    from = undefined;
  }
  let watcher: Watcher | undefined;
  try {
    for (;;) {
      const current = options.feed.watch(from ?? newest, abort.signal);
      watcher = current;
      try {
        for await (const event of current.events) {
          if (closed) break;
          newest = Math.max(newest, event.revision);
          if (event.type === 'BOOKMARK') continue;
          const frames = framesOf(event);
          if (frames === '') continue;
          lastWritten = event.revision;
          if (!write(frames) && !(await drained(raw, { timeoutMs: drainTimeoutMs, abandoned: () => current.endReason !== undefined || closed }))) {
            stop();
            break;
          }
        }
        break;
      } catch (error) {
        if (!isStorageError(error, 'Expired') || from === undefined || closed) throw error;
        write(resyncFrame(options.now(), `events after ${from} are no longer kept: reload and follow from now`));
        from = undefined;
        newest = options.feed.revision();
      }
    }
  } finally {
    watcher?.stop();
    clearInterval(heartbeat);
    raw.off('close', stop);
    unregister();
    const slow = watcher?.endReason === 'too-slow' || raw.writableNeedDrain || raw.writableLength > maxBufferedBytes;
    stop();
    // A client cut off for not reading cannot be trusted to read the end of the response.
    if (slow) raw.destroy();
    else raw.end();
  }
}

function resyncFrame(now: Date, message: string): string {
  return sseFrame('resync', { type: 'resync', message, timestamp: now.toISOString() });
}
