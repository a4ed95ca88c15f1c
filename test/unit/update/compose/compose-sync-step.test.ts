// When the update controller syncs a compose file after an operation, to which image, and what it records.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container } from '../../../../schemas/generated/types.ts';
import { composeSyncEnabled, composeSyncStep, imageAfter } from '../../../../controllers/update/controller/compose-sync-step.ts';
import { newUpdateOperation, type UpdateOperation, type UpdateOutcomeOrSkip } from '../../../../controllers/update/machine/operation.ts';

const OPTIONS = { gracePeriodMs: 0, healthTimeoutMs: 0, pullOnly: false, removeVolumes: false, imageCleanup: false, imageBackup: false, preHooks: [], postHooks: [] };

function ended(type: 'update' | 'rollback', outcome: UpdateOutcomeOrSkip, targetImage: string): UpdateOperation {
  const base = newUpdateOperation({ containerName: 'lab-web-1', containerID: 'abc', targetImage, options: OPTIONS, now: 0, ...(type === 'rollback' ? { restore: { snapshot: 'snap', image: targetImage, imageID: 'sha256:0123456789abcdef0123456789abcdef' } } : {}) });
  return { ...base, phase: 'Succeeded', step: 'done', details: { ...base.details, oldImage: 'app:1', outcome } } as UpdateOperation;
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-compose-step-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function composeContainer(policy: string, spec: Container['spec'] = {}): Container {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Container',
    metadata: { name: 'lab-web-1', namespace: 'local' },
    spec,
    status: { compose: { project: 'lab', service: 'web', workingDir: dir, configFiles: [join(dir, 'compose.yaml')] }, effective: { policy: { value: policy, source: 'default' } } },
  } as Container;
}

describe('compose sync step', () => {
  test('the image after: the target of a successful update or rollback, the old image after an automatic rollback, none otherwise', () => {
    assert.equal(imageAfter(ended('update', 'success', 'app:2')), 'app:2');
    assert.equal(imageAfter(ended('update', 'rollback', 'app:2')), 'app:1');
    assert.equal(imageAfter(ended('rollback', 'success', 'app:1')), 'app:1');
    for (const outcome of ['failed', 'identical', 'pull_only', 'dry_run', 'skipped'] as const) assert.equal(imageAfter(ended('update', outcome, 'app:2')), undefined, outcome);
    assert.equal(imageAfter(ended('rollback', 'success', 'sha256:0123456789abcdef0123456789abcdef')), undefined, 'a snapshot restored by image ID');
  });

  test('on with Settings composeSync; Container spec.composeSync overrides either way; a pinned container never', () => {
    assert.equal(composeSyncEnabled(composeContainer('auto'), { composeSync: true }), true);
    assert.equal(composeSyncEnabled(composeContainer('auto'), {}), false);
    assert.equal(composeSyncEnabled(composeContainer('auto', { composeSync: false }), { composeSync: true }), false);
    assert.equal(composeSyncEnabled(composeContainer('manual', { composeSync: true }), {}), true);
    assert.equal(composeSyncEnabled(composeContainer('pinned', { composeSync: true }), { composeSync: true }), false);
  });

  test('an update syncs the file and says so in a step and the ComposeSynced condition; a pinned one touches nothing', async () => {
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: app:1\n');
    assert.equal(await composeSyncStep(ended('update', 'success', 'app:2'), composeContainer('pinned'), { composeSync: true }, () => 0), undefined);
    assert.equal(readFileSync(join(dir, 'compose.yaml'), 'utf8'), 'services:\n  web:\n    image: app:1\n');
    const result = await composeSyncStep(ended('update', 'success', 'app:2'), composeContainer('auto'), { composeSync: true }, () => 0);
    assert.equal(readFileSync(join(dir, 'compose.yaml'), 'utf8'), 'services:\n  web:\n    image: app:2\n');
    assert.deepEqual([result?.step.name, result?.step.outcome, result?.condition.type, result?.condition.status, result?.condition.reason], ['composeSync', 'success', 'ComposeSynced', 'True', 'Synced']);
    const back = await composeSyncStep(ended('rollback', 'success', 'app:1'), composeContainer('auto'), { composeSync: true }, () => 0);
    assert.equal(back?.condition.reason, 'Synced');
    assert.equal(readFileSync(join(dir, 'compose.yaml'), 'utf8'), 'services:\n  web:\n    image: app:1\n', 'the rollback writes the old reference back');
  });

  test('a container without compose labels has nothing to sync', async () => {
    const plain = composeContainer('auto');
    delete plain.status?.compose;
    assert.equal(await composeSyncStep(ended('update', 'success', 'app:2'), plain, { composeSync: true }, () => 0), undefined);
  });
});
