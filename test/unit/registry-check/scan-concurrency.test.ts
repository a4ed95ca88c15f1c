// Settings.scanConcurrency: a scan checks that many distinct images at once, and never more.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createContainer, SERVER, seedVersions, startCheckStack, type CheckStack } from './fixtures.ts';

const REPOSITORIES = ['team/a', 'team/b', 'team/c', 'team/d', 'team/e'];

describe('Settings.scanConcurrency', () => {
  let stack: CheckStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function scan(scanConcurrency: number | undefined, holdUntil?: number): Promise<CheckStack> {
    stack = await startCheckStack({
      settings: scanConcurrency === undefined ? {} : { scanConcurrency },
      seed: async (api, registry) => {
        for (const repository of REPOSITORIES) {
          const seeded = seedVersions(registry, repository, ['1.0.0', '1.1.0']);
          await createContainer(api, { name: repository.replace('/', '-'), image: `${SERVER}/${repository}:1.0.0`, digest: seeded['1.0.0']?.digest ?? '' });
        }
        if (holdUntil !== undefined) registry.holdTagListsUntil(holdUntil);
      },
    });
    await stack.idle();
    return stack;
  }

  test('scanConcurrency 3: three distinct images are checked at once, never more', async () => {
    const s = await scan(3, 3);
    assert.equal(s.registry.requests.tags, REPOSITORIES.length);
    assert.equal(s.registry.mostInFlight, 3);
  });

  test('scanConcurrency absent (default 1): one image at a time', async () => {
    const s = await scan(undefined);
    assert.equal(s.registry.requests.tags, REPOSITORIES.length);
    assert.equal(s.registry.mostInFlight, 1);
  });
});
