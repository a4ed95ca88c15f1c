// The Settings that reach an update through Container status.effective (inventory/effective.ts) are the options the
// update is started with (new-operation.ts): grace period, image cleanup, image backup, anonymous volumes, and
// dependencyAware (restart of dependents). The update machine's own tests (machine-scenarios, decide,
// create-request) prove what each option does.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, SettingsSpec } from '../../../schemas/generated/types.ts';
import { resolveEffective } from '../../../controllers/inventory/effective.ts';
import { updateOperation } from '../../../controllers/update/controller/new-operation.ts';

function startedWith(settings: SettingsSpec | undefined): ReturnType<typeof updateOperation>['details']['options'] {
  const { effective } = resolveEffective({ spec: {}, labels: {}, containerName: 'web', hostName: 'local', image: 'nginx:1.27', policies: [], settings });
  const container: Container = { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'web', namespace: 'local' }, spec: { containerName: 'web' }, status: { name: 'web', id: 'a'.repeat(64), image: 'nginx:1.27', effective } };
  return updateOperation(container, settings, { kind: 'update', reason: 'Auto', targetImage: 'nginx:1.28', pullOnly: false }, { preHooks: [], postHooks: [] }, undefined, 30_000, Date.parse('2026-01-01T00:00:00Z')).details.options;
}

describe('Settings as update options', () => {
  test('Settings gracePeriod, imageCleanup, imageBackup, removeVolumes and dependencyAware become the options of an update', () => {
    const options = startedWith({ gracePeriod: '2m', imageCleanup: false, imageBackup: true, removeVolumes: true, dependencyAware: false });
    assert.deepEqual(
      { gracePeriodMs: options.gracePeriodMs, imageCleanup: options.imageCleanup, imageBackup: options.imageBackup, removeVolumes: options.removeVolumes, restartDependents: options.restartDependents },
      { gracePeriodMs: 120_000, imageCleanup: false, imageBackup: true, removeVolumes: true, restartDependents: false },
    );
  });

  test('without Settings the built-in defaults apply: 30s grace, cleanup on, no backup, volumes kept, dependents restarted', () => {
    const options = startedWith(undefined);
    assert.deepEqual(
      { gracePeriodMs: options.gracePeriodMs, imageCleanup: options.imageCleanup, imageBackup: options.imageBackup, removeVolumes: options.removeVolumes, restartDependents: options.restartDependents },
      { gracePeriodMs: 30_000, imageCleanup: true, imageBackup: false, removeVolumes: false, restartDependents: true },
    );
  });
});
