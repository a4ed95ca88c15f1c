// Scans on real engines and a real registry: containers on two hosts, several repositories, scopes, include/exclude
// patterns, ignored versions, a mutable multi-architecture tag, a container at the newest version, a pinned one and a
// filtered one; Settings paused first. Then the check of one image, a manual check, a requested full scan, and a
// registry behind a proxy that adds rate-limit headers, answers garbage and runs out of budget.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkContainerNow, requestImageCheck, requestScan } from '../../../controllers/registry-check/requests.ts';
import { registryRateLimits } from '../../../apiserver/sentinel/registries/rate-limits.ts';
import type { Container, Host, Registry, Settings, UpdateRecord } from '../../../schemas/generated/types.ts';
import { startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { startRegistryProxy, type RegistryProxy } from '../../testbed/registry-proxy.ts';
import { pushImage, putManifest } from '../../testbed/registry-push.ts';
import { startRegistry, type TestRegistry } from '../../testbed/registry.ts';
import { containerWhere, findResource, pushFromEngine, run, startCheckStack, within, type CheckStack } from './stack.ts';

const INDEX = 'application/vnd.docker.distribution.manifest.list.v2+json';

describe('scans on real engines and a real registry', () => {
  let first: DockerEngine;
  let second: DockerEngine;
  let registry: TestRegistry;
  let stack: CheckStack;
  let proxy: RegistryProxy | undefined;

  /** An index over the engine-pushed amd64 manifest `amd64` and a pushed arm64 one, under `tags`. */
  async function pushToolsIndex(amd64: string, version: string, tags: string[]): Promise<string> {
    const manifest = await registry.api('GET', `/v2/tools/manifests/${amd64}`, { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    const arm = await pushImage(registry, 'tools', [], { version, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    const body = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: INDEX,
      manifests: [
        { mediaType: String(manifest.headers['content-type']), size: manifest.body.length, digest: amd64, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: arm.mediaType, size: arm.size, digest: arm.digest, platform: arm.platform },
      ],
    }));
    let digest = '';
    for (const tag of tags) digest = await putManifest(registry, 'tools', tag, INDEX, body);
    return digest;
  }

  async function settings(): Promise<Settings> {
    return (await stack.api.get('Settings', undefined, 'default')) as Settings;
  }

  before(async () => {
    [first, second, registry] = await Promise.all([startDockerEngine({ name: 'scan-a' }), startDockerEngine({ name: 'scan-b' }), startRegistry({ mode: 'anonymous', name: 'scan-registry' })]);
    const server = registry.server;
    const digests = await pushFromEngine(first, server, ['web:1.0.0', 'api:3.1.0', 'db:16.0', 'cache:1.0', 'tools:latest'], 'source-1');
    for (const version of ['1.0.1', '1.1.0', '2.0.0']) await pushImage(registry, 'web', [version], { version: `web ${version}` });
    for (const version of ['3.2.0', '3.3.0', '4.0.0']) await pushImage(registry, 'api', [version], { version: `api ${version}` });
    await pushImage(registry, 'cache', ['1.1'], { version: 'cache 1.1' });
    await pushImage(registry, 'db', ['15.9'], { version: 'db 15.9' });
    await pushToolsIndex(digests.get('tools:latest') ?? '', 'tools 1', ['latest', '1.0']);
    for (const reference of ['web:1.0.0', 'api:3.1.0', 'db:16.0']) await second.docker(['pull', `${server}/${reference}`], { timeoutMs: 120_000 });

    await run(first, 'web-major', `${server}/web:1.0.0`, { 'sentinel.semver': 'major' });
    await run(first, 'web-patch', `${server}/web:1.0.0`, { 'sentinel.semver': 'patch' });
    await run(first, 'api-excl', `${server}/api:3.1.0`, { 'sentinel.semver': 'minor', 'sentinel.exclude-tags': '^3\\.3' });
    await run(first, 'cache-pinned', `${server}/cache:1.0`, { 'sentinel.policy': 'pinned', 'sentinel.semver': 'major' });
    await run(first, 'tools', `${server}/tools:latest`);
    await run(first, 'skip-me', `${server}/web:1.0.0`, { 'sentinel.semver': 'major' });
    await run(second, 'web-minor', `${server}/web:1.0.0`, { 'sentinel.semver': 'minor' });
    await run(second, 'api-ignored', `${server}/api:3.1.0`, { 'sentinel.semver': 'major' });
    await run(second, 'db', `${server}/db:16.0`, { 'sentinel.semver': 'major' });

    stack = await startCheckStack({ defaultDockerHost: first.host, settings: { paused: true, filters: ['skip-*'], scanConcurrency: 4 } });
    await stack.api.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name: 'second' }, spec: { dockerHost: second.host } } satisfies Host);
    await containerWhere(stack.api, 'second', 'api-ignored', 'discovered running', (c) => c.status?.image !== undefined && c.status.state === 'running');
    await stack.api.modify('Container', 'second', 'api-ignored', (current) => ({ ...current, spec: { ...(current.spec as object), ignoredVersions: ['4.0.0'] } }));
    for (const [host, name] of [['local', 'web-major'], ['local', 'web-patch'], ['local', 'api-excl'], ['local', 'cache-pinned'], ['local', 'tools'], ['local', 'skip-me'], ['second', 'web-minor'], ['second', 'db']] as const) {
      // Running, not only created: a scan looks at running containers (as Sentinel's does), and the inventory may
      // record a container with its image before the engine's start event (seen on a loaded CI machine).
      await containerWhere(stack.api, host, name, 'discovered running with its image digest', (c) => (c.status?.repoDigests ?? []).length > 0 && c.status?.state === 'running');
    }
  });

  after(async () => {
    await stack?.close();
    await proxy?.stop();
    await Promise.allSettled([first?.cleanup(), second?.cleanup(), registry?.cleanup()]);
  });

  test('paused: nothing is checked; unpaused: the first scan finds exactly the right target on every host', async () => {
    await stack.idle();
    const quiet = await stack.api.list('Container');
    assert.deepEqual(quiet.items.filter((item) => (item as Container).status?.registryCheck !== undefined).map((item) => item.metadata.name), [], 'paused: no check');

    await stack.api.modify('Settings', undefined, 'default', (current) => ({ ...current, spec: { ...(current.spec as object), paused: false } }));
    const scanned = await within(60_000, 'the first scan', async () => {
      const found = await settings();
      return found.status?.lastScan !== undefined && found.status.scanning === false ? found : undefined;
    });
    const check = async (host: string, name: string): Promise<Container['status']> => ((await findResource(stack.api, 'Container', host, name)) as Container).status;
    const server = registry.server;

    const webMajor = await check('local', 'web-major');
    assert.deepEqual(webMajor?.registryCheck?.newerVersions, ['2.0.0', '1.1.0', '1.0.1']);
    assert.equal(webMajor?.registryCheck?.target?.image, `${server}/web:2.0.0`);
    assert.equal(webMajor?.pendingUpdate?.targetImage, `${server}/web:2.0.0`);
    assert.equal(webMajor?.conditions?.find((c) => c.type === 'UpdateAvailable')?.status, 'True');
    const webPatch = await check('local', 'web-patch');
    assert.equal(webPatch?.registryCheck?.target?.tag, '1.0.1');
    assert.equal(webPatch?.registryCheck?.beyondScopeCount, 2);
    assert.equal((await check('second', 'web-minor'))?.registryCheck?.target?.tag, '1.1.0');
    const apiExcl = await check('local', 'api-excl');
    assert.deepEqual(apiExcl?.registryCheck?.newerVersions, ['3.2.0'], 'minor scope, 3.3 excluded');
    assert.deepEqual((await check('second', 'api-ignored'))?.registryCheck?.newerVersions, ['3.3.0', '3.2.0'], '4.0.0 ignored');
    const db = await check('second', 'db');
    assert.equal(db?.registryCheck?.updateAvailable, false);
    assert.equal(db?.conditions?.find((c) => c.type === 'UpdateAvailable')?.reason, 'UpToDate');
    const tools = await check('local', 'tools');
    assert.equal(tools?.registryCheck?.updateAvailable, false, 'the index holds the very platform image that runs');
    assert.equal(tools?.pendingUpdate, undefined);
    assert.equal((await check('local', 'cache-pinned'))?.registryCheck, undefined, 'pinned: not checked');
    assert.equal((await check('local', 'skip-me'))?.registryCheck, undefined, 'filtered: not checked');

    assert.deepEqual(scanned.value.status?.counts, { containers: 9, running: 9, pending: 5 });
    const records = await stack.api.list('UpdateRecord', { namespace: 'vigil-system' });
    assert.deepEqual((records.items.map((item) => (item as unknown as UpdateRecord).spec.summary)), [{ checked: 7, updatesAvailable: 5, updated: 0, failed: 0, rateLimited: 0, skipped: 2 }]);
    // Tag lists of web, api, db (tools is named by its label); HEADs of 2.0.0, 1.1.0, 1.0.1, 3.2.0, 3.3.0, 16.0 and
    // tools:latest; one GET of the tools index. (The first requests try HTTPS, refused by the plain HTTP registry
    // before any HTTP request: not counted.)
    assert.deepEqual(stack.checks.access.client.stats(server).byKind, { tags: 3, manifestHead: 7, manifestGet: 1, token: 0 });
    const implicit = scanned.value.status?.registries?.find((entry) => entry.server === server);
    assert.equal(implicit?.requests, 11);
    assert.equal(implicit?.health, 'ok');
  });

  test('the check of one image finds the new multi-architecture image behind a mutable tag and names its version', async () => {
    const server = registry.server;
    const built = await pushImage(registry, 'tools', [], { version: 'tools 2', platform: { os: 'linux', architecture: 'amd64' } });
    const index = await pushToolsIndex(built.digest, 'tools 2', ['latest', '2.0']);
    const request = await requestImageCheck(stack.api, `${server}/tools:latest`);
    assert.deepEqual(request.containers, [{ namespace: 'local', name: 'tools' }]);
    const tools = await containerWhere(stack.api, 'local', 'tools', 'image check handled', (c) => c.status?.handledRequests?.check === request.requestedAt);
    assert.deepEqual(tools.status?.registryCheck?.target, { tag: 'latest', version: '2.0', digest: index, image: `${server}/tools:latest` });
    assert.equal(tools.status?.registryCheck?.remoteDigest, index);
  });

  test('a manual check sees a version pushed a moment ago (fresh tag list) and answers synchronously', async () => {
    const before = await checkContainerNow(stack.api, { namespace: 'second', name: 'db' });
    assert.equal(before.outcome, 'up_to_date');
    await pushImage(registry, 'db', ['16.1'], { version: 'db 16.1' });
    const answer = await checkContainerNow(stack.api, { namespace: 'second', name: 'db' }, { requestedBy: 'alice' });
    assert.equal(answer.outcome, 'update_available');
    assert.deepEqual(answer.newerVersions, ['16.1']);
    assert.equal(answer.container.spec?.check?.requestedBy, 'alice');
  });

  test('a requested full scan checks everything again and is recorded as handled', async () => {
    const before = stack.checks.access.client.stats(registry.server).byKind;
    const requestedAt = await requestScan(stack.api, { requestedBy: 'bob' });
    const done = await within(60_000, 'the requested scan', async () => {
      const found = await settings();
      return found.status?.handledRequests?.scan === requestedAt ? found : undefined;
    });
    assert.ok(Date.parse(done.value.status?.lastScan ?? '') >= Math.floor(Date.parse(requestedAt) / 1000) * 1000, 'lastScan (second precision) is after the request');
    // Within the tag-list TTL: no tag list, one HEAD per target (web 2.0.0/1.1.0/1.0.1, api 3.2.0/3.3.0, db 16.1,
    // tools:latest). Results that did not change are not written again (lastChecked moves at least hourly).
    const after = stack.checks.access.client.stats(registry.server).byKind;
    assert.equal(after.tags - before.tags, 0);
    assert.equal(after.manifestHead - before.manifestHead, 7);
    const records = await stack.api.list('UpdateRecord', { namespace: 'vigil-system' });
    assert.ok(records.items.some((item) => (item as unknown as UpdateRecord).spec.requestedBy === 'bob'));
  });

  test('a registry behind a proxy: rate limits in its Registry status, garbage keeps the update found, the scheduled reserve stops scans but not a manual check', async () => {
    proxy = await startRegistryProxy(registry.url);
    const viaProxy = `${proxy.server}/web:1.0.0`;
    await first.docker(['pull', viaProxy], { timeoutMs: 120_000 });
    await run(first, 'via-proxy', viaProxy, { 'sentinel.semver': 'major' });
    await stack.api.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Registry', metadata: { name: 'limited' }, spec: { server: proxy.server, insecure: true } } satisfies Registry);
    await containerWhere(stack.api, 'local', 'via-proxy', 'discovered running', (c) => (c.status?.repoDigests ?? []).length > 0 && c.status?.state === 'running');
    proxy.setRateLimit({ limit: 100, remaining: 90, windowSeconds: 21600, style: 'docker' });
    const scan = async (): Promise<void> => {
      const requestedAt = await requestScan(stack.api);
      await within(60_000, 'a requested scan', async () => (await settings()).status?.handledRequests?.scan === requestedAt);
    };
    const limited = async (check: (registry: Registry) => boolean, what: string): Promise<Registry> => (await within(10_000, `Registry limited: ${what}`, async () => {
      const found = (await findResource(stack.api, 'Registry', undefined, 'limited')) as unknown as Registry;
      return check(found) ? found : undefined;
    })).value;

    await scan();
    const found = await containerWhere(stack.api, 'local', 'via-proxy', 'checked', (c) => c.status?.registryCheck?.target !== undefined);
    assert.equal(found.status?.registryCheck?.target?.image, `${proxy.server}/web:2.0.0`);
    const budget = await limited((r) => r.status?.requests === 2, 'two requests');
    // Docker Hub's headers give no reset time: none is invented.
    assert.deepEqual(budget.status?.rateLimit, { limit: 100, remaining: 88, windowSeconds: 21600 });
    assert.equal(budget.status?.health, 'ok');
    assert.equal(budget.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'Reachable');

    // Garbage: an HTML page instead of the tag list.
    proxy.inject({ kind: 'html' }, { path: /\/tags\/list/, times: 1 });
    const failed = await checkContainerNow(stack.api, { namespace: 'local', name: 'via-proxy' });
    assert.equal(failed.outcome, 'check_failed');
    assert.match(failed.error ?? '', /^registry 127\.0\.0\.1:\d+: GET \/v2\/web\/tags\/list\?n=1000: answered an HTML page instead of JSON$/);
    assert.deepEqual(failed.container.status?.registryCheck?.target, found.status?.registryCheck?.target, 'the update found before is kept');
    assert.deepEqual(failed.container.status?.pendingUpdate, found.status?.pendingUpdate);
    const broken = await limited((r) => r.status?.health === 'error', 'health error');
    assert.equal(broken.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'RegistryError');

    // Down to 5 left: a scan may use the budget down to 10, a manual check down to 2.
    proxy.setRateLimit({ limit: 100, remaining: 5, windowSeconds: 21600, style: 'docker' });
    await scan();
    await scan();
    const stopped = await containerWhere(stack.api, 'local', 'via-proxy', 'rate limited', (c) => c.status?.registryCheck?.rateLimited === true);
    assert.match(stopped.status?.registryCheck?.lastError ?? '', /request budget down to the scheduled reserve of 10/);
    assert.equal(stopped.status?.registryCheck?.updateAvailable, true);
    const manual = await checkContainerNow(stack.api, { namespace: 'local', name: 'via-proxy' });
    assert.equal(manual.outcome, 'update_available');
    // The manual check's tag list and HEAD leave 2: low (under 20 %), not exhausted.
    const low = await limited((r) => r.status?.rateLimit?.remaining === 2, 'two left');
    assert.equal(low.status?.health, 'low');
    const reported = await registryRateLimits(stack.api);
    assert.deepEqual(reported.map((entry) => [entry.server, entry.registryName]).sort(), [[proxy.server, 'limited'], [registry.server, undefined]].sort());
  });
});
