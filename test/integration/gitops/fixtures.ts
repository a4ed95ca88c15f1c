// Shared by the GitOps tests: a real embedded store behind the watch cache with the registry controllers use, manifest
// directories on disk, and a hand-stepped clock for the sync loop's timers.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import { sleepOn, type Clock, type Timer } from '../../../controllers/runtime/clock.ts';
import type { Controller } from '../../../controllers/runtime/controller.ts';
import { deadlines } from '../../testbed/deadlines.ts';

export interface TestStore {
  store: CachedStore;
  resources: ResourceRegistry;
  close(): Promise<void>;
}

export async function openTestStore(dir: string): Promise<TestStore> {
  const store = await CachedStore.open({ backend: openEmbeddedStore({ path: join(dir, 'vigil.db'), compactionIntervalMs: 0 }) });
  return { store, resources: new ResourceRegistry({ store }), close: () => store.close() };
}

export function makeDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes `files` (relative path → content) under `dir`; a content of undefined deletes the file. */
export function writeFiles(dir: string, files: Record<string, string | undefined>): void {
  for (const [file, content] of Object.entries(files)) {
    const path = join(dir, file);
    if (content === undefined) rmSync(path, { force: true });
    else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  }
}

export const policyYaml = (name: string, policy = 'auto', extra = ''): string =>
  `apiVersion: vigil.dev/v1alpha1\nkind: UpdatePolicy\nmetadata:\n  name: ${name}\nspec:\n  policy: ${policy}\n${extra}`;

export const containerYaml = (name: string, policy = 'pinned', namespace = 'local'): string =>
  `apiVersion: vigil.dev/v1alpha1\nkind: Container\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  policy: ${policy}\n`;

export const secretYaml = (name: string, password: string): string =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: vigil-system\nstringData:\n  password: ${password}\n`;

export function manifestSource(name: string, directory: string, spec: Record<string, unknown> = {}): ResourceObject {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'ManifestSource', metadata: { name }, spec: { directory, prune: true, ...spec } };
}

/** A clock the test steps: timers fire only inside advance(). */
export class SteppedClock implements Clock {
  #now = Date.UTC(2026, 10, 22, 15);
  #timers = new Set<{ at: number; callback: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    const timer = { at: this.#now + Math.max(0, delayMs), callback };
    this.#timers.add(timer);
    return { cancel: () => this.#timers.delete(timer) };
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, delayMs, signal);
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const due = [...this.#timers].filter((timer) => timer.at <= target).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.#timers.delete(due);
      this.#now = due.at;
      due.callback();
    }
    this.#now = target;
  }
}

/** Polls `check` until it returns something other than undefined; fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = deadlines.condition, onPoll?: () => void): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    onPoll?.();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** An object's spec as a plain record (undefined objects have an empty one). */
export function specOf(object: ResourceObject | undefined): Record<string, unknown> {
  const spec = object?.spec;
  return typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>) : {};
}

/** Resolves once `controller` runs, has no key waiting and no pass in flight (delayed keys, the resyncs, aside). */
export async function idle(controller: Controller, timeoutMs = 10_000): Promise<void> {
  await eventually('the controller to be idle', () => {
    const queue = controller.queue;
    return queue !== undefined && queue.length === 0 && queue.processing === 0 ? true : undefined;
  }, timeoutMs);
}
