// The container list's layout rules (web/src/pages/containers/layout.ts): host groups, stack order from Settings
// stackOrder, the columns of Settings dashboardColumns, and the order a Move up/down saves.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { groupRows, movedStack, orderedStacks, visibleColumns } from '../../../web/src/pages/containers/layout.ts';
import { gitOwnedSpecFields, NO_STACK, rowOf } from '../../../web/src/live/container-view.ts';
import type { Container } from '../../../schemas/generated/types.ts';

function container(namespace: string, name: string, project?: string): Container {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Container',
    metadata: { namespace, name },
    status: { name, image: 'nginx:1.27', state: 'running', ...(project === undefined ? {} : { compose: { project } }) },
  } as Container;
}

describe('container list layout', () => {
  test('stacks in the saved order first, the others by name, no stack last; unknown and repeated names ignored', () => {
    assert.deepEqual(orderedStacks(['media', NO_STACK, 'db', 'apps', 'web'], ['web', 'gone', 'db', 'web']), ['web', 'db', 'apps', 'media', NO_STACK]);
    assert.deepEqual(orderedStacks(['b', 'a'], undefined), ['a', 'b']);
    assert.deepEqual(orderedStacks([NO_STACK], [NO_STACK]), [NO_STACK]);
  });

  test('rows group by host (local first, then by name) and by stack in the saved order, rows by name', () => {
    const rows = [
      container('nas', 'plex', 'media'),
      container('local', 'zeta', 'web'),
      container('local', 'alpha', 'web'),
      container('local', 'pg', 'db'),
      container('local', 'lonely'),
      container('edge', 'proxy', 'web'),
    ].map(rowOf);
    const groups = groupRows(rows, ['web']);
    assert.deepEqual(groups.map((group) => group.host), ['local', 'edge', 'nas']);
    assert.deepEqual(groups[0]?.stacks.map((stack) => [stack.stack, stack.rows.map((row) => row.dockerName)]), [
      ['web', ['alpha', 'zeta']],
      ['db', ['pg']],
      [NO_STACK, ['lonely']],
    ]);
  });

  test('columns: absent or empty shows all; unknown keys are ignored; a chosen subset shows only it', () => {
    assert.equal(visibleColumns(undefined).size, 7);
    assert.equal(visibleColumns([]).size, 7);
    assert.equal(visibleColumns(['ports']).size, 7, 'only unknown keys: as if none were chosen');
    assert.deepEqual([...visibleColumns(['status', 'image', 'ports'])].sort(), ['image', 'status']);
  });

  test('moving a stack saves every shown stack in the new order (no stack never in it); at an end nothing moves', () => {
    const shown = ['web', 'db', 'apps', NO_STACK];
    assert.deepEqual(movedStack(shown, 'db', -1), ['db', 'web', 'apps']);
    assert.deepEqual(movedStack(shown, 'db', 1), ['web', 'apps', 'db']);
    assert.deepEqual(movedStack(shown, 'web', -1), ['web', 'db', 'apps']);
    assert.deepEqual(movedStack(shown, 'apps', 1), ['web', 'db', 'apps']);
  });

  test('git-owned spec fields come from the vigil-gitops managedFields entry, not from other managers', () => {
    const owned = container('local', 'app');
    owned.metadata.managedFields = [
      { manager: 'vigil-gitops', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:policy': {}, 'f:versionScope': {} }, 'f:metadata': { 'f:labels': {} } } },
      { manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:spec': { 'f:notifyMode': {} } } },
    ];
    assert.deepEqual([...gitOwnedSpecFields(owned)].sort(), ['policy', 'versionScope']);
    assert.equal(gitOwnedSpecFields(container('local', 'plain')).size, 0);
  });
});
