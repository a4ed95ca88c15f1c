// A Kubernetes-style informer in the browser: list a collection of the resource API, then watch it from the list's
// resourceVersion (one JSON event per line), so that a change made by kubectl, git, a controller or another browser
// is on the page at once. A watch that ends is resumed from the last version seen; a 410 Gone (that version was
// compacted away) means a fresh list; any other failure retries with a doubling backoff up to 30 s.
import { signal, type Signal } from '@preact/signals';
import { HttpError, getJson } from '../api/http.ts';

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ uid: string; name: string; kind: string }>;
}

export interface KubeObject {
  metadata: ObjectMeta;
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; message?: string };
}

export type ConnectionState = 'connecting' | 'live' | 'retrying';

const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 30_000;

class Gone extends Error {}

export function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

export class Informer<T extends KubeObject> {
  /** The collection's objects by namespace/name; a new Map on every change, so that readers re-render. */
  readonly items: Signal<ReadonlyMap<string, T>> = signal(new Map());
  readonly state: Signal<ConnectionState> = signal('connecting');
  /** The last failure, for the connection indicator's title. */
  readonly lastError: Signal<string> = signal('');
  /** Whether it is started: the connection indicator counts only informers that run (live/on-demand.ts). */
  readonly running: Signal<boolean> = signal(false);
  private resourceVersion = '';
  private abort = new AbortController();

  /** `collection`: the resource API path relative to the page, e.g. apis/vigil.dev/v1alpha1/containers. */
  constructor(private readonly collection: string) {}

  start(): void {
    if (this.running.value) return;
    this.running.value = true;
    this.abort = new AbortController();
    void this.loop(this.abort.signal);
  }

  stop(): void {
    this.running.value = false;
    this.abort.abort();
    this.items.value = new Map();
    this.state.value = 'connecting';
  }

  private async loop(abort: AbortSignal): Promise<void> {
    let backoff = BACKOFF_START_MS;
    let needList = true;
    while (!abort.aborted) {
      try {
        if (needList) await this.list();
        needList = false;
        await this.watch(abort, () => {
          backoff = BACKOFF_START_MS;
        });
      } catch (error) {
        if (abort.aborted) return;
        if (error instanceof Gone || (error instanceof HttpError && error.status === 410)) {
          needList = true;
          continue;
        }
        this.state.value = 'retrying';
        this.lastError.value = error instanceof Error ? error.message : String(error);
        // After a failure the version may be stale or the session gone: list again once reachable.
        needList = true;
        await waitFor(backoff, abort);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      }
    }
  }

  private async list(): Promise<void> {
    const list = await getJson<{ items: T[]; metadata: { resourceVersion?: string } }>(this.collection);
    this.items.value = new Map(list.items.map((item) => [keyOf(item), item]));
    this.resourceVersion = list.metadata.resourceVersion ?? '';
  }

  private async watch(abort: AbortSignal, onOpen: () => void): Promise<void> {
    const url = `${this.collection}?watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(this.resourceVersion)}`;
    const response = await fetch(url, { credentials: 'same-origin', signal: abort, headers: { accept: 'application/json' } });
    if (response.status === 410) throw new Gone('resourceVersion too old');
    if (!response.ok || response.body === null) throw new HttpError(response.status, `watch ${this.collection}: ${response.status} ${response.statusText}`);
    this.state.value = 'live';
    this.lastError.value = '';
    onOpen();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += value;
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') this.apply(JSON.parse(line) as WatchEvent);
        newline = buffered.indexOf('\n');
      }
    }
  }

  private apply(event: WatchEvent): void {
    if (event.type === 'ERROR') {
      if (event.object.code === 410) throw new Gone(event.object.message ?? 'resourceVersion too old');
      throw new Error(event.object.message ?? 'watch error');
    }
    const version = event.object.metadata.resourceVersion;
    if (version !== undefined) this.resourceVersion = version;
    if (event.type === 'BOOKMARK') return;
    const next = new Map(this.items.value);
    if (event.type === 'DELETED') next.delete(keyOf(event.object));
    else next.set(keyOf(event.object), event.object as T);
    this.items.value = next;
  }
}

function waitFor(ms: number, abort: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    abort.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
