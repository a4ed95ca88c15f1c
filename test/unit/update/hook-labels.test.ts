// Settings.hooksWriteLabels: which sentinel.hook.* labels a recreate writes from the Hook resources, that Vigil's own
// copies are recognised (and not run twice), and that labels a person set are never overwritten.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Hook } from '../../../schemas/generated/types.ts';
import { HOOK_LABELS_OWNER, hookLabelChanges, hookLabelsWrittenByVigil, shellCommand } from '../../../controllers/update/controller/hook-labels.ts';
import { resolveHooks } from '../../../controllers/update/controller/hooks.ts';
import { applyLabelChanges } from '../../../controllers/update/recreate/labels.ts';

function hook(name: string, phase: 'pre-update' | 'post-update', command: [string, ...string[]], timeoutSeconds?: number): Hook {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'Hook', metadata: { name }, spec: { phase, command, ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }) } };
}

function containerWith(labels: Record<string, string>): Container {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'db', namespace: 'local' }, spec: { containerName: 'db' }, status: { name: 'db', labels, effective: { hooksEnabled: { value: true, source: 'settings' } } } };
}

describe('hooksWriteLabels label changes', () => {
  test('hooksWriteLabels writes each phase as a shell command, the longest timeout, and the owner digest', () => {
    const changes = hookLabelChanges({ hooksWriteLabels: true }, { app: 'db' }, [
      hook('a-dump', 'pre-update', ['sh', '-c', 'pg_dump > /backup.sql'], 60),
      hook('b-warm', 'post-update', ['curl', '-s', 'http://localhost/warm up']),
    ]);
    assert.deepEqual(changes?.remove, []);
    assert.equal(changes?.set['sentinel.hook.pre-update'], 'pg_dump > /backup.sql');
    assert.equal(changes?.set['sentinel.hook.post-update'], "curl -s 'http://localhost/warm up'");
    assert.equal(changes?.set['sentinel.hook.timeout'], '60');
    const labels = applyLabelChanges({ app: 'db' }, changes ?? { set: {}, remove: [] });
    assert.equal(labels.app, 'db');
    assert.equal(hookLabelsWrittenByVigil(labels), true);
    assert.match(labels[HOOK_LABELS_OWNER] ?? '', /^[0-9a-f]{16}$/);
  });

  test('several Hooks of one phase run in order, each only after the one before succeeded', () => {
    const changes = hookLabelChanges({ hooksWriteLabels: true }, {}, [hook('a', 'pre-update', ['one']), hook('b', 'pre-update', ['sh', '-c', 'two; three'])]);
    assert.equal(changes?.set['sentinel.hook.pre-update'], '(one) && (two; three)');
  });

  test('hooksWriteLabels false (the default) writes nothing', () => {
    assert.equal(hookLabelChanges(undefined, {}, [hook('a', 'pre-update', ['one'])]), undefined);
    assert.equal(hookLabelChanges({ hooksWriteLabels: false }, {}, [hook('a', 'pre-update', ['one'])]), undefined);
  });

  test('hook labels a person set are never overwritten', () => {
    assert.equal(hookLabelChanges({ hooksWriteLabels: true }, { 'sentinel.hook.pre-update': 'my-own' }, [hook('a', 'pre-update', ['one'])]), undefined);
  });

  test('labels Vigil wrote follow the Hook resources: a deleted Hook takes its label with it', () => {
    const written = applyLabelChanges({}, hookLabelChanges({ hooksWriteLabels: true }, {}, [hook('a', 'pre-update', ['one']), hook('b', 'post-update', ['two'])]) ?? { set: {}, remove: [] });
    const changes = hookLabelChanges({ hooksWriteLabels: true }, written, [hook('a', 'pre-update', ['one'])]);
    assert.deepEqual(changes?.remove, ['sentinel.hook.post-update']);
    const after = applyLabelChanges(written, changes ?? { set: {}, remove: [] });
    assert.equal(after['sentinel.hook.pre-update'], 'one');
    assert.equal(hookLabelsWrittenByVigil(after), true);
    const none = hookLabelChanges({ hooksWriteLabels: true }, after, []);
    assert.deepEqual(applyLabelChanges(after, none ?? { set: {}, remove: [] }), {});
    assert.equal(hookLabelChanges({ hooksWriteLabels: true }, after, [hook('a', 'pre-update', ['one'])]), undefined, 'nothing changes: no change');
  });

  test('labels Vigil wrote are not run as label hooks again; edited ones are the user\'s and run', () => {
    const hooks = [hook('a', 'pre-update', ['one'])];
    const written = applyLabelChanges({}, hookLabelChanges({ hooksWriteLabels: true }, {}, hooks) ?? { set: {}, remove: [] });
    assert.deepEqual(resolveHooks(containerWith(written), hooks).preHooks.map((entry) => entry.source), ['hook/a']);
    const edited = { ...written, 'sentinel.hook.pre-update': 'edited' };
    assert.deepEqual(resolveHooks(containerWith(edited), hooks).preHooks.map((entry) => entry.source), ['label', 'hook/a']);
  });

  test('an argv becomes a command the shell splits back into the same words', () => {
    assert.equal(shellCommand(['echo', "it's", 'a b', 'plain']), "echo 'it'\\''s' 'a b' plain");
    assert.equal(shellCommand(['/bin/sh', '-c', 'exit 75']), 'exit 75');
  });
});
