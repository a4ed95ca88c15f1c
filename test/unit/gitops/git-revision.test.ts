// The commit of a checkout, read from .git without running git: checked against real repositories made by git
// (a branch, packed refs, a detached HEAD, a linked worktree and a subdirectory of the checkout).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findGit, readGitCommit } from '../../../controllers/gitops/git-revision.ts';

const root = mkdtempSync(join(tmpdir(), 'vigil-git-'));
after(() => rmSync(root, { recursive: true, force: true }));

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 't@example.invalid', GIT_CONFIG_NOSYSTEM: '1', HOME: root };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

function repository(name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'manifests'), { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'manifests', 'a.yaml'), 'a: 1\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'first');
  return dir;
}

test('a branch checkout: HEAD names the branch, the loose ref the commit; a subdirectory finds the same checkout', () => {
  const dir = repository('branch');
  assert.equal(readGitCommit(dir), git(dir, 'rev-parse', 'HEAD'));
  assert.equal(readGitCommit(join(dir, 'manifests')), git(dir, 'rev-parse', 'HEAD'));
  writeFileSync(join(dir, 'manifests', 'a.yaml'), 'a: 2\n');
  git(dir, 'commit', '-q', '-am', 'second');
  assert.equal(readGitCommit(dir), git(dir, 'rev-parse', 'HEAD'), 'a new commit is seen at once');
});

test('packed refs (after git gc / pack-refs) and a detached HEAD', () => {
  const dir = repository('packed');
  git(dir, 'pack-refs', '--all');
  assert.equal(readGitCommit(dir), git(dir, 'rev-parse', 'HEAD'));
  const first = git(dir, 'rev-parse', 'HEAD');
  writeFileSync(join(dir, 'manifests', 'a.yaml'), 'a: 3\n');
  git(dir, 'commit', '-q', '-am', 'second');
  git(dir, 'checkout', '-q', '--detach', first);
  assert.equal(readGitCommit(dir), first);
});

test('a linked worktree (.git is a file; refs live in the main repository), as git-sync checks out', () => {
  const dir = repository('main-repo');
  const worktree = join(root, 'worktree');
  git(dir, 'branch', 'feature');
  git(dir, 'worktree', 'add', '-q', worktree, 'feature');
  git(dir, 'pack-refs', '--all');
  const location = findGit(worktree);
  assert.ok(location !== undefined);
  assert.notEqual(location.gitDir, location.commonDir);
  assert.equal(readGitCommit(worktree), git(worktree, 'rev-parse', 'HEAD'));
});

test('a plain directory has no commit', () => {
  const dir = join(root, 'plain');
  mkdirSync(dir);
  assert.equal(readGitCommit(dir), undefined);
  assert.equal(readGitCommit(join(root, 'missing')), undefined);
});
