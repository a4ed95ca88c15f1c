// GHCR alternatives: what is probed (domain/registry/ghcr.ts), the cache (keyed by registry, repository and tag;
// transient failures never cached as "unavailable"), the switch decision, and the test-only registry host map.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GhcrAlternatives, GhcrCache, GHCR_CACHE_TTL_MS } from '../../../controllers/registry/ghcr-alternatives.ts';
import type { DigestAnswer, ManifestRef, RegistryReader } from '../../../controllers/registry/client.ts';
import { RegistryError } from '../../../domain/registry/errors.ts';
import { ghcrCacheKey, ghcrCandidate, switchDecision, type GhcrAlternative } from '../../../domain/registry/ghcr.ts';
import { mappedReference, parseRegistryHostMap } from '../../../domain/registry/host-map.ts';

const HUB_DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER_DIGEST = `sha256:${'b'.repeat(64)}`;

/** Manifest digests by `registry/repository:tag`; a failure queued per registry answers the next HEAD there. */
class Registries implements RegistryReader {
  readonly digests = new Map<string, string>();
  readonly failures = new Map<string, Error[]>();
  readonly heads: string[] = [];

  async listTags(): Promise<readonly string[]> {
    throw new Error('not used');
  }

  async getManifest(): Promise<never> {
    throw new Error('not used: a HEAD answers');
  }

  async headManifest(ref: ManifestRef): Promise<DigestAnswer> {
    const key = `${ref.registry}/${ref.repository}:${ref.reference}`;
    this.heads.push(key);
    const failure = this.failures.get(ref.registry)?.shift();
    if (failure !== undefined) throw failure;
    const digest = this.digests.get(key);
    if (digest === undefined) throw new RegistryError({ code: 'not_found', registry: ref.registry, message: `HEAD ${key}: HTTP 404`, status: 404 });
    return { digest };
  }
}

class StepClock {
  at = Date.parse('2026-12-07T12:00:00Z');
  now(): number {
    return this.at;
  }
  async sleep(): Promise<void> {}
}

const CANDIDATE = { hubRepository: 'owner/app', tag: '1.0' };

function world(): { registries: Registries; clock: StepClock; ghcr: GhcrAlternatives } {
  const registries = new Registries();
  const clock = new StepClock();
  return { registries, clock, ghcr: new GhcrAlternatives({ registry: registries, clock }) };
}

describe('what is probed', () => {
  test('a non-library Docker Hub image with a tag, nothing else', () => {
    assert.deepEqual(ghcrCandidate('owner/app:1.0'), { hubRepository: 'owner/app', tag: '1.0' });
    assert.deepEqual(ghcrCandidate('docker.io/owner/app'), { hubRepository: 'owner/app', tag: 'latest' });
    assert.match((ghcrCandidate('nginx:1.27') as { none: string }).none, /official Docker Hub image/);
    assert.match((ghcrCandidate('ghcr.io/owner/app:1.0') as { none: string }).none, /not a Docker Hub image/);
    assert.match((ghcrCandidate(`owner/app@${HUB_DIGEST}`) as { none: string }).none, /names a digest/);
  });

  test('the cache key names the registry, so a ghcr.io image never reads a Docker Hub entry', () => {
    assert.equal(ghcrCacheKey(CANDIDATE), 'docker.io/owner/app:1.0');
  });
});

describe('probing and the cache', () => {
  test('same digest on both: available and the same build, one HEAD each, then from the cache', async () => {
    const { registries, ghcr } = world();
    registries.digests.set('docker.io/owner/app:1.0', HUB_DIGEST);
    registries.digests.set('ghcr.io/owner/app:1.0', HUB_DIGEST);
    const first = await ghcr.check(CANDIDATE);
    assert.ok('alternative' in first);
    assert.equal(first.alternative.available, true);
    assert.equal(first.alternative.digestMatch, true);
    assert.equal(first.alternative.ghcrImage, 'ghcr.io/owner/app');
    assert.deepEqual(registries.heads, ['docker.io/owner/app:1.0', 'ghcr.io/owner/app:1.0']);
    await ghcr.check(CANDIDATE);
    assert.equal(registries.heads.length, 2, 'the second check is answered from the cache');
    assert.equal(ghcr.list().length, 1);
  });

  test('a different digest is available but not the same build', async () => {
    const { registries, ghcr } = world();
    registries.digests.set('docker.io/owner/app:1.0', HUB_DIGEST);
    registries.digests.set('ghcr.io/owner/app:1.0', OTHER_DIGEST);
    const probe = await ghcr.check(CANDIDATE);
    assert.ok('alternative' in probe);
    assert.deepEqual([probe.alternative.available, probe.alternative.digestMatch, probe.alternative.ghcrDigest], [true, false, OTHER_DIGEST]);
  });

  test('a 404 on ghcr.io is cached as not available', async () => {
    const { registries, ghcr } = world();
    registries.digests.set('docker.io/owner/app:1.0', HUB_DIGEST);
    const probe = await ghcr.check(CANDIDATE);
    assert.ok('alternative' in probe);
    assert.equal(probe.alternative.available, false);
    await ghcr.check(CANDIDATE);
    assert.equal(registries.heads.length, 2, 'not asked again');
  });

  for (const code of ['server_error', 'network', 'timeout', 'rate_limited', 'bad_response'] as const) {
    test(`a ${code} failure is not cached as unavailable: the next check asks again`, async () => {
      const { registries, ghcr } = world();
      registries.digests.set('docker.io/owner/app:1.0', HUB_DIGEST);
      registries.digests.set('ghcr.io/owner/app:1.0', HUB_DIGEST);
      registries.failures.set('ghcr.io', [new RegistryError({ code, registry: 'ghcr.io', message: `HEAD: ${code}` })]);
      const failed = await ghcr.check(CANDIDATE);
      assert.ok('error' in failed);
      assert.match(failed.error, new RegExp(code));
      assert.deepEqual(ghcr.list(), []);
      const next = await ghcr.check(CANDIDATE);
      assert.ok('alternative' in next);
      assert.equal(next.alternative.digestMatch, true);
    });
  }

  test('a transient Docker Hub failure is not cached either (nothing to compare with)', async () => {
    const { registries, ghcr } = world();
    registries.failures.set('docker.io', [new RegistryError({ code: 'server_error', registry: 'docker.io', message: 'HTTP 503' })]);
    assert.ok('error' in (await ghcr.check(CANDIDATE)));
    assert.deepEqual(ghcr.list(), []);
  });

  test('entries expire after the TTL and are probed again', async () => {
    const { registries, clock, ghcr } = world();
    registries.digests.set('docker.io/owner/app:1.0', HUB_DIGEST);
    registries.digests.set('ghcr.io/owner/app:1.0', HUB_DIGEST);
    await ghcr.check(CANDIDATE);
    clock.at += GHCR_CACHE_TTL_MS;
    assert.deepEqual(ghcr.list(), []);
    await ghcr.check(CANDIDATE);
    assert.equal(registries.heads.length, 4);
  });

  test('concurrent checks of one key share one probe', async () => {
    const { registries, ghcr } = world();
    registries.digests.set('docker.io/owner/app:1.0', HUB_DIGEST);
    registries.digests.set('ghcr.io/owner/app:1.0', HUB_DIGEST);
    await Promise.all([ghcr.check(CANDIDATE), ghcr.check(CANDIDATE), ghcr.check(CANDIDATE)]);
    assert.equal(registries.heads.length, 2);
  });

  test('the cache keeps tags apart', () => {
    const cache = new GhcrCache();
    const entry: GhcrAlternative = { hubRepository: 'owner/app', tag: '1.0', ghcrImage: 'ghcr.io/owner/app', available: true, digestMatch: true, checkedAt: '2026-12-07T12:00:00.000Z' };
    cache.set(CANDIDATE, entry, 0);
    assert.equal(cache.get({ hubRepository: 'owner/app', tag: '1.1' }, 0), undefined);
    assert.equal(cache.get(CANDIDATE, 0), entry);
  });
});

describe('the switch decision', () => {
  const base: GhcrAlternative = { hubRepository: 'owner/app', tag: '1.0', ghcrImage: 'ghcr.io/owner/app', available: true, digestMatch: true, hubDigest: HUB_DIGEST, ghcrDigest: HUB_DIGEST, checkedAt: '2026-12-07T12:00:00.000Z' };

  test('the same build is switched, bound to the digest compared', () => {
    assert.deepEqual(switchDecision(base, false), { allowed: true, image: 'ghcr.io/owner/app:1.0', digest: HUB_DIGEST });
  });

  test('a different build is refused by default and allowed when asked, without a digest binding', () => {
    const different = { ...base, digestMatch: false, ghcrDigest: OTHER_DIGEST };
    const refused = switchDecision(different, false);
    assert.equal(refused.allowed, false);
    assert.match((refused as { reason: string }).reason, /different build .*allow_different_build/);
    assert.deepEqual(switchDecision(different, true), { allowed: true, image: 'ghcr.io/owner/app:1.0' });
  });

  test('nothing on ghcr.io is refused even when a different build is allowed', () => {
    assert.deepEqual(switchDecision({ ...base, available: false, digestMatch: false }, true), { allowed: false, reason: 'no GHCR alternative available' });
    assert.deepEqual(switchDecision(undefined, true), { allowed: false, reason: 'no GHCR alternative available' });
  });
});

describe('the test-only registry host map', () => {
  test('maps canonical names to loopback addresses', () => {
    const map = parseRegistryHostMap('docker.io=127.0.0.1:5001, ghcr.io=localhost:5002');
    assert.deepEqual([...map], [['docker.io', '127.0.0.1:5001'], ['ghcr.io', 'localhost:5002']]);
    assert.equal(parseRegistryHostMap(undefined).size, 0);
    assert.deepEqual(mappedReference('ghcr.io/owner/app:1.0', map), { pull: 'localhost:5002/owner/app:1.0', repository: 'ghcr.io/owner/app', tag: '1.0' });
    assert.deepEqual(mappedReference('owner/app', map), { pull: '127.0.0.1:5001/owner/app:latest', repository: 'owner/app', tag: 'latest' });
    assert.equal(mappedReference('quay.io/owner/app:1', map), undefined);
  });

  test('refuses a target that is not on loopback, and an entry without "="', () => {
    assert.throws(() => parseRegistryHostMap('ghcr.io=10.0.0.5:5000'), /^Error: VIGIL_REGISTRY_HOST_MAP: "10.0.0.5:5000" is not on loopback/);
    assert.throws(() => parseRegistryHostMap('ghcr.io'), /^Error: VIGIL_REGISTRY_HOST_MAP: "ghcr.io" is not registry=host:port/);
  });
});
