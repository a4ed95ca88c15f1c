// The directory watchers of the ManifestSources this leader reconciles: one DirectoryWatcher per source, started by
// the source's pass (before it reads the directory, so that no change falls between the two) and closed when the
// source is gone, suspended, or no longer led. A leader-only Runnable added before the GitOps controller, so that it
// stops after it: no pass is left to start a watcher once they are closed. Watchers only enqueue keys.
import type { Logger } from 'pino';
import type { Clock, Runnable } from '../runtime/index.ts';
import { DirectoryWatcher } from './directory-watcher.ts';

export interface SourceWatchersOptions {
  clock: Clock;
  logger: Logger;
  /** Asks for a pass over source `name` (the GitOps controller's enqueue). */
  onChange: (name: string) => void;
  /** Quiet time after a file change before a pass. Default 250 ms (DirectoryWatcher's). */
  debounceMs?: number;
  /** Longest wait after the first change of a burst. Default 1,000 ms: changes are applied within 2 s. */
  maxDelayMs?: number;
}

export class SourceWatchers implements Runnable {
  readonly name = 'gitops-directory-watchers';
  readonly #options: SourceWatchersOptions;
  readonly #watchers = new Map<string, DirectoryWatcher>();
  #open = false;

  constructor(options: SourceWatchersOptions) {
    this.#options = options;
  }

  start(): void {
    this.#open = true;
  }

  async stop(): Promise<void> {
    this.#open = false;
    const watchers = [...this.#watchers.values()];
    this.#watchers.clear();
    await Promise.all(watchers.map((watcher) => watcher.close()));
  }

  /** The directories watched, by source name (diagnostics and tests). */
  get directories(): ReadonlyMap<string, string> {
    return new Map([...this.#watchers].map(([name, watcher]) => [name, watcher.directory]));
  }

  /**
   * Watches `directory` for source `name`, replacing a watcher of another directory; undefined stops watching.
   * Resolves once the watcher has scanned the directory.
   */
  async watch(name: string, directory: string | undefined): Promise<void> {
    const current = this.#watchers.get(name);
    if (current !== undefined && current.directory === directory) return;
    if (current !== undefined) {
      this.#watchers.delete(name);
      await current.close();
    }
    if (directory === undefined || !this.#open) return;
    const { clock, logger, onChange, debounceMs, maxDelayMs } = this.#options;
    const watcher = new DirectoryWatcher({
      directory,
      clock,
      onChange: () => onChange(name),
      ...(debounceMs === undefined ? {} : { debounceMs }),
      ...(maxDelayMs === undefined ? {} : { maxDelayMs }),
      onError: (error) => logger.warn({ err: error, source: name }, `ManifestSource ${name}: watching ${directory} failed; the resync still applies changes`),
    });
    this.#watchers.set(name, watcher);
    await watcher.start();
  }
}
