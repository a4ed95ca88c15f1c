// A check that finds what the container's status already says writes nothing, but only when the store still holds the
// version the check read from the informer cache: a cache that lags behind a change by someone else must not hide it.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { ContainerChecker } from '../../../controllers/registry-check/container-checker.ts';
import type { Lister } from '../../../controllers/runtime/index.ts';
import type { Stored } from '../../../controllers/stored.ts';
import type { Container, Host } from '../../../schemas/generated/types.ts';
import { createContainer, getContainer, SERVER, seedVersions, startCheckStack, type CheckStack } from './fixtures.ts';

const REPO = 'team/app';

/** A lister that always shows `container`, however the store moves on (an informer cache lagging behind). */
function frozenLister(container: Stored<Container>): Lister<Stored<Container>> {
  const key = `${container.metadata.namespace ?? ''}/${container.metadata.name}`;
  return { get: (wanted) => (wanted === key ? container : undefined), list: () => [container], byIndex: () => [container], keys: () => [key], size: 1 };
}

function emptyLister<T extends Stored<Host>>(): Lister<T> {
  return { get: () => undefined, list: () => [], byIndex: () => [], keys: () => [], size: 0 };
}

describe('an unchanged check result', () => {
  let stack: CheckStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  test('is not written when the store holds what the cache shows, and is written over a change the cache has not seen', async () => {
    const s = await startCheckStack({
      settings: { paused: true },
      seed: async (api, registry) => {
        const versions = seedVersions(registry, REPO, ['1.0.0', '2.0.0']);
        await createContainer(api, { name: 'app', image: `${SERVER}/${REPO}:1.0.0`, digest: versions['1.0.0']?.digest ?? '' });
      },
    });
    stack = s;
    await s.idle();
    const signal = new AbortController().signal;
    const checkWith = async (cached: Stored<Container>): Promise<void> => {
      const checker = new ContainerChecker({ client: s.api, containers: frozenLister(cached), hosts: emptyLister(), clock: s.clock, logger: pino({ level: 'silent' }) });
      await checker.checkOne({ key: 'local/app' }, { purpose: 'scheduled', reader: s.registry, signal });
    };

    await checkWith(await getContainer(s.api, 'app') as Stored<Container>);
    const checked = await getContainer(s.api, 'app') as Stored<Container>;
    assert.equal(checked.status?.registryCheck?.target?.tag, '2.0.0');

    await checkWith(checked);
    assert.equal((await getContainer(s.api, 'app')).metadata.resourceVersion, checked.metadata.resourceVersion, 'same result, same stored version: no write');

    // Someone else clears the check meanwhile; the cache the checker reads still shows the checked version.
    await s.api.modify('Container', 'local', 'app', (current) => {
      const { registryCheck: _check, pendingUpdate: _pending, conditions: _conditions, ...status } = (current as Container).status ?? {};
      return { ...current, status };
    }, { subresource: 'status' });
    await checkWith(checked);
    const rechecked = await getContainer(s.api, 'app');
    assert.equal(rechecked.status?.registryCheck?.target?.tag, '2.0.0', 'the check result is written over the change');
  });

  test('is written at every scan for a container notified on every scan (notify mode every_scan), so each scan notifies', async () => {
    const s = await startCheckStack({
      settings: { paused: true },
      seed: async (api, registry) => {
        const versions = seedVersions(registry, REPO, ['1.0.0', '2.0.0']);
        await createContainer(api, { name: 'app', image: `${SERVER}/${REPO}:1.0.0`, digest: versions['1.0.0']?.digest ?? '' });
      },
    });
    stack = s;
    await s.idle();
    await s.api.modify('Container', 'local', 'app', (current) => {
      const status = (current as Container).status ?? {};
      return { ...current, status: { ...status, effective: { ...status.effective, notifyMode: { value: 'every_scan', source: 'label' } } } };
    }, { subresource: 'status' });
    const signal = new AbortController().signal;
    const check = async (): Promise<Stored<Container>> => {
      const cached = await getContainer(s.api, 'app') as Stored<Container>;
      const checker = new ContainerChecker({ client: s.api, containers: frozenLister(cached), hosts: emptyLister(), clock: s.clock, logger: pino({ level: 'silent' }) });
      await checker.checkOne({ key: 'local/app' }, { purpose: 'scheduled', reader: s.registry, signal });
      return await getContainer(s.api, 'app') as Stored<Container>;
    };
    const first = await check();
    await s.clock.advance(60_000);
    const second = await check();
    assert.equal(second.status?.registryCheck?.target?.tag, '2.0.0');
    assert.notEqual(second.status?.registryCheck?.lastChecked, first.status?.registryCheck?.lastChecked, 'a scan a minute later records its own lastChecked');
    assert.equal(Date.parse(second.status?.registryCheck?.lastChecked ?? ''), s.clock.now());
  });
});
