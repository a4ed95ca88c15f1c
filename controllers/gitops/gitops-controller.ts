// The GitOps sync loop of `vigil serve`: one pass per ManifestSource whenever its directory changes (debounced), its
// spec changes, or its resync interval passes. Passes for one source never overlap and bursts coalesce (a dirty set
// and a running flag, as in client-go's work queue). Watch handlers only queue names; the work is in
// SourceReconciler. TODO(issue 4): run SourceReconciler on the controller runtime (a Controller watching the
// ManifestSource and Settings informers, requeueAfter for the resync) and keep only the directory watchers here.
import type { Logger } from 'pino';
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import type { ResourceObject } from '../../schemas/validation.ts';
import { reconcileBootstrap } from './bootstrap.ts';
import { systemClock, type Clock, type Timer } from './clock.ts';
import { DirectoryWatcher } from './directory-watcher.ts';
import { SourceReconciler } from './source-reconciler.ts';

export interface GitopsControllerOptions {
  client: ResourceClient;
  /** Default: the wall clock. */
  clock?: Clock;
  logger?: Logger;
  /** `vigil serve --manifests DIR`: the directory of ManifestSource `default`, over Settings.manifests.directory. */
  bootstrapDirectory?: string | undefined;
  /** Quiet time after a file change before a pass (default 250 ms). */
  debounceMs?: number;
  /** Longest wait after the first change of a burst (default 1,000 ms): changes are applied within 2 s. */
  maxDelayMs?: number;
  /** Retry after a pass that threw (the store unreachable...), default 10 s. */
  errorRetryMs?: number;
}

interface SourceState {
  generation: number | undefined;
  watcher: DirectoryWatcher | undefined;
  resync: Timer | undefined;
}

export class GitopsController {
  readonly #client: ResourceClient;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #options: GitopsControllerOptions;
  readonly #reconciler: SourceReconciler;
  readonly #sources = new Map<string, SourceState>();
  readonly #dirty = new Set<string>();
  readonly #abort = new AbortController();
  #running: Promise<void> | undefined;
  #bootstrapDirty = false;
  #stopped = false;
  #loops: Promise<void>[] = [];

  constructor(options: GitopsControllerOptions) {
    this.#options = options;
    this.#client = options.client;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger?.child({ controller: 'gitops' });
    this.#reconciler = new SourceReconciler({ client: this.#client, clock: this.#clock, logger: this.#logger });
  }

  /** Starts watching ManifestSources and Settings; every source gets a pass at once. */
  start(): void {
    this.#bootstrapDirty = true;
    this.#kick();
    this.#loops = [
      this.#watchKind('ManifestSource', (type, object) => this.#sourceEvent(type, object)),
      this.#watchKind('Settings', () => {
        this.#bootstrapDirty = true;
        this.#kick();
      }),
    ];
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    await Promise.allSettled(this.#loops);
    await this.#running;
    for (const state of this.#sources.values()) {
      state.resync?.cancel();
      await state.watcher?.close();
    }
    this.#sources.clear();
  }

  /** Queues a pass for `name` (what a file change, a timer or a spec change does). */
  enqueue(name: string): void {
    if (this.#stopped) return;
    this.#dirty.add(name);
    this.#kick();
  }

  /** Resolves once nothing is queued or running (tests). */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  #sourceEvent(type: string, object: ResourceObject): void {
    const name = object.metadata.name;
    const state = this.#sources.get(name);
    if (type === 'DELETED') {
      if (state !== undefined) this.#forget(name, state);
      return;
    }
    // Our own status writes come back as events too: only a new generation (a spec change) needs a pass.
    if (state !== undefined && state.generation === object.metadata.generation) return;
    this.#sources.set(name, { generation: object.metadata.generation, watcher: state?.watcher, resync: state?.resync });
    this.enqueue(name);
  }

  #forget(name: string, state: SourceState): void {
    state.resync?.cancel();
    void state.watcher?.close();
    this.#sources.delete(name);
    this.#dirty.delete(name);
  }

  #kick(): void {
    if (this.#running !== undefined || this.#stopped) return;
    this.#running = this.#work().finally(() => {
      this.#running = undefined;
      if ((this.#dirty.size > 0 || this.#bootstrapDirty) && !this.#stopped) this.#kick();
    });
  }

  async #work(): Promise<void> {
    while (!this.#stopped && (this.#bootstrapDirty || this.#dirty.size > 0)) {
      if (this.#bootstrapDirty) {
        this.#bootstrapDirty = false;
        try {
          await reconcileBootstrap(this.#client, this.#options.bootstrapDirectory);
        } catch (error) {
          this.#logger?.error({ err: error }, 'cannot update ManifestSource default from --manifests and Settings.manifests');
        }
        continue;
      }
      const [name] = this.#dirty;
      if (name === undefined) break;
      this.#dirty.delete(name);
      await this.#pass(name);
    }
  }

  async #pass(name: string): Promise<void> {
    const state = this.#sources.get(name) ?? { generation: undefined, watcher: undefined, resync: undefined };
    this.#sources.set(name, state);
    let requeueAfter: number | undefined;
    try {
      // The watcher starts before the pass reads the directory, so no change falls between the two.
      await this.#watchDirectory(name, state, await this.#reconciler.directoryToWatch(name));
      ({ requeueAfter } = await this.#reconciler.reconcile(name));
    } catch (error) {
      this.#logger?.error({ err: error, source: name }, `ManifestSource ${name}: pass failed`);
      requeueAfter = this.#options.errorRetryMs ?? 10_000;
    }
    state.resync?.cancel();
    state.resync = requeueAfter === undefined || this.#stopped ? undefined : this.#clock.setTimeout(() => this.enqueue(name), requeueAfter);
  }

  async #watchDirectory(name: string, state: SourceState, directory: string | undefined): Promise<void> {
    if (state.watcher?.directory === directory) return;
    await state.watcher?.close();
    state.watcher = undefined;
    if (directory === undefined || this.#stopped) return;
    const watcher = new DirectoryWatcher({
      directory,
      clock: this.#clock,
      onChange: () => this.enqueue(name),
      ...(this.#options.debounceMs === undefined ? {} : { debounceMs: this.#options.debounceMs }),
      ...(this.#options.maxDelayMs === undefined ? {} : { maxDelayMs: this.#options.maxDelayMs }),
      onError: (error) => this.#logger?.warn({ err: error, source: name }, `ManifestSource ${name}: watching ${directory} failed; the resync still applies changes`),
    });
    state.watcher = watcher;
    await watcher.start();
  }

  /** List, then watch from the list's revision; on any end or error, list again (client-node's informer loop). */
  async #watchKind(kind: string, onEvent: (type: string, object: ResourceObject) => void): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        const list = await this.#client.list(kind);
        const names = new Set(list.items.map((item) => item.metadata.name));
        if (kind === 'ManifestSource') {
          for (const [name] of this.#sources) if (!names.has(name)) onEvent('DELETED', { apiVersion: 'vigil.dev/v1alpha1', kind, metadata: { name } });
        }
        for (const item of list.items) onEvent('ADDED', item);
        const watcher = this.#client.watch(kind, { resourceVersion: list.metadata.resourceVersion, signal });
        for await (const event of watcher.events) {
          if (event.type !== 'BOOKMARK') onEvent(event.type, event.object as ResourceObject);
        }
      } catch (error) {
        if (signal.aborted) return;
        this.#logger?.warn({ err: error }, `watch of ${kind} ended; listing again`);
      }
      // A wall-clock pause before listing again: a store that keeps failing must not be hammered (the injected clock
      // drives the passes; tests never reach this).
      if (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

