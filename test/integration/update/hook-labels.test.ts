// Settings.hooksWriteLabels on a real engine: a Hook resource selecting a container (as POST /api/hooks/{container}
// writes it) is written onto the container the update recreates as Sentinel's sentinel.hook.* labels, and the hook
// still runs once, not a second time from its own label copy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from '../../../schemas/generated/types.ts';
import { isActive } from '../../../controllers/update/controller/desired.ts';
import { buildTestImage, startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { startRegistry, type TestRegistry } from '../../testbed/registry.ts';
import { startUpdateStack, type UpdateStack } from './controller-stack.ts';
import { SERVE } from './update-testbed.ts';

describe('Settings.hooksWriteLabels on a real engine', () => {
  let engine: DockerEngine;
  let registry: TestRegistry;
  let stack: UpdateStack;
  const ref = (tag: string): string => `${registry.server}/team/hooked:${tag}`;
  const ended = (name: string): Promise<Container> => stack.waitFor(name, 'an operation ended and was recorded', (status) => status.lastUpdate !== undefined && !isActive(status.operation), 120_000);

  /** Where the hooks of the container's last operation came from (fixed in its options when it started). */
  const hookSources = (container: Container): string[] => {
    const options = (container.status?.operation?.details as { options?: { preHooks?: Array<{ source?: string }>; postHooks?: Array<{ source?: string }> } } | undefined)?.options;
    return [...(options?.preHooks ?? []), ...(options?.postHooks ?? [])].map((hook) => hook.source ?? '');
  };

  before(async () => {
    [engine, registry] = await Promise.all([startDockerEngine({ name: 'hook-labels' }), startRegistry()]);
    for (const version of ['1', '2']) {
      await buildTestImage(engine, { tag: ref(version), version, health: 'ok', cmd: ['sh', '-c', SERVE] });
      await engine.docker(['push', ref(version)], { timeoutMs: 120_000 });
    }
    await engine.docker(['rmi', ref('2')]);
    stack = await startUpdateStack({ dockerHost: engine.host, testRegistry: registry, settings: { hooksEnabled: true, hooksWriteLabels: true } });
  });
  after(async () => {
    await stack?.close();
    await Promise.all([engine?.cleanup(), registry?.cleanup()]);
  });

  test('hooksWriteLabels: the recreated container carries the Hook resources as sentinel.hook.* labels, and each hook ran once from its Hook resource', async () => {
    // The Hooks POST /api/hooks/hooked writes: one per phase, selecting exactly this container.
    await stack.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Hook', metadata: { name: 'local-hooked-pre-update' }, spec: { phase: 'pre-update', command: ['sh', '-c', 'echo pre-update'], timeoutSeconds: 45, containerNames: ['hooked'], hosts: ['local'] } });
    await stack.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Hook', metadata: { name: 'local-hooked-post-update' }, spec: { phase: 'post-update', command: ['echo', 'post update'], containerNames: ['hooked'], hosts: ['local'] } });
    const oldID = (await engine.docker(['run', '-d', '--name', 'hooked', '-l', 'sentinel.policy=auto', '-l', 'team=db', ref('1')])).trim();
    await stack.check('hooked');
    const container = await ended('hooked');
    assert.equal(container.status?.lastUpdate?.outcome, 'success', container.status?.lastUpdate?.error);
    const inspect = (await engine.inspect('hooked')) as unknown as { Id: string; Config: { Image: string; Labels: Record<string, string> } };
    assert.notEqual(inspect.Id, oldID);
    assert.equal(inspect.Config.Image, ref('2'));
    const labels = inspect.Config.Labels;
    assert.equal(labels['sentinel.hook.pre-update'], 'echo pre-update');
    assert.equal(labels['sentinel.hook.post-update'], "echo 'post update'");
    assert.equal(labels['sentinel.hook.timeout'], '45');
    assert.match(labels['vigil.dev/hook-labels'] ?? '', /^[0-9a-f]{16}$/);
    assert.equal(labels.team, 'db', 'the container\'s own labels are kept');
    assert.equal(labels['sentinel.policy'], 'auto');
    assert.deepEqual(hookSources(container), ['hook/local-hooked-pre-update', 'hook/local-hooked-post-update']);
  });

  test('hooksWriteLabels: at the next update the label copies are not run as label hooks a second time', async () => {
    await buildTestImage(engine, { tag: ref('3'), version: '3', health: 'ok', cmd: ['sh', '-c', SERVE] });
    await engine.docker(['push', ref('3')], { timeoutMs: 120_000 });
    await engine.docker(['rmi', ref('3')]);
    const before = await stack.container('hooked');
    assert.equal(before?.status?.labels?.['sentinel.hook.pre-update'], 'echo pre-update', 'the inventory sees the written labels');
    // Update to the chosen tag 3 (REST update-to-version), as a request.
    const requestedAt = new Date().toISOString();
    await stack.registry.modify('Container', 'local', before?.metadata.name ?? 'hooked', (current) => ({ ...current, spec: { ...(current.spec as object), update: { requestedAt, reason: 'ChosenTag', tag: '3' } } }));
    const container = await stack.waitFor('hooked', 'the update request handled', (status) => status.handledRequests?.update === requestedAt && !isActive(status.operation), 120_000);
    assert.equal(container.status?.lastUpdate?.outcome, 'success', container.status?.lastUpdate?.error);
    assert.equal(container.status?.lastUpdate?.newImage, ref('3'));
    assert.deepEqual(hookSources(container), ['hook/local-hooked-pre-update', 'hook/local-hooked-post-update']);
    const labels = ((await engine.inspect('hooked')) as unknown as { Config: { Labels: Record<string, string> } }).Config.Labels;
    assert.equal(labels['sentinel.hook.pre-update'], 'echo pre-update');
  });
});
