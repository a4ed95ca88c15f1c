import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { inApplyOrder, loadManifests } from '../../../cli/manifests.ts';
import { CliError } from '../../../cli/client/errors.ts';

const HOST = `apiVersion: vigil.dev/v1alpha1
kind: Host
metadata:
  name: nas
spec:
  dockerHost: tcp://127.0.0.1:2376
`;
const CONTAINER = `apiVersion: vigil.dev/v1alpha1
kind: Container
metadata:
  name: web
  namespace: nas
spec:
  hostRef: nas
  policy: auto
`;

function withDir(body: (dir: string) => void): void {
  const dir = makeTempDir('manifests');
  try {
    body(dir);
  } finally {
    removeTempDir(dir);
  }
}

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof CliError, `a CliError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected the manifests to be refused');
}

test('a directory is read recursively, multi-document files split, and objects ordered Hosts before Containers', () => {
  withDir((dir) => {
    mkdirSync(join(dir, 'apps'));
    writeFileSync(join(dir, 'apps', 'web.yaml'), `${CONTAINER}---\n`);
    writeFileSync(join(dir, 'hosts.yml'), `---\n${HOST}`);
    writeFileSync(join(dir, 'README.md'), 'not a manifest');
    const manifests = inApplyOrder(loadManifests([dir]));
    assert.deepEqual(manifests.map((manifest) => `${manifest.kind.kind}/${manifest.object.metadata.name}`), ['Host/nas', 'Container/web']);
    assert.equal(manifests[1]?.document, 1);
  });
});

test('every invalid document is reported with its file and document number, and none is returned', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'a.yaml'), `${HOST}---\n${CONTAINER.replace('policy: auto', 'policy: auto\n  bogus: 1')}`);
    writeFileSync(join(dir, 'b.yaml'), 'apiVersion: vigil.dev/v1alpha1\nkind: Container\nmetadata:\n  name: db\n  namespace: nas\nspec:\n  hostRef: [1\n');
    const message = failure(() => loadManifests([dir]));
    assert.match(message, /^nothing was applied: 2 problems/);
    assert.match(message, /a\.yaml: document 2 \(Container nas\/web\): .*bogus/);
    assert.match(message, /b\.yaml: document 1: YAML: /);
  });
});

test('-n fills in the namespace of namespaced objects, and a namespaced object without one is refused', () => {
  withDir((dir) => {
    const file = join(dir, 'web.yaml');
    writeFileSync(file, CONTAINER.replace('  namespace: nas\n', ''));
    assert.match(failure(() => loadManifests([file])), /metadata\.namespace: Required value/);
    const [manifest] = loadManifests([file], { namespace: 'nas' });
    assert.equal(manifest?.object.metadata.namespace, 'nas');
  });
});

test('the same object twice is refused, naming both places', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'one.yaml'), HOST);
    writeFileSync(join(dir, 'two.yaml'), HOST);
    assert.match(failure(() => loadManifests([dir])), /two\.yaml: document 1: Host nas is also defined in .*one\.yaml: document 1/);
  });
});

test('a v1 List is expanded into its items', () => {
  withDir((dir) => {
    const file = join(dir, 'list.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name: 'a' }, spec: {} }, { apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name: 'b' }, spec: {} }] }));
    assert.deepEqual(loadManifests([file]).map((manifest) => manifest.object.metadata.name), ['a', 'b']);
  });
});

test('an empty directory or a missing path applies nothing', () => {
  withDir((dir) => {
    assert.match(failure(() => loadManifests([dir])), /no \*\.yaml, \*\.yml or \*\.json files/);
    assert.match(failure(() => loadManifests([join(dir, 'missing')])), /no such file or directory/);
  });
});

test('delete -f needs only what identifies each object', () => {
  withDir((dir) => {
    const file = join(dir, 'web.yaml');
    writeFileSync(file, CONTAINER.replace('policy: auto', 'policy: no-such-policy'));
    assert.match(failure(() => loadManifests([file])), /policy/);
    assert.equal(loadManifests([file], { identifyOnly: true })[0]?.object.metadata.name, 'web');
  });
});
