// Settings.manifests → the spec of ManifestSource `default`: directory (the --manifests flag wins), resyncInterval and
// prune carried over, pruning on unless Settings turn it off. What the source then does with them (a resync timer,
// objects of deleted files kept when prune is false) is proven on the real directory in test/integration/gitops/.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Settings } from '../../../schemas/generated/types.ts';
import { bootstrapSpec } from '../../../controllers/gitops/bootstrap.ts';

const settings = (manifests: NonNullable<Settings['spec']>['manifests']): Settings => ({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { manifests } });

describe('the default ManifestSource from Settings.manifests', () => {
  test('Settings.manifests.prune false turns pruning off on the default source; resyncInterval is carried over', () => {
    assert.deepEqual(bootstrapSpec(undefined, settings({ directory: '/srv/vigil', prune: false, resyncInterval: '2m' })), { directory: '/srv/vigil', resyncInterval: '2m', prune: false, from: 'settings' });
  });

  test('pruning is on by default, and the --manifests flag names the directory over Settings', () => {
    assert.deepEqual(bootstrapSpec('/flag', settings({ directory: '/srv/vigil' })), { directory: '/flag', prune: true, from: 'flag' });
    assert.equal(bootstrapSpec(undefined, settings({ prune: false })), undefined, 'no directory, no source');
  });
});
