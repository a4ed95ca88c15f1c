// Images pushed by a real Docker engine: the digest the engine records in RepoDigests is the digest the registry
// client reads by HEAD, and the check of a container built from them finds exactly the update that exists.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkContainer } from '../../../controllers/registry/check.ts';
import { RegistryClient } from '../../../controllers/registry/client.ts';
import { startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { buildAndPush } from '../../testbed/registry-push.ts';
import { startRegistry, type TestRegistry } from '../../testbed/registry.ts';

describe('registry check of images pushed by a Docker engine', () => {
  let engine: DockerEngine;
  let registry: TestRegistry;

  before(async () => {
    [engine, registry] = await Promise.all([startDockerEngine({ name: 'regpush' }), startRegistry({ mode: 'anonymous' })]);
  });
  after(async () => {
    await Promise.allSettled([engine.cleanup(), registry.cleanup()]);
  });

  it('reads the digest the engine recorded, and finds the newer version once it is pushed', async () => {
    const v1 = await buildAndPush(engine, registry, 'team/web', '1.0.0', '1.0.0');
    const client = new RegistryClient({ config: (server) => ({ server, insecure: true }) });
    try {
      const head = await client.headManifest({ registry: registry.server, repository: 'team/web', reference: '1.0.0' });
      assert.equal(head.digest, v1.digest);
      const check = {
        image: v1.reference,
        imageID: v1.imageID,
        repoDigests: [`${registry.server}/team/web@${v1.digest}`],
        platform: { os: 'linux', architecture: process.arch === 'x64' ? 'x86_64' : process.arch },
        scope: 'minor' as const,
        policy: 'manual' as const,
        now: Date.now(),
      };
      assert.equal((await checkContainer(check, client)).outcome, 'up_to_date');

      const v2 = await buildAndPush(engine, registry, 'team/web', '1.1.0', '1.1.0');
      await buildAndPush(engine, registry, 'team/web', '2.0.0', '2.0.0');
      // A new scan after the tag list's TTL: the same client, with the cached list expired.
      const found = await checkContainer({ ...check, now: Date.now() }, {
        listTags: (ref, options) => client.listTags(ref, { ...options, maxAgeMs: 0 }),
        headManifest: (ref, options) => client.headManifest(ref, options),
        getManifest: (ref, options) => client.getManifest(ref, options),
      });
      assert.equal(found.outcome, 'update_available');
      assert.deepEqual(found.registryCheck.target, { tag: '1.1.0', version: '1.1.0', digest: v2.digest, image: `${registry.server}/team/web:1.1.0` });
      assert.equal(found.registryCheck.beyondScopeCount, 1);
    } finally {
      await client.close();
    }
  });
});
