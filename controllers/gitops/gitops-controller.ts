// The GitOps controller of `vigil serve`, on the controller runtime: one key per ManifestSource (its name), one worker
// (passes never overlap, as one sync loop), running only on the elected leader so that several replicas never apply
// and prune at once, and writing through the manager's fenced client. A pass is asked for by a spec change of the
// source (its own status writes do not count), a change in its directory (the source's DirectoryWatcher), its resync
// interval (requeueAfter) and every start of leadership. Key `default` first makes ManifestSource `default` match
// `--manifests` and Settings.manifests (bootstrap.ts): Settings changes and every start of leadership ask for it.
import type { ManifestSource, Settings } from '../../schemas/generated/types.ts';
import { generationChanged, type Controller, type Manager, type ReconcileContext, type ReconcileResult, type Reconciler } from '../runtime/index.ts';
import type { Stored } from '../stored.ts';
import { reconcileBootstrap } from './bootstrap.ts';
import { DEFAULT_SOURCE_NAME } from './ownership.ts';
import { SourceReconciler } from './source-reconciler.ts';
import { SourceWatchers } from './source-watchers.ts';

export interface GitopsControllerOptions {
  manager: Manager;
  /** `vigil serve --manifests DIR`: the directory of ManifestSource `default`, over Settings.manifests.directory. */
  bootstrapDirectory?: string | undefined;
  /** Quiet time after a file change before a pass. Default 250 ms. */
  debounceMs?: number;
  /** Longest wait after the first change of a burst. Default 1,000 ms: changes are applied within 2 s. */
  maxDelayMs?: number;
}

export interface GitopsController {
  controller: Controller;
  watchers: SourceWatchers;
}

class GitopsReconciler implements Reconciler {
  readonly #manager: Manager;
  readonly #bootstrapDirectory: string | undefined;
  readonly #sources: SourceReconciler;
  readonly #watchers: SourceWatchers;

  constructor(options: GitopsControllerOptions, watchers: SourceWatchers) {
    this.#manager = options.manager;
    this.#bootstrapDirectory = options.bootstrapDirectory;
    this.#watchers = watchers;
    this.#sources = new SourceReconciler({ client: options.manager.client, clock: options.manager.clock, logger: options.manager.logger.child({ controller: 'gitops' }) });
  }

  async reconcile(context: ReconcileContext, name: string): Promise<ReconcileResult> {
    if (name === DEFAULT_SOURCE_NAME) await reconcileBootstrap(this.#manager.client, this.#bootstrapDirectory);
    // The watcher starts before the pass reads the directory, so no change falls between the two; a source that is
    // gone or suspended loses its watcher.
    await this.#watchers.watch(name, await this.#sources.directoryToWatch(name));
    const { requeueAfter } = await this.#sources.reconcile(name, context.signal);
    return requeueAfter === undefined ? {} : { requeueAfter };
  }
}

/** Registers the GitOps controller (and its directory watchers) with `manager`: it runs while the process leads. */
export function registerGitopsController(options: GitopsControllerOptions): GitopsController {
  const { manager } = options;
  const sources = manager.informers.informerFor<Stored<ManifestSource>>('ManifestSource');
  const settings = manager.informers.informerFor<Stored<Settings>>('Settings');
  // The watchers and the start trigger ask the controller for passes; it is made between them (manager.add's order).
  let controller: Controller | undefined;
  const enqueue = (name: string): void => controller?.enqueue(name);
  const watchers = new SourceWatchers({
    clock: manager.clock,
    logger: manager.logger.child({ controller: 'gitops' }),
    onChange: enqueue,
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
    ...(options.maxDelayMs === undefined ? {} : { maxDelayMs: options.maxDelayMs }),
  });
  // Added first, so that it stops last: once the controller has stopped, no pass opens a watcher again.
  manager.add(watchers);
  controller = manager.addController({
    name: 'gitops',
    reconciler: new GitopsReconciler(options, watchers),
    // Passes over one tree at a time, as the store and the disk like it (and as before the runtime).
    workers: 1,
    // Key `default` is owed a retry even while no such source exists: its bootstrap may be what failed.
    exists: (name) => name === DEFAULT_SOURCE_NAME || sources.lister.get(name) !== undefined,
  });
  controller.watch(sources, undefined, { updateFilter: generationChanged });
  controller.watch(settings, () => DEFAULT_SOURCE_NAME, { updateFilter: generationChanged });
  // `--manifests` alone names the default source: with neither it nor Settings stored, no informer brings its key.
  manager.add({ name: 'gitops-bootstrap', start: () => enqueue(DEFAULT_SOURCE_NAME), stop: async () => undefined });
  return { controller, watchers };
}
