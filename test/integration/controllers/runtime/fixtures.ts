// The real resource stack for runtime tests: an embedded store in a private temp folder, the watch cache in front,
// and the resource registry (the ResourceClient controllers use).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CachedStore } from '../../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../../../apiserver/resources/registry.ts';
import type { ListQuery, ObjectList, ResourceObject, WatchQuery } from '../../../../apiserver/resources/client.ts';
import { ForwardingClient } from '../../../fakes/forwarding-client.ts';
import type { Watcher } from '../../../../apiserver/storage/interface.ts';
import { deadlines } from '../../../testbed/deadlines.ts';

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
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = deadlines.condition): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(5);
  }
}

/** A ResourceClient that counts the watches it opens and can cut them, over a real one. */
export class WatchTap extends ForwardingClient {
  readonly watches: Watcher[] = [];
  lists = 0;

  override list(kind: string, query?: ListQuery): Promise<ObjectList> {
    this.lists += 1;
    return this.inner.list(kind, query);
  }

  override watch(kind: string, query?: WatchQuery): Watcher {
    const watcher = this.inner.watch(kind, query);
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
