// The check of one container against a fake registry that holds state: what status it produces, and how few
// requests it needs to get there.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkContainer, type ContainerCheckInput } from '../../../controllers/registry/check.ts';
import { RegistryError } from '../../../domain/registry/errors.ts';
import { AMD64, ARM64, FakeRegistry } from './fake-registry.ts';

const SERVER = 'registry.test:5000';
const REPO = 'team/app';
const T0 = Date.parse('2026-01-10T10:00:00Z');
const T1 = Date.parse('2026-01-10T16:00:00Z');

function input(overrides: Partial<ContainerCheckInput> & Pick<ContainerCheckInput, 'image' | 'repoDigests'>): ContainerCheckInput {
  return { platform: AMD64, scope: 'major', policy: 'manual', now: T0, ...overrides };
}

function repoDigest(digest: string): string {
  return `${SERVER}/${REPO}@${digest}`;
}

/** A repository with 1.0.0, 1.0.1, 1.1.0 and 2.0.0, each its own image. */
function versionedRegistry(): { registry: FakeRegistry; digests: Record<string, { digest: string; imageID: string }> } {
  const registry = new FakeRegistry();
  const digests: Record<string, { digest: string; imageID: string }> = {};
  for (const version of ['1.0.0', '1.0.1', '1.1.0', '2.0.0']) {
    const image = registry.image(version);
    digests[version] = image;
    registry.tag(REPO, version, image.digest);
  }
  return { registry, digests };
}

describe('checkContainer: version tags', () => {
  it('offers the newest in-scope version with one tag list and one HEAD of the target', async () => {
    const { registry, digests } = versionedRegistry();
    const current = digests['1.0.0'];
    assert.ok(current !== undefined);
    const result = await checkContainer(input({ image: `${SERVER}/${REPO}:1.0.0`, imageID: current.imageID, repoDigests: [repoDigest(current.digest)] }), registry);
    assert.equal(result.outcome, 'update_available');
    assert.deepEqual(result.registryCheck.newerVersions, ['2.0.0', '1.1.0', '1.0.1']);
    assert.deepEqual(result.registryCheck.target, { tag: '2.0.0', version: '2.0.0', digest: digests['2.0.0']?.digest, image: `${SERVER}/${REPO}:2.0.0` });
    assert.equal(result.registryCheck.remoteDigest, digests['2.0.0']?.digest);
    assert.equal(result.registryCheck.localDigest, current.digest);
    assert.equal(result.registryCheck.resolvedCurrentVersion, '1.0.0');
    assert.equal(result.registryCheck.firstSeen, '2026-01-10T10:00:00.000Z');
    assert.deepEqual(registry.requests, { tags: 1, head: 1, get: 0 });
  });

  it('keeps to the scope and counts what lies beyond it', async () => {
    const { registry, digests } = versionedRegistry();
    const current = digests['1.0.0'];
    assert.ok(current !== undefined);
    const result = await checkContainer(input({ image: `${SERVER}/${REPO}:1.0.0`, repoDigests: [repoDigest(current.digest)], scope: 'patch' }), registry);
    assert.deepEqual(result.registryCheck.newerVersions, ['1.0.1']);
    assert.equal(result.registryCheck.beyondScopeCount, 2);
    assert.equal(result.registryCheck.newestBeyondScope, '2.0.0', 'the newest beyond the scope, for version_available');
    assert.equal(result.registryCheck.target?.tag, '1.0.1');
  });

  it('never offers an ignored version and moves to the next one', async () => {
    const { registry, digests } = versionedRegistry();
    const current = digests['1.0.0'];
    assert.ok(current !== undefined);
    const result = await checkContainer(input({ image: `${SERVER}/${REPO}:1.0.0`, repoDigests: [repoDigest(current.digest)], ignoredVersions: ['2.0.0'] }), registry);
    assert.deepEqual(result.registryCheck.newerVersions, ['1.1.0', '1.0.1']);
    assert.equal(result.registryCheck.target?.tag, '1.1.0');
  });

  it('is up to date at the newest version, after one tag list and one HEAD of its own tag', async () => {
    const { registry, digests } = versionedRegistry();
    const current = digests['2.0.0'];
    assert.ok(current !== undefined);
    const result = await checkContainer(input({ image: `${SERVER}/${REPO}:2.0.0`, imageID: current.imageID, repoDigests: [repoDigest(current.digest)] }), registry);
    assert.equal(result.outcome, 'up_to_date');
    assert.equal(result.registryCheck.updateAvailable, false);
    assert.equal(result.registryCheck.target, undefined);
    assert.equal(result.registryCheck.firstSeen, undefined);
    assert.equal(result.pendingUpdate, undefined);
    assert.deepEqual(registry.requests, { tags: 1, head: 1, get: 0 });
  });

  it('sees a floating version tag (1.2) move by digest and offers the same tag again', async () => {
    const registry = new FakeRegistry();
    const old = registry.image('1.2.3');
    const moved = registry.image('1.2.4');
    registry.tag(REPO, '1.2', moved.digest);
    registry.tag(REPO, '1.2.4', moved.digest);
    const result = await checkContainer(input({ image: `${SERVER}/${REPO}:1.2`, imageID: old.imageID, repoDigests: [repoDigest(old.digest)], scope: 'default' }), registry);
    assert.equal(result.outcome, 'update_available');
    assert.deepEqual(result.registryCheck.target, { tag: '1.2', version: '1.2', digest: moved.digest, image: `${SERVER}/${REPO}:1.2` });
    assert.deepEqual(result.registryCheck.newerVersions, [], '1.2.4 is inside 1.2\'s own subtree');
  });

  it('keeps the user\'s spelling of the image in the target (docker.io official image)', async () => {
    const registry = new FakeRegistry();
    const a = registry.image('a');
    const b = registry.image('b');
    registry.tag('library/nginx', '1.25.3', a.digest);
    registry.tag('library/nginx', '1.25.4', b.digest);
    const result = await checkContainer(input({ image: 'nginx:1.25.3', repoDigests: [`nginx@${a.digest}`], scope: 'patch' }), registry);
    assert.equal(result.registryCheck.registry, 'docker.io');
    assert.equal(result.registryCheck.target?.image, 'nginx:1.25.4');
    assert.equal(result.registryCheck.localDigest, a.digest);
  });
});

describe('checkContainer: mutable tags and multi-architecture images', () => {
  it('is up to date when the remote digest is the local repo digest, with one HEAD and no GET', async () => {
    const registry = new FakeRegistry();
    const image = registry.image('x');
    registry.tag(REPO, 'latest', image.digest);
    const result = await checkContainer(input({ image: `${SERVER}/${REPO}:latest`, imageID: image.imageID, repoDigests: [repoDigest(image.digest)], labels: { 'org.opencontainers.image.version': '3.1.0' } }), registry);
    assert.equal(result.outcome, 'up_to_date');
    assert.equal(result.registryCheck.resolvedCurrentVersion, '3.1.0');
    assert.deepEqual(registry.requests, { tags: 0, head: 1, get: 0 });
  });

  it('is up to date when the local digest is the platform manifest inside the remote index', async () => {
    const registry = new FakeRegistry();
    const amd = registry.image('amd64');
    const arm = registry.image('arm64');
    const index = registry.index([{ digest: amd.digest, platform: AMD64 }, { digest: arm.digest, platform: ARM64 }]);
    registry.tag(REPO, 'latest', index);
    const result = await checkContainer(input({ image: `${SERVER}/${REPO}:latest`, imageID: amd.imageID, repoDigests: [repoDigest(amd.digest)], labels: { 'org.opencontainers.image.version': '1' } }), registry);
    assert.equal(result.outcome, 'up_to_date');
    assert.equal(result.registryCheck.remoteDigest, index);
    assert.deepEqual(registry.requests, { tags: 0, head: 1, get: 1 });
  });

  it('never reports an update when a rebuilt index still holds the image that runs (config digest = image ID)', async () => {
    const registry = new FakeRegistry();
    const amd = registry.image('amd64');
    const oldIndex = registry.index([{ digest: amd.digest, platform: AMD64 }]);
    const newIndex = registry.index([{ digest: amd.digest, platform: AMD64 }, { digest: registry.image('arm64').digest, platform: ARM64 }]);
    registry.tag(REPO, 'latest', newIndex);
    // Pulled through the old index: RepoDigests holds the old index digest only.
    const result = await checkContainer(input({ image: `${SERVER}/${REPO}:latest`, imageID: amd.imageID, repoDigests: [repoDigest(oldIndex)], labels: { 'org.opencontainers.image.version': '1' } }), registry);
    assert.equal(result.outcome, 'up_to_date');
    assert.equal(result.registryCheck.updateAvailable, false);
  });

  it('picks the engine\'s platform from the index: an arm64 engine sees the arm64 image change', async () => {
    const registry = new FakeRegistry();
    const amd = registry.image('amd64');
    const armOld = registry.image('arm64-old');
    const armNew = registry.image('arm64-new');
    const index = registry.index([{ digest: amd.digest, platform: AMD64 }, { digest: armNew.digest, platform: ARM64 }]);
    registry.tag(REPO, 'latest', index);
    const onArm = await checkContainer(input({ image: `${SERVER}/${REPO}:latest`, imageID: armOld.imageID, repoDigests: [repoDigest(armOld.digest)], platform: { os: 'linux', architecture: 'aarch64' }, labels: { 'org.opencontainers.image.version': '1' } }), registry);
    assert.equal(onArm.outcome, 'update_available');
    assert.equal(onArm.registryCheck.target?.digest, index, 'the digest to pull is the index');
    const onAmd = await checkContainer(input({ image: `${SERVER}/${REPO}:latest`, imageID: amd.imageID, repoDigests: [repoDigest(amd.digest)], labels: { 'org.opencontainers.image.version': '1' } }), registry);
    assert.equal(onAmd.outcome, 'up_to_date');
  });

  it('fails clearly when the index no longer offers the engine\'s platform', async () => {
    const registry = new FakeRegistry();
    const arm = registry.image('arm64');
    const index = registry.index([{ digest: arm.digest, platform: ARM64 }]);
    registry.tag(REPO, 'latest', index);
    const old = registry.image('old');
    const result = await checkContainer(input({ image: `${SERVER}/${REPO}:latest`, imageID: old.imageID, repoDigests: [repoDigest(old.digest)] }), registry);
    assert.equal(result.outcome, 'check_failed');
    assert.match(result.registryCheck.lastError ?? '', /offers no image for linux\/amd64/);
  });

  it('names the versions behind a moved mutable tag with a bounded number of HEADs', async () => {
    const { registry, digests } = versionedRegistry();
    const current = digests['1.0.0'];
    const newest = digests['2.0.0'];
    assert.ok(current !== undefined && newest !== undefined);
    registry.tag(REPO, 'latest', newest.digest);
    const result = await checkContainer(input({ image: `${SERVER}/${REPO}:latest`, imageID: current.imageID, repoDigests: [repoDigest(current.digest)], maxVersionProbes: 4 }), registry);
    assert.equal(result.outcome, 'update_available');
    assert.deepEqual(result.registryCheck.target, { tag: 'latest', version: '2.0.0', digest: newest.digest, image: `${SERVER}/${REPO}:latest` });
    assert.equal(result.registryCheck.resolvedCurrentVersion, '1.0.0');
    assert.deepEqual(result.registryCheck.newerVersions, ['2.0.0']);
    assert.equal(result.pendingUpdate?.resolvedTargetVersion, '2.0.0');
    // latest, then 2.0.0, 1.1.0, 1.0.1, 1.0.0 (the 4-probe bound reaches 1.0.0); one GET to compare image IDs.
    assert.deepEqual(registry.requests, { tags: 1, head: 5, get: 1 });
  });

  it('stops naming after maxVersionProbes HEADs and leaves an unfound name out', async () => {
    const { registry, digests } = versionedRegistry();
    const current = digests['1.0.0'];
    const newest = digests['2.0.0'];
    assert.ok(current !== undefined && newest !== undefined);
    registry.tag(REPO, 'latest', newest.digest);
    const result = await checkContainer(input({ image: `${SERVER}/${REPO}:latest`, imageID: current.imageID, repoDigests: [repoDigest(current.digest)], maxVersionProbes: 2 }), registry);
    assert.equal(result.registryCheck.target?.version, '2.0.0');
    assert.equal(result.registryCheck.resolvedCurrentVersion, undefined);
    assert.equal(registry.requests.head, 3);
  });

  it('reuses the names of an earlier check while the digests are unchanged (no probes)', async () => {
    const { registry, digests } = versionedRegistry();
    const current = digests['1.0.0'];
    const newest = digests['2.0.0'];
    assert.ok(current !== undefined && newest !== undefined);
    registry.tag(REPO, 'latest', newest.digest);
    const base = input({ image: `${SERVER}/${REPO}:latest`, imageID: current.imageID, repoDigests: [repoDigest(current.digest)], maxVersionProbes: 4 });
    const first = await checkContainer(base, registry);
    const before = { ...registry.requests };
    const second = await checkContainer({ ...base, now: T1, previous: { registryCheck: first.registryCheck, ...(first.pendingUpdate === undefined ? {} : { pendingUpdate: first.pendingUpdate }) } }, registry);
    assert.deepEqual(second.registryCheck.target, first.registryCheck.target);
    assert.equal(second.registryCheck.resolvedCurrentVersion, '1.0.0');
    assert.deepEqual({ tags: registry.requests.tags - before.tags, head: registry.requests.head - before.head }, { tags: 0, head: 1 });
  });
});

describe('checkContainer: status over time', () => {
  it('keeps firstSeen and detectedAt while the target is unchanged, and moves them when it changes', async () => {
    const { registry, digests } = versionedRegistry();
    const current = digests['1.0.0'];
    assert.ok(current !== undefined);
    const base = input({ image: `${SERVER}/${REPO}:1.0.0`, repoDigests: [repoDigest(current.digest)] });
    const first = await checkContainer(base, registry);
    const second = await checkContainer({ ...base, now: T1, previous: { registryCheck: first.registryCheck, ...(first.pendingUpdate === undefined ? {} : { pendingUpdate: first.pendingUpdate }) } }, registry);
    assert.equal(second.registryCheck.firstSeen, '2026-01-10T10:00:00.000Z');
    assert.equal(second.registryCheck.lastSeen, '2026-01-10T16:00:00.000Z');
    assert.equal(second.pendingUpdate?.detectedAt, '2026-01-10T10:00:00.000Z');
    registry.tag(REPO, '2.1.0', registry.image('2.1.0').digest);
    const third = await checkContainer({ ...base, now: T1 + 1000, previous: { registryCheck: second.registryCheck, ...(second.pendingUpdate === undefined ? {} : { pendingUpdate: second.pendingUpdate }) } }, registry);
    assert.equal(third.registryCheck.target?.tag, '2.1.0');
    assert.equal(third.registryCheck.firstSeen, '2026-01-10T16:00:01.000Z');
    assert.equal(third.pendingUpdate?.detectedAt, '2026-01-10T16:00:01.000Z');
  });

  it('a failed check records its error and keeps the update found before, queue entry included', async () => {
    const { registry, digests } = versionedRegistry();
    const current = digests['1.0.0'];
    assert.ok(current !== undefined);
    const base = input({ image: `${SERVER}/${REPO}:1.0.0`, repoDigests: [repoDigest(current.digest)] });
    const first = await checkContainer(base, registry);
    registry.failWith(new RegistryError({ code: 'bad_response', registry: SERVER, message: 'GET /v2/team/app/tags/list: answered an HTML page instead of JSON' }));
    const second = await checkContainer({ ...base, now: T1, previous: { registryCheck: first.registryCheck, ...(first.pendingUpdate === undefined ? {} : { pendingUpdate: first.pendingUpdate }) } }, registry);
    assert.equal(second.outcome, 'check_failed');
    assert.equal(second.registryCheck.lastError, 'registry registry.test:5000: GET /v2/team/app/tags/list: answered an HTML page instead of JSON');
    assert.equal(second.registryCheck.updateAvailable, true);
    assert.deepEqual(second.registryCheck.target, first.registryCheck.target);
    assert.equal(second.registryCheck.lastChecked, '2026-01-10T16:00:00.000Z');
    assert.deepEqual(second.pendingUpdate, first.pendingUpdate);
    registry.failWith(undefined);
    const third = await checkContainer({ ...base, now: T1 + 1, previous: { registryCheck: second.registryCheck } }, registry);
    assert.equal(third.registryCheck.lastError, undefined, 'a good check clears the error');
  });

  it('a failed check after the container moved to another image drops the queue entry made for the old one', async () => {
    const { registry, digests } = versionedRegistry();
    const old = digests['1.0.0'];
    const updated = digests['1.1.0'];
    assert.ok(old !== undefined && updated !== undefined);
    const first = await checkContainer(input({ image: `${SERVER}/${REPO}:1.0.0`, repoDigests: [repoDigest(old.digest)] }), registry);
    assert.ok(first.pendingUpdate !== undefined);
    registry.failWith(new RegistryError({ code: 'server_error', registry: SERVER, message: 'GET /v2/: 502' }));
    const previous = { registryCheck: first.registryCheck, pendingUpdate: first.pendingUpdate };
    const after = await checkContainer(input({ image: `${SERVER}/${REPO}:1.1.0`, repoDigests: [repoDigest(updated.digest)], now: T1, previous }), registry);
    assert.equal(after.outcome, 'check_failed');
    assert.equal(after.pendingUpdate, undefined);
    assert.equal(after.registryCheck.localDigest, updated.digest);
    assert.equal(after.registryCheck.updateAvailable, false);
    assert.deepEqual(after.registryCheck.newerVersions, []);
  });

  it('marks a check refused by the quota reserve as rateLimited', async () => {
    const registry = new FakeRegistry();
    registry.failWith(new RegistryError({ code: 'rate_limited', registry: SERVER, message: 'request budget down to the scheduled reserve of 10' }));
    const result = await checkContainer(input({ image: `${SERVER}/${REPO}:1.0.0`, repoDigests: [repoDigest('sha256:' + 'a'.repeat(64))] }), registry);
    assert.equal(result.outcome, 'rate_limited');
    assert.equal(result.registryCheck.rateLimited, true);
  });

  it('queues only manual and self containers, and hides a rejected digest', async () => {
    const { registry, digests } = versionedRegistry();
    const current = digests['1.0.0'];
    assert.ok(current !== undefined);
    const base = input({ image: `${SERVER}/${REPO}:1.0.0`, repoDigests: [repoDigest(current.digest)] });
    const manual = await checkContainer(base, registry);
    assert.deepEqual(manual.pendingUpdate, {
      currentImage: `${SERVER}/${REPO}:1.0.0`,
      currentDigest: current.digest,
      remoteDigest: digests['2.0.0']?.digest,
      targetImage: `${SERVER}/${REPO}:2.0.0`,
      detectedAt: '2026-01-10T10:00:00.000Z',
      newerVersions: ['2.0.0', '1.1.0', '1.0.1'],
      resolvedCurrentVersion: '1.0.0',
      resolvedTargetVersion: '2.0.0',
    });
    assert.equal((await checkContainer({ ...base, policy: 'auto' }, registry)).pendingUpdate, undefined);
    assert.notEqual((await checkContainer({ ...base, policy: 'auto', self: true }, registry)).pendingUpdate, undefined);
    const rejected = await checkContainer({ ...base, rejectedUpdate: { digest: digests['2.0.0']?.digest ?? '' } }, registry);
    assert.equal(rejected.pendingUpdate, undefined);
    assert.equal(rejected.registryCheck.updateAvailable, true, 'rejection hides the queue entry, not the fact');
  });

  it('asks nothing for an image pinned by digest or never pulled from a registry', async () => {
    const registry = new FakeRegistry();
    const pinned = await checkContainer(input({ image: `${SERVER}/${REPO}@sha256:${'b'.repeat(64)}`, repoDigests: [repoDigest(`sha256:${'b'.repeat(64)}`)] }), registry);
    assert.equal(pinned.outcome, 'local');
    const local = await checkContainer(input({ image: 'myapp:dev', imageID: `sha256:${'c'.repeat(64)}`, repoDigests: [] }), registry);
    assert.equal(local.outcome, 'local');
    assert.equal(local.registryCheck.updateAvailable, false);
    assert.deepEqual(registry.requests, { tags: 0, head: 0, get: 0 });
  });

  it('reports an unreadable image reference as the check error', async () => {
    const result = await checkContainer(input({ image: 'Bad/Name:1', repoDigests: ['x'] }), new FakeRegistry());
    assert.equal(result.outcome, 'check_failed');
    assert.match(result.registryCheck.lastError ?? '', /invalid image reference "Bad\/Name:1": bad repository name component "Bad"/);
  });
});
