// Every directory under examples/ passes the validator `vigil serve --manifests` and `vigil apply --prune` use, so the
// examples people copy cannot rot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { problemText, readManifestTree } from '../../../controllers/gitops/manifest-tree.ts';
import { refText } from '../../../controllers/gitops/ownership.ts';

const examples = join(import.meta.dirname, '..', '..', '..', 'examples');
const directories = readdirSync(examples, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);

test('there are examples to check', () => {
  assert.ok(directories.includes('homelab'));
});

for (const name of directories) {
  test(`examples/${name} is a valid manifest tree`, () => {
    const tree = readManifestTree(join(examples, name));
    assert.deepEqual(tree.problems.map(problemText), []);
    assert.ok(tree.objects.length > 0);
  });
}

test('the home lab has what the issue asks for: two hosts, policies, a registry with credentials from a Secret, a channel, settings, containers', () => {
  const objects = readManifestTree(join(examples, 'homelab')).objects;
  const kinds = objects.map((object) => object.ref.kind);
  assert.equal(kinds.filter((kind) => kind === 'Host').length, 2);
  assert.ok(kinds.filter((kind) => kind === 'UpdatePolicy').length >= 3);
  assert.ok(kinds.includes('NotificationChannel') && kinds.includes('Settings') && kinds.filter((kind) => kind === 'Container').length >= 2);
  const registry = objects.find((object) => object.ref.kind === 'Registry');
  const secretName = (registry?.object.spec as { credentials?: { passwordSecretRef?: { name?: string } } }).credentials?.passwordSecretRef?.name;
  assert.ok(objects.some((object) => refText(object.ref) === `Secret/vigil-system/${secretName ?? ''}`), 'the registry\'s Secret is in the tree');
});
