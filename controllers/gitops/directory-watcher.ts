// Watches a manifest directory and calls `onChange` once a burst of changes has settled: chokidar for the tree (its
// `atomic` handling turns editors' and git's write-then-rename into one change), the parent directory for a symlinked
// checkout whose link is swapped (git-sync), and git's HEAD and refs for a new commit. `.git/objects` and the rest of
// git's churn, hidden files and editors' temp files are ignored; the resync timer catches anything missed.
import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Clock, Timer } from '../runtime/clock.ts';
import { findGit, gitWatchPaths } from './git-revision.ts';
import { isHiddenName, isManifestName } from './manifest-tree.ts';

export interface DirectoryWatcherOptions {
  directory: string;
  /** Called after changes, debounced. */
  onChange: () => void;
  clock: Clock;
  /** Quiet time after the last change before `onChange` (default 250 ms). */
  debounceMs?: number;
  /** Longest wait after the first change of a burst, however busy the directory stays (default 1,000 ms). */
  maxDelayMs?: number;
  onError?: (error: unknown) => void;
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

export class DirectoryWatcher {
  readonly #options: Required<Omit<DirectoryWatcherOptions, 'onError'>> & Pick<DirectoryWatcherOptions, 'onError'>;
  #watchers: FSWatcher[] = [];
  #resolved: string | undefined;
  #timer: Timer | undefined;
  #burstStartedAt = 0;
  #closed = false;

  constructor(options: DirectoryWatcherOptions) {
    this.#options = { debounceMs: 250, maxDelayMs: 1000, ...options };
  }

  get directory(): string {
    return this.#options.directory;
  }

  /** Resolves once every watcher has scanned its paths. */
  async start(): Promise<void> {
    const { directory } = this.#options;
    this.#resolved = realpathOrUndefined(directory);
    const watchers: FSWatcher[] = [];
    if (this.#resolved !== undefined) watchers.push(this.#treeWatcher(this.#resolved));
    const git = this.#resolved === undefined ? undefined : findGit(this.#resolved);
    if (git !== undefined) watchers.push(this.#watch(gitWatchPaths(git), {}, () => this.#changed()));
    // A link swapped for another (git-sync), or a directory that does not exist yet: watch the parent's entries.
    if (isSymlink(directory) || this.#resolved === undefined) {
      // Not following links here: chokidar reports a swapped link as a change only when it watches the link itself.
      watchers.push(this.#watch([dirname(directory)], { depth: 0, followSymlinks: false }, (path) => {
        if (basename(path) === basename(directory)) this.#parentChanged();
      }));
    }
    this.#watchers = watchers;
    await Promise.all(watchers.map((watcher) => new Promise<void>((resolve) => watcher.once('ready', () => resolve()))));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
    const watchers = this.#watchers;
    this.#watchers = [];
    await Promise.all(watchers.map((watcher) => watcher.close()));
  }

  #treeWatcher(root: string): FSWatcher {
    // Hidden entries anywhere below the root (.git and its churn, editors' swap files) are not even watched.
    const ignored = (path: string): boolean => {
      const inside = relative(root, path);
      return inside !== '' && !inside.startsWith('..') && inside.split(sep).some(isHiddenName);
    };
    return this.#watch([root], { ignored }, (path, event) => {
      if (event === 'addDir' || event === 'unlinkDir' || isManifestName(basename(path))) this.#changed();
    });
  }

  #watch(paths: string[], options: { depth?: number; followSymlinks?: boolean; ignored?: (path: string) => boolean }, onEvent: (path: string, event: string) => void): FSWatcher {
    const watcher = watch(paths, { ignoreInitial: true, followSymlinks: true, atomic: true, ...options });
    watcher.on('all', (event, path) => {
      if (!this.#closed) onEvent(path, event);
    });
    watcher.on('error', (error) => this.#options.onError?.(error));
    return watcher;
  }

  /** The link or the directory itself changed: follow it to its new target. */
  #parentChanged(): void {
    if (realpathOrUndefined(this.#options.directory) !== this.#resolved) {
      void this.#restart();
    }
    this.#changed();
  }

  async #restart(): Promise<void> {
    const old = this.#watchers;
    this.#watchers = [];
    await Promise.all(old.map((watcher) => watcher.close()));
    if (this.#closed) return;
    try {
      await this.start();
    } catch (error) {
      this.#options.onError?.(error);
    }
    this.#changed();
  }

  /** Debounce: fire after `debounceMs` of quiet, but no later than `maxDelayMs` after the burst began. */
  #changed(): void {
    if (this.#closed) return;
    const { clock, debounceMs, maxDelayMs } = this.#options;
    const now = clock.now();
    if (this.#timer === undefined) this.#burstStartedAt = now;
    this.#timer?.cancel();
    const delay = Math.max(0, Math.min(debounceMs, this.#burstStartedAt + maxDelayMs - now));
    this.#timer = clock.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#closed) this.#options.onChange();
    }, delay);
  }
}
