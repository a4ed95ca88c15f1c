// Server-side apply's field arithmetic: shapes read from our schemas, field sets and their FieldsV1 form, the
// comparison, merge and removal walks, and ownership across Update and Apply managers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findKindByName, type ResourceKind } from '../../../../schemas/index.ts';
import { FieldSet, pathString } from '../../../../apiserver/resources/apply/field-set.ts';
import { compare, fieldsOf, merge, removeFields } from '../../../../apiserver/resources/apply/object-fields.ts';
import { kindShape, childShape } from '../../../../apiserver/resources/apply/schema-shape.ts';
import { ApplyConflictError, decodeManagedFields, encodeManagedFields, mergeApplied, recordApply, recordUpdate, type Managers, type Writer } from '../../../../apiserver/resources/apply/managed-fields.ts';

function kind(name: string): ResourceKind {
  const found = findKindByName(name);
  if (found === undefined) throw new Error(`no kind ${name}`);
  return found;
}

const containerShape = kindShape(kind('Container'));
const policyShape = kindShape(kind('UpdatePolicy'));
const paths = (set: FieldSet): string[] => [...set.paths()].map(pathString);
const writer = (manager: string, time = '2026-11-22T15:00:00Z'): Writer => ({ manager, subresource: undefined, apiVersion: 'vigil.dev/v1alpha1', time });

describe('schema shapes', () => {
  test('structs, granular maps, set lists, map lists and atomic lists come from the schemas', () => {
    const metadata = childShape(containerShape, 'metadata');
    assert.equal(metadata.type, 'struct');
    assert.equal(childShape(metadata, 'labels').type, 'map');
    assert.equal(childShape(metadata, 'finalizers').type, 'set');
    const owners = childShape(metadata, 'ownerReferences');
    assert.equal(owners.type, 'listMap');
    assert.deepEqual(owners.type === 'listMap' ? owners.keys : [], ['uid']);
    const status = childShape(containerShape, 'status');
    const conditions = childShape(status, 'conditions');
    assert.equal(conditions.type, 'listMap');
    assert.equal(childShape(childShape(containerShape, 'spec'), 'dependsOn').type, 'set');
    assert.equal(childShape(childShape(metadata, 'managedFields'), 'x').type, 'map', 'managedFields is atomic: its items are not granular');
    assert.equal(childShape(metadata, 'managedFields').type, 'atomic');
  });
});

describe('field sets', () => {
  test('FieldsV1 round trip: a member with children carries "."', () => {
    const set = FieldSet.of([['f:metadata', 'f:labels'], ['f:metadata', 'f:labels', 'f:app'], ['f:spec', 'f:policy'], ['f:spec', 'f:dependsOn', 'v:"db"']]);
    const fields = set.toFieldsV1();
    assert.deepEqual(fields, {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { 'f:dependsOn': { 'v:"db"': {} }, 'f:policy': {} },
    });
    assert.ok(FieldSet.fromFieldsV1(fields).equals(set));
  });

  test('paths print as Kubernetes prints them', () => {
    assert.equal(pathString(['f:spec', 'f:policy']), '.spec.policy');
    assert.equal(pathString(['f:status', 'f:conditions', 'k:{"type":"Ready"}', 'f:status']), '.status.conditions[type="Ready"].status');
    assert.equal(pathString(['f:spec', 'f:dependsOn', 'v:"db"']), '.spec.dependsOn[="db"]');
  });

  test('difference removes exact paths only; touches sees descendants', () => {
    const set = FieldSet.of([['f:a'], ['f:a', 'f:b']]);
    assert.deepEqual(paths(set.difference(FieldSet.of([['f:a']]))), ['.a.b']);
    assert.ok(FieldSet.of([['f:a', 'f:b', 'f:c']]).touches(['f:a']));
    assert.ok(!FieldSet.of([['f:a', 'f:b']]).touches(['f:x']));
  });
});

describe('object walks', () => {
  test('an applied configuration owns its leaves, map entries and list items, not the structs around them', () => {
    const config = {
      metadata: { labels: { app: 'web' }, finalizers: ['a'] },
      spec: { policy: 'auto', dependsOn: ['db', 'cache'], portConfig: {} },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    assert.deepEqual(paths(fieldsOf(config, containerShape)).sort(), [
      '.metadata.finalizers[="a"]',
      '.metadata.labels.app',
      '.spec.dependsOn[="cache"]',
      '.spec.dependsOn[="db"]',
      '.spec.policy',
      '.spec.portConfig',
      '.status.conditions[type="Ready"]',
      '.status.conditions[type="Ready"].status',
      '.status.conditions[type="Ready"].type',
    ]);
  });

  test('an atomic list is one field; a set list is one field per value', () => {
    const policy = { spec: { containerNames: ['web*', 'db'] } };
    const shape = childShape(childShape(policyShape, 'spec'), 'containerNames');
    assert.equal(shape.type, 'set');
    const hook = kindShape(kind('Hook'));
    const command = childShape(childShape(hook, 'spec'), 'command');
    assert.equal(command.type, 'atomic');
    assert.deepEqual(paths(fieldsOf({ spec: { command: ['sh', '-c', 'true'] } }, hook)), ['.spec.command']);
    assert.deepEqual(paths(fieldsOf(policy, policyShape)), ['.spec.containerNames[="db"]', '.spec.containerNames[="web*"]']);
  });

  test('compare reports added, modified and removed leaves, and containers that appeared or went', () => {
    const before = { metadata: { labels: { a: '1', b: '2' } }, spec: { policy: 'auto' } };
    const after = { metadata: { labels: { a: '1', c: '3' }, annotations: { x: 'y' } }, spec: { policy: 'manual' } };
    const result = compare(before, after, policyShape);
    assert.deepEqual(paths(result.added), ['.metadata.annotations', '.metadata.annotations.x', '.metadata.labels.c']);
    assert.deepEqual(paths(result.modified), ['.spec.policy']);
    assert.deepEqual(paths(result.removed), ['.metadata.labels.b']);
  });

  test('merge: the configuration wins on leaves; maps, structs, sets and map lists merge; atomic lists are replaced', () => {
    const live = {
      metadata: { labels: { a: '1', b: '2' } },
      spec: { dependsOn: ['db'], portConfig: { keep: true } },
      status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Down' }, { type: 'Healthy', status: 'True' }] },
    };
    const config = {
      metadata: { labels: { b: 'two', c: '3' } },
      spec: { dependsOn: ['cache'] },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    assert.deepEqual(merge(live, config, containerShape), {
      metadata: { labels: { a: '1', b: 'two', c: '3' } },
      spec: { dependsOn: ['db', 'cache'], portConfig: { keep: true } },
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Down' }, { type: 'Healthy', status: 'True' }] },
    });
    const hook = kindShape(kind('Hook'));
    assert.deepEqual(merge({ spec: { command: ['a', 'b'] } }, { spec: { command: ['c'] } }, hook), { spec: { command: ['c'] } });
  });

  test('removeFields removes leaves and items, and containers the removal emptied', () => {
    const object = { metadata: { labels: { a: '1' }, annotations: {} }, spec: { dependsOn: ['db', 'cache'], policy: 'auto' } };
    const removed = removeFields(object, FieldSet.of([['f:metadata', 'f:labels', 'f:a'], ['f:spec', 'f:dependsOn', 'v:"db"']]), containerShape);
    assert.deepEqual(removed, { metadata: { annotations: {} }, spec: { dependsOn: ['cache'], policy: 'auto' } });
  });
});

describe('ownership', () => {
  const empty: Managers = new Map();

  test('an Update owns what it adds and changes, and takes it from others', () => {
    const first = recordUpdate(empty, {}, { spec: { policy: 'auto', schedule: '0 4 * * *' } }, policyShape, writer('create'));
    const second = recordUpdate(first, { spec: { policy: 'auto', schedule: '0 4 * * *' } }, { spec: { policy: 'manual', schedule: '0 4 * * *' } }, policyShape, writer('edit'));
    const entries = encodeManagedFields(second);
    assert.deepEqual(entries.map((entry) => [entry.manager, entry.fieldsV1]), [
      ['create', { 'f:spec': { '.': {}, 'f:schedule': {} } }],
      ['edit', { 'f:spec': { 'f:policy': {} } }],
    ]);
    assert.ok(decodeManagedFields(entries).size === 2);
  });

  test('an apply conflicts with another manager\'s field unless forced; the same value is shared, not contested', () => {
    const live = { spec: { policy: 'auto' } };
    const alice = recordApply({ managers: empty, live: undefined, config: live, result: live, shape: policyShape, writer: writer('alice'), force: false });
    const shared = recordApply({ managers: alice, live, config: live, result: live, shape: policyShape, writer: writer('bob'), force: false });
    assert.deepEqual(encodeManagedFields(shared).map((entry) => entry.manager), ['alice', 'bob']);
    const changed = { spec: { policy: 'manual' } };
    assert.throws(() => recordApply({ managers: alice, live, config: changed, result: changed, shape: policyShape, writer: writer('bob'), force: false }), (error: unknown) => {
      assert.ok(error instanceof ApplyConflictError);
      assert.equal(error.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.policy');
      return true;
    });
    const forced = recordApply({ managers: alice, live, config: changed, result: changed, shape: policyShape, writer: writer('bob'), force: true });
    assert.deepEqual(encodeManagedFields(forced).map((entry) => entry.manager), ['bob']);
  });

  test('a re-apply that changes nothing keeps the entry\'s time', () => {
    const config = { spec: { policy: 'auto' } };
    const first = recordApply({ managers: empty, live: undefined, config, result: config, shape: policyShape, writer: writer('m', '2026-11-22T15:00:00Z'), force: false });
    const again = recordApply({ managers: first, live: config, config, result: config, shape: policyShape, writer: writer('m', '2026-11-22T16:00:00Z'), force: false });
    assert.equal(encodeManagedFields(again)[0]?.time, '2026-11-22T15:00:00Z');
  });

  test('mergeApplied drops what the manager stopped applying, keeps what another manager still owns', () => {
    const applied = { metadata: { labels: { a: '1', b: '2', c: '3' } }, spec: { policy: 'auto', schedule: '0 4 * * *' } };
    let managers = recordApply({ managers: empty, live: undefined, config: applied, result: applied, shape: policyShape, writer: writer('gitops'), force: false });
    const other = { metadata: { labels: { c: '3' } } };
    managers = recordApply({ managers, live: applied, config: other, result: applied, shape: policyShape, writer: writer('other'), force: false });
    const next = { metadata: { labels: { a: '1' } }, spec: { policy: 'auto' } };
    const merged = mergeApplied({ managers, live: applied, config: next, shape: policyShape, manager: 'gitops', subresource: undefined });
    assert.deepEqual(merged, { metadata: { labels: { a: '1', c: '3' } }, spec: { policy: 'auto' } });
  });
});
