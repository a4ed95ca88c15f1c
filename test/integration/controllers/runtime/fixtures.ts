// The real resource stack for runtime tests: an embedded store in a private temp folder, the watch cache in front,
// and the resource registry (the ResourceClient controllers use).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CachedStore } from '../../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../../../apiserver/resources/registry.ts';
import type { ResourceClient, ResourceObject, WatchQuery } from '../../../../apiserver/resources/client.ts';
import type { Watcher } from '../../../../apiserver/storage/interface.ts';

export interface Stack {
  store: CachedStore;
  registry: ResourceRegistry;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Events the watch cache keeps for resuming watchers. */
  historyCapacity?: number;
}

export async function openStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-runtime-'));
  const store = await CachedStore.open({
    backend: openEmbeddedStore({ path: join(dir, 'vigil.db'), compactionIntervalMs: 0 }),
    ...(options.historyCapacity === undefined ? {} : { historyCapacity: options.historyCapacity }),
  });
  return {
    store,
    registry: new ResourceRegistry({ store }),
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs` (real time). */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(5);
  }
}

/** A ResourceClient that counts the watches it opens and can cut them, over a real one. */
export class WatchTap implements ResourceClient {
  readonly #client: ResourceClient;
  readonly watches: Watcher[] = [];
  lists = 0;

  constructor(client: ResourceClient) {
    this.#client = client;
  }

  get: ResourceClient['get'] = (...args) => this.#client.get(...args);
  list: ResourceClient['list'] = (...args) => {
    this.lists += 1;
    return this.#client.list(...args);
  };
  create: ResourceClient['create'] = (...args) => this.#client.create(...args);
  update: ResourceClient['update'] = (...args) => this.#client.update(...args);
  updateStatus: ResourceClient['updateStatus'] = (...args) => this.#client.updateStatus(...args);
  modify: ResourceClient['modify'] = (...args) => this.#client.modify(...args);
  patch: ResourceClient['patch'] = (...args) => this.#client.patch(...args);
  apply: ResourceClient['apply'] = (...args) => this.#client.apply(...args);
  deleteCollection: ResourceClient['deleteCollection'] = (...args) => this.#client.deleteCollection(...args);
  delete: ResourceClient['delete'] = (...args) => this.#client.delete(...args);

  watch(kind: string, query?: WatchQuery): Watcher {
    const watcher = this.#client.watch(kind, query);
    this.watches.push(watcher);
    return watcher;
  }
}

export function host(name: string, spec: Record<string, unknown> = {}, labels?: Record<string, string>): ResourceObject {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name, ...(labels === undefined ? {} : { labels }) }, spec };
}

export function container(namespace: string, name: string, labels?: Record<string, string>): ResourceObject {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Container',
    metadata: { namespace, name, ...(labels === undefined ? {} : { labels }) },
    spec: { containerName: name },
  };
}
