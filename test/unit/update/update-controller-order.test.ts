// Order and concurrency through the update controller on a fake engine: dependencies update before their dependents
// and the running dependents are restarted after; never two updates on one dependency chain; a cycle is reported, not
// looped on; at most Settings.updateConcurrency updates at once. Also hooks, retention and pull credentials.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findCondition } from '../../../controllers/runtime/index.ts';
import type { ContainerStatus } from '../../../schemas/generated/types.ts';
import { appConfig, ControllerWorld, fakeDigest, IMAGE_1, IMAGE_2, publishApp } from './controller-fixture.ts';
import { isActive } from '../../../controllers/update/controller/desired.ts';

const DIGEST_2 = fakeDigest(appConfig('2'));

async function statuses(world: ControllerWorld, names: readonly string[]): Promise<ContainerStatus[]> {
  return await Promise.all(names.map((name) => world.status(name)));
}

describe('order and concurrency of updates', () => {
  let world: ControllerWorld;
  afterEach(async () => {
    await world?.close();
  });

  test('a dependency updates before its dependent', async () => {
    world = await new ControllerWorld({ settings: { updateConcurrency: 4 } }).start();
    publishApp(world);
    await world.run('app', IMAGE_1, { labels: { 'sentinel.policy': 'auto', 'sentinel.depends-on': 'db' } });
    await world.run('db', IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    await world.offer('app', IMAGE_2, DIGEST_2);
    await world.offer('db', IMAGE_2, DIGEST_2);
    let appWaited = false;
    await world.until('both updated', async () => {
      const [app, db] = await statuses(world, ['app', 'db']);
      if (findCondition(app?.conditions, 'Updating')?.reason === 'WaitingForDependencies') appWaited = true;
      return app?.lastUpdate !== undefined && db?.lastUpdate !== undefined;
    });
    const [appRecord] = await world.records('app');
    const [dbRecord] = await world.records('db');
    assert.equal(appRecord?.spec.outcome, 'success');
    assert.equal(dbRecord?.spec.outcome, 'success');
    assert.ok(Date.parse(dbRecord?.spec.finishedAt ?? '') <= Date.parse(appRecord?.spec.startedAt ?? ''), `db ${dbRecord?.spec.finishedAt} before app ${appRecord?.spec.startedAt}`);
    assert.ok(appWaited, 'app said it waited for its dependency');
  });

  test('the running dependents of an updated container are restarted after it, and the record says so', async () => {
    world = await new ControllerWorld().start();
    publishApp(world);
    await world.run('db', IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    await world.run('app', IMAGE_1, { labels: { 'sentinel.depends-on': 'db' } });
    await world.run('worker', IMAGE_1, { labels: { 'com.example': 'unrelated' } });
    const appStarted = (await world.docker.inspectContainer('app', AbortSignal.timeout(100)))?.State.StartedAt;
    const workerStarted = (await world.docker.inspectContainer('worker', AbortSignal.timeout(100)))?.State.StartedAt;
    await world.clock.advance(1000);
    await world.offer('db', IMAGE_2, DIGEST_2);
    await world.until('db updated', async () => (await world.status('db')).lastUpdate !== undefined);
    const [record] = await world.records('db');
    const restart = record?.spec.steps?.find((step) => step.name === 'restartDependents');
    assert.equal(restart?.message, 'restarted app');
    const app = await world.docker.inspectContainer('app', AbortSignal.timeout(100));
    assert.equal(app?.State.Running, true);
    assert.ok(Date.parse(app?.State.StartedAt ?? '') > Date.parse(appStarted ?? ''), 'app started again');
    assert.ok(Date.parse(app?.State.StartedAt ?? '') >= Date.parse(record?.spec.steps?.find((step) => step.name === 'start')?.startedAt ?? ''), 'after db started');
    assert.equal((await world.docker.inspectContainer('worker', AbortSignal.timeout(100)))?.State.StartedAt, workerStarted, 'an unrelated container is left alone');
  });

  test('dependencyAware false: a dependent updates without waiting for its dependency', async () => {
    world = await new ControllerWorld({ settings: { updateConcurrency: 4, dependencyAware: false } }).start();
    publishApp(world);
    await world.run('app', IMAGE_1, { labels: { 'sentinel.policy': 'auto', 'sentinel.depends-on': 'db' } });
    await world.run('db', IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    await world.offer('app', IMAGE_2, DIGEST_2);
    await world.offer('db', IMAGE_2, DIGEST_2);
    let appWaited = false;
    await world.until('both updated', async () => {
      const [app, db] = await statuses(world, ['app', 'db']);
      if (findCondition(app?.conditions, 'Updating')?.reason === 'WaitingForDependencies') appWaited = true;
      return app?.lastUpdate !== undefined && db?.lastUpdate !== undefined;
    });
    const [appRecord] = await world.records('app');
    const [dbRecord] = await world.records('db');
    assert.equal(appRecord?.spec.outcome, 'success');
    assert.equal(dbRecord?.spec.outcome, 'success');
    assert.equal(appWaited, false, 'app never waited for db');
    // Each update spends the 5 s grace period: ordered, app would start only after db finished.
    assert.ok(Date.parse(appRecord?.spec.startedAt ?? '') < Date.parse(dbRecord?.spec.finishedAt ?? ''), `app ${appRecord?.spec.startedAt} started before db finished ${dbRecord?.spec.finishedAt}`);
  });

  test('dependencyAware false: the dependents of an updated container are not restarted', async () => {
    world = await new ControllerWorld({ settings: { dependencyAware: false } }).start();
    publishApp(world);
    await world.run('db', IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    await world.run('app', IMAGE_1, { labels: { 'sentinel.depends-on': 'db' } });
    const appStarted = (await world.docker.inspectContainer('app', AbortSignal.timeout(100)))?.State.StartedAt;
    await world.clock.advance(1000);
    await world.offer('db', IMAGE_2, DIGEST_2);
    await world.until('db updated', async () => (await world.status('db')).lastUpdate !== undefined);
    const [record] = await world.records('db');
    assert.equal(record?.spec.outcome, 'success');
    assert.equal(record?.spec.steps?.find((step) => step.name === 'restartDependents'), undefined);
    const app = await world.docker.inspectContainer('app', AbortSignal.timeout(100));
    assert.equal(app?.State.Running, true);
    assert.equal(app?.State.StartedAt, appStarted, 'app was not restarted');
  });

  test('dependencyAware false: a network-namespace join still keeps two updates apart', async () => {
    world = await new ControllerWorld({ settings: { updateConcurrency: 8, dependencyAware: false } }).start();
    publishApp(world);
    const vpnID = await world.run('vpn', IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    await world.run('torrent', IMAGE_1, { labels: { 'sentinel.policy': 'auto' }, hostConfig: { NetworkMode: `container:${vpnID}` } });
    for (const name of ['vpn', 'torrent']) await world.offer(name, IMAGE_2, DIGEST_2);
    let overlap = false;
    await world.until('both updated', async () => {
      const [vpn, torrent] = await statuses(world, ['vpn', 'torrent']);
      if (isActive(vpn?.operation) && isActive(torrent?.operation)) overlap = true;
      return vpn?.lastUpdate !== undefined && torrent?.lastUpdate !== undefined;
    });
    assert.equal(overlap, false);
    const vpn = await world.docker.inspectContainer('vpn', AbortSignal.timeout(100));
    const torrent = await world.docker.inspectContainer('torrent', AbortSignal.timeout(100));
    assert.equal(torrent?.HostConfig.NetworkMode, `container:${vpn?.Id ?? ''}`);
  });

  test('never two updates on one dependency chain, whichever way the dependency goes', async () => {
    world = await new ControllerWorld({ settings: { updateConcurrency: 8 } }).start();
    publishApp(world);
    const vpnID = await world.run('vpn', IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    await world.run('torrent', IMAGE_1, { labels: { 'sentinel.policy': 'auto' }, hostConfig: { NetworkMode: `container:${vpnID}` } });
    await world.run('web', IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    for (const name of ['vpn', 'torrent', 'web']) await world.offer(name, IMAGE_2, DIGEST_2);
    let overlap = false;
    await world.until('all updated', async () => {
      const [vpn, torrent, web] = await statuses(world, ['vpn', 'torrent', 'web']);
      if (isActive(vpn?.operation) && isActive(torrent?.operation)) overlap = true;
      return vpn?.lastUpdate !== undefined && torrent?.lastUpdate !== undefined && web?.lastUpdate !== undefined;
    });
    assert.equal(overlap, false);
    const vpn = await world.docker.inspectContainer('vpn', AbortSignal.timeout(100));
    const torrent = await world.docker.inspectContainer('torrent', AbortSignal.timeout(100));
    assert.equal(torrent?.HostConfig.NetworkMode, `container:${vpn?.Id ?? ''}`);
    assert.equal(torrent?.Config.Image, IMAGE_2);
  });

  test('a dependency cycle is reported on its members, and their updates still happen', async () => {
    world = await new ControllerWorld({ settings: { updateConcurrency: 4 } }).start();
    publishApp(world);
    await world.run('a', IMAGE_1, { labels: { 'sentinel.policy': 'auto', 'sentinel.depends-on': 'b' } });
    await world.run('b', IMAGE_1, { labels: { 'sentinel.policy': 'auto', 'sentinel.depends-on': 'a' } });
    await world.run('c', IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    for (const name of ['a', 'b']) await world.offer(name, IMAGE_2, DIGEST_2);
    const [a, b] = await world.until('both updated', async () => {
      const both = await statuses(world, ['a', 'b']);
      return both.every((status) => status.lastUpdate !== undefined) ? both : undefined;
    });
    for (const status of [a, b]) {
      assert.equal(status?.lastUpdate?.outcome, 'success');
      const cycle = findCondition(status?.conditions, 'DependencyCycle');
      assert.equal(cycle?.status, 'True');
      assert.match(cycle?.message ?? '', /a, b depend on each other/);
    }
    await world.settle();
    assert.equal(findCondition((await world.status('c')).conditions, 'DependencyCycle'), undefined);
  });

  test('at most Settings.updateConcurrency updates run at once, and all of them end', async () => {
    world = await new ControllerWorld({ settings: { updateConcurrency: 2 } }).start();
    publishApp(world);
    const names = ['one', 'two', 'three', 'four', 'five'];
    for (const name of names) await world.run(name, IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    for (const name of names) await world.offer(name, IMAGE_2, DIGEST_2);
    let most = 0;
    let waited = false;
    await world.until('all updated', async () => {
      const all = await statuses(world, names);
      most = Math.max(most, all.filter((status) => isActive(status.operation)).length);
      if (all.some((status) => findCondition(status.conditions, 'Updating')?.reason === 'WaitingForSlot')) waited = true;
      return all.every((status) => status.lastUpdate?.outcome === 'success');
    }, { stepMs: 500 });
    assert.equal(most, 2);
    assert.ok(waited);
  });

  test('a pre-update hook exiting 75 skips the update; hooks run only where hooksEnabled', async () => {
    world = await new ControllerWorld({ settings: { hooksEnabled: true }, exec: (_container, command) => ({ exitCode: command.includes('not-now') ? 75 : 0 }) }).start();
    publishApp(world);
    const id = await world.run('web', IMAGE_1, { labels: { 'sentinel.policy': 'auto', 'sentinel.hook.pre-update': 'not-now' } });
    await world.offer('web', IMAGE_2, DIGEST_2);
    const status = await world.until('skipped', async () => {
      const current = await world.status('web');
      return current.lastUpdate === undefined ? undefined : current;
    });
    assert.equal(status.lastUpdate?.outcome, 'skipped');
    assert.equal(findCondition(status.conditions, 'Updating')?.reason, 'SkippedByHook');
    assert.equal((await world.docker.inspectContainer('web', AbortSignal.timeout(100)))?.Id, id);
    assert.match((await world.records('web'))[0]?.spec.steps?.[0]?.message ?? '', /exited with 75: update skipped/);
  });

  test('Hook resources selecting a container run before and after its update', async () => {
    const ran: string[] = [];
    world = await new ControllerWorld({ settings: { hooksEnabled: true }, exec: (container, command) => {
      ran.push(`${container.Config.Image ?? ''} ${command.join(' ')}`);
      return { exitCode: 0 };
    } }).start();
    publishApp(world);
    await world.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Hook', metadata: { name: 'dump' }, spec: { phase: 'pre-update', command: ['pg_dump'], selector: { matchLabels: { role: 'db' } } } });
    await world.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Hook', metadata: { name: 'warm' }, spec: { phase: 'post-update', command: ['warm', 'cache'], containerNames: ['d*'] } });
    await world.run('db', IMAGE_1, { labels: { 'sentinel.policy': 'auto', role: 'db' } });
    await world.offer('db', IMAGE_2, DIGEST_2);
    await world.until('updated', async () => (await world.status('db')).lastUpdate !== undefined);
    assert.deepEqual(ran, [`${IMAGE_1} pg_dump`, `${IMAGE_2} warm cache`]);
  });

  test('snapshots beyond Settings.snapshotRetention.perContainer are deleted, newest kept', async () => {
    world = await new ControllerWorld({ settings: { snapshotRetention: { perContainer: 2 }, updateConcurrency: 1 } }).start();
    publishApp(world);
    await world.run('web', IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    for (const version of ['2', '3', '4']) {
      const image = `registry.test/team/app:${version}`;
      world.docker.publish(image, { config: appConfig(version) });
      await world.offer('web', image, fakeDigest(appConfig(version)));
      await world.until(`updated to ${version}`, async () => (await world.status('web')).lastUpdate?.newImage === image);
    }
    const snapshots = await world.snapshots('web');
    assert.equal(snapshots.length, 2);
    const images = snapshots.map((snapshot) => (snapshot.spec as { image: string }).image).sort();
    assert.deepEqual(images, ['registry.test/team/app:2', 'registry.test/team/app:3']);
  });

  test('the pull carries the credentials of the image\'s Registry resource, read from its Secret', async () => {
    world = await new ControllerWorld().start();
    publishApp(world);
    await world.registry.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry-test', namespace: 'vigil-system' }, stringData: { password: 's3cret-token' } });
    await world.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Registry', metadata: { name: 'test' }, spec: { server: 'registry.test', credentials: { username: 'robot', passwordSecretRef: { name: 'registry-test', key: 'password' } } } });
    await world.run('web', IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    await world.offer('web', IMAGE_2, DIGEST_2);
    await world.until('updated', async () => (await world.status('web')).lastUpdate !== undefined);
    assert.deepEqual(world.docker.pulls, [{ reference: IMAGE_2, auth: { serveraddress: 'registry.test', username: 'robot', password: 's3cret-token' } }]);
    const status = await world.status('web');
    assert.doesNotMatch(JSON.stringify(status), /s3cret-token/);
    assert.doesNotMatch(JSON.stringify(await world.records('web')), /s3cret-token/);
  });
});
