// Reading and validating a manifest directory: every problem named with its file and line, nothing hidden or
// temporary read, namespaces defaulted by the documented rule, a stable digest.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { problemText, readManifestTree } from '../../../controllers/gitops/manifest-tree.ts';
import { refText } from '../../../controllers/gitops/ownership.ts';

const root = mkdtempSync(join(tmpdir(), 'vigil-tree-'));
after(() => rmSync(root, { recursive: true, force: true }));

let serial = 0;
function tree(files: Record<string, string>): string {
  serial += 1;
  const dir = join(root, `t${serial}`);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

const policy = (name: string, policyValue = 'auto'): string =>
  `apiVersion: vigil.dev/v1alpha1\nkind: UpdatePolicy\nmetadata:\n  name: ${name}\nspec:\n  policy: ${policyValue}\n`;

test('reads every document of every manifest file, in kind order, with the line each begins on', () => {
  const dir = tree({
    'policies.yaml': `# the web apps\n${policy('web')}---\n${policy('db', 'manual')}`,
    'nested/secret.yml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: registry\nstringData:\n  password: x\n',
    'settings.json': JSON.stringify({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { defaultPolicy: 'manual' } }),
  });
  const result = readManifestTree(dir);
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.objects.map((object) => `${refText(object.ref)} ${object.file}:${object.line}`), [
    'Secret/vigil-system/registry nested/secret.yml:1',
    'Settings/default settings.json:1',
    'UpdatePolicy/web policies.yaml:2',
    'UpdatePolicy/db policies.yaml:9',
  ]);
  assert.equal(result.files, 3);
  assert.match(result.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(readManifestTree(dir).digest, result.digest, 'the same content gives the same digest');
});

test('names the file and the line of the field that is wrong', () => {
  const dir = tree({ 'apps/web.yaml': `${policy('fine')}---\n${policy('web', 'sometimes')}` });
  const result = readManifestTree(dir);
  assert.deepEqual(result.problems.map(problemText), [
    'apps/web.yaml:13: spec.policy: Unsupported value: "sometimes": supported values: "auto", "manual", "pinned"',
  ]);
});

test('refuses unknown fields, unknown kinds, YAML errors, Lists and Vigil\'s own labels, each where it is', () => {
  const dir = tree({
    'a.yaml': `${policy('a')}  bogus: 1\n`,
    'b.yaml': 'apiVersion: vigil.dev/v1alpha1\nkind: Deployment\nmetadata:\n  name: b\n',
    'c.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: c\n  name: again\n',
    'd.yaml': 'apiVersion: v1\nkind: List\nitems: []\n',
    'e.yaml': 'apiVersion: vigil.dev/v1alpha1\nkind: UpdatePolicy\nmetadata:\n  name: e\n  labels:\n    vigil.dev/manifest-source: other\nspec: {}\n',
  });
  const texts = readManifestTree(dir).problems.map(problemText);
  assert.equal(texts.length, 5, texts.join('\n'));
  assert.equal(texts[0], 'a.yaml:7: unknown field "spec.bogus"');
  assert.match(texts[1] ?? '', /^b\.yaml:2: unknown kind "Deployment" of apiVersion "vigil\.dev\/v1alpha1": known kinds are .*vigil\.dev\/v1alpha1 Container/);
  assert.equal(texts[2], 'c.yaml:5: YAML: Map keys must be unique');
  assert.equal(texts[3], 'd.yaml:1: a v1 List: write one document per object (--- between them)');
  assert.equal(texts[4], 'e.yaml:6: metadata.labels: vigil.dev/manifest-source is set by Vigil on every object it applies: remove it from the manifest');
});

test('an object defined twice is a problem naming both places', () => {
  const dir = tree({ 'one.yaml': policy('web'), 'two.yaml': `${policy('other')}---\n${policy('web')}` });
  assert.deepEqual(readManifestTree(dir).problems.map(problemText), ['two.yaml:8: UpdatePolicy web is also defined at one.yaml:1']);
});

test('namespaced objects without a namespace: Secrets go to vigil-system, Containers to their hostRef, else local; cluster-scoped ones may not have one', () => {
  const dir = tree({
    'objects.yaml': [
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n',
      'apiVersion: vigil.dev/v1alpha1\nkind: Container\nmetadata:\n  name: nginx\nspec:\n  hostRef: nas\n  policy: pinned\n',
      'apiVersion: vigil.dev/v1alpha1\nkind: Container\nmetadata:\n  name: redis\nspec:\n  policy: manual\n',
    ].join('---\n'),
    'scoped.yaml': 'apiVersion: vigil.dev/v1alpha1\nkind: Hook\nmetadata:\n  name: h\n  namespace: local\nspec:\n  phase: pre-update\n  command: ["true"]\n',
  });
  const result = readManifestTree(dir);
  assert.deepEqual(result.objects.map((object) => refText(object.ref)), ['Secret/vigil-system/s', 'Container/nas/nginx', 'Container/local/redis']);
  assert.equal(result.problems.length, 1);
  assert.match(problemText(result.problems[0] ?? { file: '', message: '' }), /^scoped\.yaml:5: metadata\.namespace: /);
});

test('hidden entries, .git and editors\' temporary files are not read; symlinks are followed once', () => {
  const dir = tree({
    'web.yaml': policy('web'),
    '.git/config.yaml': 'not: [yaml',
    '.hidden/x.yaml': 'not: [yaml',
    '.web.yaml.swp': 'binary',
    'web.yaml~': 'not: [yaml',
    '#web.yaml#': 'not: [yaml',
    '4913': '',
    'README.md': '# manifests',
  });
  symlinkSync(dir, join(dir, 'loop'));
  const result = readManifestTree(dir);
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.objects.map((object) => object.file), ['web.yaml']);
});

test('a missing directory is one problem, and an empty one is an empty tree', () => {
  const missing = readManifestTree(join(root, 'nowhere'));
  assert.deepEqual(missing.problems.map(problemText), [`.: ${join(root, 'nowhere')}: no such directory`]);
  const empty = readManifestTree(tree({ 'empty.yaml': '# nothing yet\n', 'end.yaml': '---\n' }));
  assert.deepEqual(empty.problems, []);
  assert.deepEqual(empty.objects, []);
});

test('a symlinked checkout is read through its link, and the real directory is reported', () => {
  const first = tree({ 'web.yaml': policy('web') });
  const link = join(root, 'current');
  symlinkSync(first, link);
  const result = readManifestTree(link);
  assert.equal(result.directory, link);
  assert.equal(result.resolved, first);
  assert.deepEqual(result.objects.map((object) => refText(object.ref)), ['UpdatePolicy/web']);
});
