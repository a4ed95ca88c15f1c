// What scans and check requests write, over a fake registry: which containers are checked, how few registry requests
// they cost, the status of each container (registryCheck, pendingUpdate, UpdateAvailable, handledRequests.check), and
// that a failing registry never takes away what an earlier check found.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkContainerNow, requestContainerCheck, requestImageCheck } from '../../../controllers/registry-check/requests.ts';
import { RegistryError } from '../../../domain/registry/errors.ts';
import type { Container, Registry, SettingsSpec } from '../../../schemas/generated/types.ts';
import { createContainer, eventually, getContainer, getSettings, HOUR, SERVER, seedVersions, startCheckStack, type CheckStack, type CheckStackOptions, type ContainerFixture } from './fixtures.ts';

const APP = 'team/app';
const DB = 'team/db';

describe('registry checks (fake registry)', () => {
  let stack: CheckStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function start(settings: SettingsSpec, containers: ContainerFixture[], seed?: CheckStackOptions['seed']): Promise<CheckStack> {
    stack = await startCheckStack({
      settings,
      seed: async (api, registry) => {
        const seeded: Record<string, Record<string, { digest: string }>> = { [APP]: seedVersions(registry, APP, ['1.0.0', '1.0.1', '1.1.0', '2.0.0']), [DB]: seedVersions(registry, DB, ['15.1', '15.2', '16.0']) };
        for (const container of containers) {
          const [repository = '', tag = ''] = container.image.slice(`${SERVER}/`.length).split(':');
          const digest = seeded[repository]?.[tag]?.digest;
          await createContainer(api, { ...(digest === undefined ? {} : { digest }), ...container });
        }
        await seed?.(api, registry);
      },
    });
    await stack.idle();
    return stack;
  }

  function condition(container: Container, type: string): { status: string; reason: string; message: string } | undefined {
    return container.status?.conditions?.find((c) => c.type === type);
  }

  test('a scan asks once per image, however many containers use it, whatever their scopes', async () => {
    const s = await start({ pollInterval: '1h', scanConcurrency: 4 }, [
      { name: 'a1', image: `${SERVER}/${APP}:1.0.0` },
      { name: 'a2', image: `${SERVER}/${APP}:1.0.0` },
      { name: 'a3', image: `${SERVER}/${APP}:1.0.0`, scope: 'minor' },
      { name: 'a4', image: `${SERVER}/${APP}:1.0.0`, scope: 'patch' },
      { name: 'd1', image: `${SERVER}/${DB}:15.1`, scope: 'minor' },
    ]);
    // One tag list per repository; HEADs of the distinct targets: 2.0.0, 1.1.0, 1.0.1 and 15.2.
    assert.deepEqual(s.registry.requests, { tags: 2, head: 4, get: 0 });
    const targets = await Promise.all(['a1', 'a2', 'a3', 'a4', 'd1'].map(async (name) => (await getContainer(s.api, name)).status?.registryCheck?.target?.tag));
    assert.deepEqual(targets, ['2.0.0', '2.0.0', '1.1.0', '1.0.1', '15.2']);
    const a3 = await getContainer(s.api, 'a3');
    assert.equal(a3.status?.registryCheck?.beyondScopeCount, 1);
    assert.deepEqual(condition(a3, 'UpdateAvailable'), { type: 'UpdateAvailable', status: 'True', observedGeneration: 1, lastTransitionTime: '2025-01-01T00:00:00Z', reason: 'UpdateAvailable', message: `version 1.1.0 is available: ${SERVER}/${APP}:1.1.0 (${a3.status?.registryCheck?.target?.digest})` });
    assert.equal(a3.status?.pendingUpdate?.targetImage, `${SERVER}/${APP}:1.1.0`);
  });

  test('pinned, filtered, stopped and gone containers and those on a paused Host are left out of scans', async () => {
    const s = await start({ pollInterval: '1h', filters: ['test-*'] }, [
      { name: 'checked', image: `${SERVER}/${APP}:1.0.0` },
      { name: 'pinned', image: `${SERVER}/${APP}:1.0.0`, policy: 'pinned' },
      { name: 'test-web', image: `${SERVER}/${APP}:1.0.0` },
      { name: 'stopped', image: `${SERVER}/${APP}:1.0.0`, state: 'exited' },
      { name: 'gone', image: `${SERVER}/${APP}:1.0.0`, state: 'gone' },
      { name: 'elsewhere', host: 'paused-host', image: `${SERVER}/${APP}:1.0.0` },
    ], async (api) => {
      await api.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name: 'paused-host' }, spec: { dockerHost: 'tcp://127.0.0.1:1', paused: true } });
    });
    assert.ok((await getContainer(s.api, 'checked')).status?.registryCheck?.lastChecked !== undefined);
    for (const name of ['pinned', 'test-web', 'stopped', 'gone']) assert.equal((await getContainer(s.api, name)).status?.registryCheck, undefined, name);
    assert.equal((await getContainer(s.api, 'elsewhere', 'paused-host')).status?.registryCheck, undefined);
    const records = await s.api.list('UpdateRecord', { namespace: 'vigil-system' });
    assert.equal((records.items[0]?.spec as { summary?: { checked: number; skipped: number } }).summary?.skipped, 5);
  });

  test('a check request is carried out once with a fresh tag list and recorded as handled in the same write', async () => {
    const s = await start({ paused: true }, [{ name: 'web', image: `${SERVER}/${APP}:1.0.0` }]);
    assert.deepEqual(s.registry.requests, { tags: 0, head: 0, get: 0 });
    const first = await requestContainerCheck(s.api, { namespace: 'local', name: 'web' }, { clock: s.clock, requestedBy: 'alice' });
    const checked = await eventually('handled', async () => {
      const web = await getContainer(s.api, 'web');
      return web.status?.handledRequests?.check === first ? web : undefined;
    });
    assert.equal(checked.status?.registryCheck?.target?.tag, '2.0.0');
    assert.deepEqual(checked.status?.registryCheck?.newerVersions, ['2.0.0', '1.1.0', '1.0.1']);
    assert.equal(checked.status?.pendingUpdate?.resolvedTargetVersion, '2.0.0');
    await s.idle();
    assert.deepEqual(s.registry.requests, { tags: 1, head: 1, get: 0 }, 'once, although the write woke the controller again');

    // A second request a second later: the tag list is asked again (something may just have been pushed).
    await s.clock.advance(1000);
    s.registry.tag(APP, '2.1.0', s.registry.image('2.1.0').digest);
    const answer = await checkContainerNow(s.api, { namespace: 'local', name: 'web' }, { clock: s.clock });
    assert.equal(answer.outcome, 'update_available');
    assert.deepEqual(answer.newerVersions, ['2.1.0', '2.0.0', '1.1.0', '1.0.1']);
    assert.equal(answer.container.status?.handledRequests?.check, new Date(s.clock.now()).toISOString());
    assert.equal(s.registry.requests.tags, 2);
  });

  test('an image check asks every container of the repository, once for the image, and skips pinned ones', async () => {
    const s = await start({ paused: true }, [
      { name: 'w1', image: `${SERVER}/${APP}:1.0.0` },
      { name: 'w2', image: `${SERVER}/${APP}:1.0.0` },
      { name: 'w3', image: `${SERVER}/${APP}:1.0.0`, policy: 'pinned' },
      { name: 'db', image: `${SERVER}/${DB}:15.1` },
    ]);
    const request = await requestImageCheck(s.api, `${SERVER}/${APP}:2.0.0`, { clock: s.clock });
    assert.equal(request.repository, `${SERVER}/${APP}`);
    assert.deepEqual(request.containers.map((c) => c.name).sort(), ['w1', 'w2']);
    assert.deepEqual(request.skipped, [{ namespace: 'local', name: 'w3', reason: 'pinned' }]);
    await eventually('both handled', async () => {
      const all = await Promise.all(['w1', 'w2'].map((name) => getContainer(s.api, name)));
      return all.every((c) => c.status?.handledRequests?.check === request.requestedAt);
    });
    await s.idle();
    assert.deepEqual(s.registry.requests, { tags: 1, head: 1, get: 0 });
    assert.equal((await getContainer(s.api, 'db')).status?.registryCheck, undefined);
  });

  test('a registry that fails keeps the update found before, reports the error per container and on its Registry', async () => {
    const s = await start({ pollInterval: '1h' }, [{ name: 'web', image: `${SERVER}/${APP}:1.0.0` }], async (api) => {
      await api.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Registry', metadata: { name: 'test-registry' }, spec: { server: SERVER } } satisfies Registry);
    });
    const before = await getContainer(s.api, 'web');
    assert.equal(before.status?.registryCheck?.target?.tag, '2.0.0');
    assert.equal((await eventually('Registry ready', async () => {
      const registry = (await s.api.get('Registry', undefined, 'test-registry')) as unknown as Registry;
      return registry.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? registry : undefined;
    })).status?.health, 'ok');

    s.registry.failWith(new RegistryError({ code: 'bad_response', registry: SERVER, message: 'GET /v2/team/app/tags/list: answered an HTML page instead of JSON' }));
    await s.advance(HOUR);
    const after = await eventually('checked again', async () => {
      const web = await getContainer(s.api, 'web');
      return web.status?.registryCheck?.lastError !== undefined ? web : undefined;
    });
    const check = after.status?.registryCheck;
    assert.equal(check?.lastError, `registry ${SERVER}: GET /v2/team/app/tags/list: answered an HTML page instead of JSON`);
    assert.deepEqual(check?.target, before.status?.registryCheck?.target);
    assert.equal(check?.firstSeen, before.status?.registryCheck?.firstSeen);
    assert.equal(check?.updateAvailable, true);
    assert.deepEqual(after.status?.pendingUpdate, before.status?.pendingUpdate);
    const available = condition(after, 'UpdateAvailable');
    assert.equal(available?.status, 'True');
    assert.match(available?.message ?? '', /; the last check failed: registry registry\.test:5000: GET \/v2\/team\/app\/tags\/list: answered an HTML page/);
    const registry = await eventually('Registry reports the error', async () => {
      const found = (await s.api.get('Registry', undefined, 'test-registry')) as unknown as Registry;
      return found.status?.health === 'error' ? found : undefined;
    });
    assert.equal(registry.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'RegistryError');
    assert.equal(registry.status?.lastError, check?.lastError);

    // It answers again: the error goes, the update (same target) keeps its firstSeen.
    s.registry.failWith(undefined);
    await s.advance(HOUR);
    const recovered = await eventually('recovered', async () => {
      const web = await getContainer(s.api, 'web');
      return web.status?.registryCheck?.lastError === undefined ? web : undefined;
    });
    assert.equal(recovered.status?.registryCheck?.firstSeen, before.status?.registryCheck?.firstSeen);
    assert.equal(recovered.status?.registryCheck?.lastChecked, new Date(s.clock.now()).toISOString());
  });

  test('a check that finds nothing newer says up to date; one without a registry digest says local', async () => {
    const s = await start({ pollInterval: '1h' }, [
      { name: 'newest', image: `${SERVER}/${DB}:16.0` },
      { name: 'built-here', image: 'my-local-image:dev' },
    ]);
    const newest = await getContainer(s.api, 'newest');
    assert.equal(newest.status?.registryCheck?.updateAvailable, false);
    assert.deepEqual(newest.status?.registryCheck?.newerVersions, []);
    assert.deepEqual(condition(newest, 'UpdateAvailable'), { type: 'UpdateAvailable', status: 'False', observedGeneration: 1, lastTransitionTime: '2025-01-01T00:00:00Z', reason: 'UpToDate', message: '16.0 is the newest in scope' });
    const local = await getContainer(s.api, 'built-here');
    assert.equal(condition(local, 'UpdateAvailable')?.reason, 'LocalImage');
    assert.equal(local.status?.registryCheck?.updateAvailable, false);
    assert.deepEqual(s.registry.requests, { tags: 1, head: 1, get: 0 }, 'the local image costs no request');
    const settings = await getSettings(s.api);
    assert.deepEqual(settings.status?.counts, { containers: 2, running: 2, pending: 0 });
  });
});
