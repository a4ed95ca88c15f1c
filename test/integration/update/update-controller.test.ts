// The update controller on a real engine and the registry test bed, driven only through resources, as `vigil serve`
// runs it: a registry check finding an update → the policy → the updated container → an UpdateRecord and a Snapshot;
// manual policy waiting for an approval; pinned never updating; dry-run and pull-only; a failing health check rolled
// back to the old image ID after the tag moved, with the rollback policy (and git owning it); dependency order by start
// times; a cycle; the concurrency bound.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { containerResourceName } from '../../../schemas/container-name.ts';
import type { Container } from '../../../schemas/generated/types.ts';
import { findCondition } from '../../../controllers/runtime/index.ts';
import { isActive } from '../../../controllers/update/controller/desired.ts';
import { buildTestImage, startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { freePort } from '../../testbed/daemon.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { startRegistry, type TestRegistry } from '../../testbed/registry.ts';
import { startUpdateStack, type UpdateStack } from './controller-stack.ts';
import { SERVE } from './update-testbed.ts';

interface Inspected {
  Id: string;
  Image: string;
  Config: { Image: string; Env: string[] };
  State: { Running: boolean; StartedAt: string };
  HostConfig: { PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>>; RestartPolicy: { Name: string } };
}

function specPolicyManagers(container: Container): string[] {
  return (container.metadata.managedFields ?? [])
    .filter((entry) => {
      const spec = (entry.fieldsV1 as Record<string, Record<string, unknown> | undefined> | undefined)?.['f:spec'];
      return spec !== undefined && 'f:policy' in spec;
    })
    .map((entry) => entry.manager ?? '');
}

describe('the update controller on a real engine', () => {
  let engine: DockerEngine;
  let registry: TestRegistry;
  let stack: UpdateStack;
  const ref = (repository: string, tag: string): string => `${registry.server}/team/${repository}:${tag}`;
  const inspect = async (name: string): Promise<Inspected> => (await engine.inspect(name)) as unknown as Inspected;
  const imageID = async (reference: string): Promise<string> => (await engine.docker(['image', 'inspect', '--format', '{{.Id}}', reference])).trim();
  const hasImage = async (reference: string): Promise<boolean> => await engine.docker(['image', 'inspect', reference]).then(() => true, () => false);
  /** Builds VERSION and pushes it as REPOSITORY:TAG (each tag given), leaving it only in the registry unless `keep`. */
  const publish = async (repository: string, tags: string[], version: string, health: 'ok' | 'fail' = 'ok', keep = false): Promise<void> => {
    const first = ref(repository, tags[0] ?? version);
    await buildTestImage(engine, { tag: first, version, health, cmd: ['sh', '-c', SERVE] });
    for (const tag of tags) {
      if (ref(repository, tag) !== first) await engine.docker(['tag', first, ref(repository, tag)]);
      await engine.docker(['push', ref(repository, tag)], { timeoutMs: 120_000 });
    }
    if (!keep) await engine.docker(['rmi', ...tags.map((tag) => ref(repository, tag))]);
  };
  const run = async (name: string, image: string, args: string[] = []): Promise<string> => (await engine.docker(['run', '-d', '--name', name, ...args, image])).trim();
  const ended = (name: string, timeoutMs = deadlines.containerCondition): Promise<Container> => stack.waitFor(name, 'an operation ended and was recorded', (status) => status.lastUpdate !== undefined && !isActive(status.operation), timeoutMs);

  before(async () => {
    [engine, registry] = await Promise.all([startDockerEngine({ name: 'upd-ctl' }), startRegistry()]);
    await publish('app', ['1'], '1', 'ok', true);
    await publish('app', ['2'], '2');
    await publish('other', ['1'], 'other-1', 'ok', true);
    await publish('other', ['2'], 'other-2');
    stack = await startUpdateStack({ dockerHost: engine.host, testRegistry: registry });
  });
  after(async () => {
    await stack?.close();
    await Promise.all([engine?.cleanup(), registry?.cleanup()]);
  });

  test('a registry check finding app:2 → auto policy → the container runs app:2 with its own settings; an UpdateRecord and a Snapshot say so', async () => {
    const port = await freePort();
    const oldID = await run('flow', ref('app', '1'), ['-l', 'sentinel.policy=auto', '-p', `127.0.0.1:${port}:8080`, '-e', 'MODE=production', '--restart', 'unless-stopped']);
    const before = await stack.waitFor('flow', 'discovered', (status) => status.id === oldID && status.effective?.policy?.value === 'auto');
    const checked = await stack.check('flow');
    assert.equal(checked.registryCheck?.updateAvailable, true);
    assert.equal(checked.registryCheck?.target?.image, ref('app', '2'));
    const container = await ended('flow');
    const status = container.status ?? {};
    assert.equal(status.lastUpdate?.outcome, 'success', status.lastUpdate?.error);
    assert.equal(container.metadata.uid, before.metadata.uid, 'the same resource across the recreate');
    const web = await inspect('flow');
    assert.notEqual(web.Id, oldID);
    assert.equal(web.Image, await imageID(ref('app', '2')));
    assert.equal(web.Config.Image, ref('app', '2'));
    assert.ok(web.Config.Env.includes('MODE=production'));
    assert.deepEqual(web.HostConfig.PortBindings['8080/tcp'], [{ HostIp: '127.0.0.1', HostPort: String(port) }]);
    assert.equal(web.HostConfig.RestartPolicy.Name, 'unless-stopped');
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404, 'httpd of the new container answers on the same port');
    const [record] = await stack.records('flow');
    assert.deepEqual(
      [record?.spec.type, record?.spec.outcome, record?.spec.reason, record?.spec.oldImage, record?.spec.newImage, record?.spec.newDigest],
      ['update', 'success', 'Auto', ref('app', '1'), ref('app', '2'), checked.registryCheck?.target?.digest],
    );
    assert.equal(record?.metadata.name, status.lastUpdate?.record);
    const snapshot = await stack.registry.get('Snapshot', 'local', record?.spec.snapshot ?? '');
    assert.equal((snapshot.spec as { containerID: string }).containerID, oldID);
    assert.equal(snapshot.metadata.ownerReferences?.[0]?.uid, container.metadata.uid);
    const names = (await engine.docker(['ps', '-a', '--format', '{{.Names}}'])).split('\n').filter((name) => name.startsWith('flow'));
    assert.deepEqual(names, ['flow'], 'exactly one container, no recovery copy');
    const resources = await stack.registry.list('Container', { namespace: 'local' });
    assert.ok(!resources.items.some((item) => item.metadata.name.includes('vigil-old')), 'the old container put aside never became a resource');
  });

  test('manual policy: the update waits in the queue until it is approved, then exactly the approved digest is applied', async () => {
    const oldID = await run('manual', ref('app', '1'), ['-l', 'sentinel.policy=manual']);
    const checked = await stack.check('manual');
    assert.equal(checked.pendingUpdate?.targetImage, ref('app', '2'));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal((await stack.container('manual'))?.status?.operation, undefined);
    assert.equal((await inspect('manual')).Id, oldID);
    const requestedAt = new Date().toISOString();
    await stack.registry.modify('Container', 'local', 'manual', (current) => ({ ...current, spec: { ...(current.spec as object), update: { requestedAt, reason: 'Approved', digest: checked.pendingUpdate?.remoteDigest, version: '2' } } }));
    const container = await stack.waitFor('manual', 'approval handled', (status) => status.handledRequests?.update === requestedAt);
    assert.equal(container.status?.lastUpdate?.outcome, 'success', container.status?.lastUpdate?.error);
    assert.equal((await inspect('manual')).Config.Image, ref('app', '2'));
  });

  test('pinned: an update the registry check found is never applied', async () => {
    const oldID = await run('pinned', ref('app', '1'), ['-l', 'sentinel.policy=pinned']);
    const checked = await stack.check('pinned');
    assert.equal(checked.registryCheck?.updateAvailable, true);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal((await inspect('pinned')).Id, oldID);
    assert.deepEqual(await stack.records('pinned'), []);
  });

  test('dry-run records the auto-update without pulling; pull-only pulls without touching the container', async () => {
    await stack.settings({ dryRun: true });
    try {
      const dryID = await run('dry', ref('other', '1'), ['-l', 'sentinel.policy=auto']);
      await stack.check('dry');
      const container = await ended('dry');
      assert.equal(container.status?.lastUpdate?.outcome, 'dry_run');
      assert.equal(await hasImage(ref('other', '2')), false, 'nothing pulled');
      assert.equal((await inspect('dry')).Id, dryID);
      assert.equal((await inspect('dry')).State.Running, true);
    } finally {
      await stack.settings({ dryRun: false });
    }
    const pullID = await run('pullonly', ref('other', '1'), ['-l', 'sentinel.policy=auto', '-l', 'sentinel.pull-only=true']);
    await stack.check('pullonly');
    const container = await ended('pullonly');
    assert.equal(container.status?.lastUpdate?.outcome, 'pull_only');
    assert.equal(await hasImage(ref('other', '2')), true, 'pulled');
    const after = await inspect('pullonly');
    assert.equal(after.Id, pullID);
    assert.equal(after.State.Running, true);
    assert.equal(after.Image, await imageID(ref('other', '1')));
  });

  test('a new image whose health check fails is rolled back to the exact old image ID although the tag moved to it, and the rollback policy pins the container', async () => {
    await stack.settings({ rollbackPolicy: 'pinned' });
    await publish('moving', ['stable'], 'good', 'ok', true);
    const goodID = await imageID(ref('moving', 'stable'));
    const oldID = await run('moving', ref('moving', 'stable'), ['-l', 'sentinel.policy=auto']);
    await stack.waitFor('moving', 'discovered', (status) => status.id === oldID && status.repoDigests !== undefined);
    // The tag moves on to an image that never becomes healthy.
    await publish('moving', ['stable'], 'broken', 'fail');
    const checked = await stack.check('moving');
    assert.equal(checked.registryCheck?.target?.tag, 'stable');
    const container = await ended('moving');
    assert.equal(container.status?.lastUpdate?.outcome, 'rollback', container.status?.lastUpdate?.error);
    const web = await inspect('moving');
    assert.equal(web.Id, oldID, 'the old container itself is back');
    assert.equal(web.Image, goodID, 'on the old image ID');
    // The registry's tag names the broken image, but the rollback put the local tag back on the old image.
    assert.equal(web.Config.Image, ref('moving', 'stable'));
    assert.equal(await imageID(ref('moving', 'stable')), goodID, 'the local tag names the old image again');
    assert.equal(web.State.Running, true);
    assert.equal(container.spec?.policy, 'pinned');
    assert.deepEqual(specPolicyManagers(container), ['vigil-rollback']);
    const [record] = await stack.records('moving');
    assert.match(record?.spec.error ?? '', /unhealthy|not healthy/);
    assert.ok(record?.spec.steps?.some((step) => step.name === 'rollbackRename'));
  });

  test('when git owns spec.policy, the rollback policy is reported (PolicyOwnedByGit), not forced, and the broken digest is not retried', async () => {
    await stack.settings({ rollbackPolicy: 'pinned' });
    await publish('gitowned', ['stable'], 'good', 'ok', true);
    const oldID = await run('gitowned', ref('gitowned', 'stable'));
    await stack.waitFor('gitowned', 'discovered', (status) => status.id === oldID && status.repoDigests !== undefined);
    await stack.registry.apply(
      { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'gitowned', namespace: 'local', labels: { 'vigil.dev/managed-by': 'gitops' } }, spec: { policy: 'auto' } },
      { fieldManager: 'vigil-gitops', force: true },
    );
    await stack.waitFor('gitowned', 'auto from git', (status) => status.effective?.policy?.value === 'auto');
    await publish('gitowned', ['stable'], 'broken', 'fail');
    await stack.check('gitowned');
    const container = await ended('gitowned');
    assert.equal(container.status?.lastUpdate?.outcome, 'rollback');
    assert.equal(findCondition(container.status?.conditions, 'Updating')?.reason, 'PolicyOwnedByGit');
    assert.equal(container.spec?.policy, 'auto');
    assert.deepEqual(specPolicyManagers(container), ['vigil-gitops']);
    assert.equal((await inspect('gitowned')).Id, oldID);
    await stack.check('gitowned');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal((await stack.records('gitowned')).length, 1, 'the same broken digest is not tried again');
    assert.equal((await inspect('gitowned')).Id, oldID);
  });

  test('dependencies update first: the new db starts before the new app, whichever was checked first; a cycle is reported and still updated', async () => {
    await run('db', ref('app', '1'), ['-l', 'sentinel.policy=auto']);
    await run('app', ref('app', '1'), ['-l', 'sentinel.policy=auto', '-l', 'sentinel.depends-on=db']);
    await stack.waitFor('app', 'depends on db', (status) => status.effective?.dependsOn?.value.includes('db') === true);
    await stack.check('app');
    await stack.check('db');
    const [app, db] = await Promise.all([ended('app'), ended('db')]);
    assert.equal(app.status?.lastUpdate?.outcome, 'success');
    assert.equal(db.status?.lastUpdate?.outcome, 'success');
    const [dbStarted, appStarted] = [Date.parse((await inspect('db')).State.StartedAt), Date.parse((await inspect('app')).State.StartedAt)];
    assert.ok(dbStarted < appStarted, `db started ${new Date(dbStarted).toISOString()}, app ${new Date(appStarted).toISOString()}`);
    const [dbRecord] = await stack.records('db');
    const [appRecord] = await stack.records('app');
    assert.ok((dbRecord?.spec.finishedAt ?? '') <= (appRecord?.spec.startedAt ?? ''));

    await run('ping', ref('app', '1'), ['-l', 'sentinel.policy=auto', '-l', 'sentinel.depends-on=pong']);
    await run('pong', ref('app', '1'), ['-l', 'sentinel.policy=auto', '-l', 'sentinel.depends-on=ping']);
    await stack.check('ping');
    await stack.check('pong');
    for (const container of await Promise.all([ended('ping'), ended('pong')])) {
      assert.equal(container.status?.lastUpdate?.outcome, 'success');
      assert.equal(findCondition(container.status?.conditions, 'DependencyCycle')?.status, 'True');
    }
  });

  test('no more than Settings.updateConcurrency updates run at once', async () => {
    await stack.settings({ updateConcurrency: 2 });
    const names = ['many1', 'many2', 'many3', 'many4', 'many5'];
    for (const name of names) await run(name, ref('app', '1'), ['-l', 'sentinel.policy=auto']);
    for (const name of names) await stack.waitFor(name, 'discovered', (status) => status.repoDigests !== undefined && status.effective !== undefined);
    let most = 0;
    let done = false;
    const sampling = (async () => {
      while (!done) {
        const list = await stack.registry.list('Container', { namespace: 'local' });
        most = Math.max(most, list.items.filter((item) => names.includes(item.metadata.name) && isActive((item as unknown as Container).status?.operation)).length);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await Promise.all(names.map((name) => stack.check(name)));
    const containers = await Promise.all(names.map((name) => ended(name, deadlines.containerCondition)));
    done = true;
    await sampling;
    assert.deepEqual(containers.map((container) => container.status?.lastUpdate?.outcome), names.map(() => 'success'));
    assert.equal(most, 2);
    assert.equal(containerResourceName('many1'), 'many1');
  });
});
