// The commit a git checkout is at, read from the files git keeps, without running git (which may not be installed
// where Vigil runs): `.git/HEAD` (a commit, or `ref: refs/heads/BRANCH`), the loose ref, else `packed-refs`; `.git`
// may be a file (`gitdir: PATH`) for linked worktrees, submodules and git-sync checkouts, and a linked worktree keeps
// its refs in the main repository (`commondir`).
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export interface GitLocation {
  /** The directory holding HEAD. */
  gitDir: string;
  /** The directory holding refs/ and packed-refs (gitDir itself unless a linked worktree). */
  commonDir: string;
}

const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The git directory of the checkout holding `directory` (looking upwards: the manifests may be a subdirectory). */
export function findGit(directory: string): GitLocation | undefined {
  let current: string;
  try {
    current = realpathSync(directory);
  } catch {
    return undefined;
  }
  for (;;) {
    const dotGit = join(current, '.git');
    if (existsSync(dotGit)) {
      let gitDir: string | undefined;
      if (statSync(dotGit).isDirectory()) gitDir = dotGit;
      else {
        const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(readText(dotGit) ?? '');
        if (pointer?.[1] !== undefined) gitDir = isAbsolute(pointer[1]) ? pointer[1] : resolve(current, pointer[1]);
      }
      if (gitDir === undefined) return undefined;
      const common = readText(join(gitDir, 'commondir'))?.trim();
      return { gitDir, commonDir: common === undefined || common === '' ? gitDir : resolve(gitDir, common) };
    }
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

function lookupRef(location: GitLocation, ref: string): string | undefined {
  for (const dir of location.gitDir === location.commonDir ? [location.gitDir] : [location.gitDir, location.commonDir]) {
    const loose = readText(join(dir, ref))?.trim();
    if (loose !== undefined && COMMIT.test(loose)) return loose;
  }
  const packed = readText(join(location.commonDir, 'packed-refs')) ?? '';
  for (const line of packed.split('\n')) {
    if (line.startsWith('#') || line.startsWith('^')) continue;
    const [commit, name] = line.trim().split(' ');
    if (name === ref && commit !== undefined && COMMIT.test(commit)) return commit;
  }
  return undefined;
}

/** The commit checked out at `directory`, or undefined when it is not in a git checkout (or HEAD names no commit yet). */
export function readGitCommit(directory: string): string | undefined {
  const location = findGit(directory);
  if (location === undefined) return undefined;
  const head = readText(join(location.gitDir, 'HEAD'))?.trim();
  if (head === undefined) return undefined;
  if (COMMIT.test(head)) return head; // detached, as git-sync and CI checkouts are
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  return ref === undefined ? undefined : lookupRef(location, ref);
}

/** Paths whose change means the checkout moved to another commit (watched beside the manifests). */
export function gitWatchPaths(location: GitLocation): string[] {
  return [join(location.gitDir, 'HEAD'), join(location.commonDir, 'refs'), join(location.commonDir, 'packed-refs')];
}
