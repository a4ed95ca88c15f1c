// A requested scan ("scan now") checks every container that exists when it is asked for, even one the controllers'
// Container cache has not seen yet: the Settings event that brings the request can overtake the Container watch (a
// watch being resumed, a loaded machine). The lag is made certain here by stopping the Container informer, which
// freezes its cache; a scheduled scan, which plans from the cache, still leaves the unseen container for later.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { requestScan } from '../../../controllers/registry-check/requests.ts';
import { createContainer, eventually, getContainer, getSettings, HOUR, SERVER, seedVersions, startCheckStack, type CheckStack } from './fixtures.ts';

const REPO = 'team/app';
const IMAGE = `${SERVER}/${REPO}:1.0.0`;

describe('a requested scan and a Container cache that lags the store', () => {
  let stack: CheckStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function start(): Promise<{ stack: CheckStack; digest: string | undefined }> {
    let digest: string | undefined;
    stack = await startCheckStack({
      settings: { pollInterval: '6h' },
      seed: async (api, registry) => {
        digest = seedVersions(registry, REPO, ['1.0.0', '1.1.0'])['1.0.0']?.digest;
        await createContainer(api, { name: 'seen', image: IMAGE, digest });
      },
    });
    await stack.idle();
    // The cache keeps what it holds and sees nothing more.
    await stack.manager.informers.informerFor('Container').stop();
    return { stack, digest };
  }

  test('a container the cache has not seen is checked by the scan that was requested after it was created', async () => {
    const { stack: s, digest } = await start();
    await createContainer(s.api, { name: 'unseen', image: IMAGE, digest });
    const requestedAt = await requestScan(s.api, { clock: s.clock });
    await eventually('the requested scan handled', async () => (await getSettings(s.api)).status?.handledRequests?.scan === requestedAt);
    const unseen = await getContainer(s.api, 'unseen');
    assert.equal(unseen.status?.registryCheck?.target?.tag, '1.1.0');
    assert.equal(unseen.status?.registryCheck?.lastChecked, new Date(s.clock.now()).toISOString());
    assert.equal((await getSettings(s.api)).status?.handledRequests?.scan, requestedAt);
  });

  test('a scheduled scan plans from the cache: the unseen container waits for the cache', async () => {
    const { stack: s, digest } = await start();
    await createContainer(s.api, { name: 'unseen', image: IMAGE, digest });
    const t0 = s.clock.now();
    await s.advance(6 * HOUR);
    await eventually('the scheduled scan', async () => (await getSettings(s.api)).status?.lastScan === new Date(t0 + 6 * HOUR).toISOString().replace('.000', ''));
    assert.equal((await getContainer(s.api, 'unseen')).status?.registryCheck, undefined);
  });
});
