// Where registry credentials come from, against a real registry whose token service demands them: a Docker
// config.json for a registry without a Registry resource; a Registry resource (password in a Secret) wins over it;
// editing the Secret rebuilds the session at once; a missing Secret is reported on the Registry; no secret ever shows
// in a status. The Container resources are written by the test (no Docker needed for this).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkContainerNow } from '../../../controllers/registry-check/requests.ts';
import type { Registry, Secret, Settings } from '../../../schemas/generated/types.ts';
import { pushImage } from '../../testbed/registry-push.ts';
import { startRegistry, TEST_PASSWORD, TEST_USERNAME, type TestRegistry } from '../../testbed/registry.ts';
import { containerResource } from '../../unit/registry-check/fixtures.ts';
import { findResource, startCheckStack, within, type CheckStack } from './stack.ts';

const WRONG_PASSWORD = 'not-the-password';

describe('registry credentials (token registry that demands them)', () => {
  let registry: TestRegistry;
  let stack: CheckStack;
  let dir: string;

  before(async () => {
    registry = await startRegistry({ mode: 'token', tokenCredentials: true, name: 'cred-registry' });
    const current = await pushImage(registry, 'team/web', ['1.0.0'], { version: '1.0.0' });
    await pushImage(registry, 'team/web', ['2.0.0'], { version: '2.0.0' });
    dir = mkdtempSync(join(tmpdir(), 'vigil-docker-config-'));
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ auths: { [registry.server]: { auth: Buffer.from(`${TEST_USERNAME}:${TEST_PASSWORD}`).toString('base64') } } }));
    stack = await startCheckStack({ settings: { paused: true }, dockerConfigPath: configPath });
    await stack.api.create(containerResource({ name: 'web', image: `${registry.server}/team/web:1.0.0`, digest: current.digest }), { includeStatus: true });
  });
  after(async () => {
    await stack?.close();
    await registry?.cleanup();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function registryResource(what: string, check: (registry: Registry) => boolean): Promise<Registry> {
    return (await within(10_000, `Registry cred: ${what}`, async () => {
      const found = (await findResource(stack.api, 'Registry', undefined, 'cred')) as unknown as Registry | undefined;
      return found !== undefined && check(found) ? found : undefined;
    })).value;
  }

  function assertNoSecret(object: unknown): void {
    const text = JSON.stringify(object);
    for (const secret of [TEST_PASSWORD, WRONG_PASSWORD, Buffer.from(`${TEST_USERNAME}:${TEST_PASSWORD}`).toString('base64')]) assert.ok(!text.includes(secret), 'no secret in status');
  }

  test('without a Registry resource, the credentials of the Docker config.json are used; the figures go to Settings status', async () => {
    const answer = await checkContainerNow(stack.api, { namespace: 'local', name: 'web' });
    assert.equal(answer.outcome, 'update_available', answer.error);
    assert.equal(answer.container.status?.registryCheck?.target?.tag, '2.0.0');
    const settings = (await within(10_000, 'Settings lists the registry', async () => {
      const found = (await stack.api.get('Settings', undefined, 'default')) as Settings;
      return found.status?.registries?.some((entry) => entry.server === registry.server && entry.health === 'ok') === true ? found : undefined;
    })).value;
    const entry = settings.status?.registries?.find((item) => item.server === registry.server);
    // The first request meets the Bearer challenge (401), then the tag list and a HEAD; token requests are not counted.
    assert.equal(entry?.requests, 3);
    assert.equal(entry?.lastError, undefined);
  });

  test('a Registry resource wins over config.json, and an edit of its Secret takes effect at once', async () => {
    await stack.api.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cred', namespace: 'vigil-system' }, stringData: { password: WRONG_PASSWORD } } satisfies Secret);
    await stack.api.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Registry', metadata: { name: 'cred' }, spec: { server: registry.server, insecure: true, credentials: { username: TEST_USERNAME, passwordSecretRef: { name: 'cred', key: 'password' } } } } satisfies Registry);
    await registryResource('status written', (found) => found.status?.conditions !== undefined);

    const refused = await checkContainerNow(stack.api, { namespace: 'local', name: 'web' });
    assert.equal(refused.outcome, 'check_failed');
    assert.match(refused.error ?? '', /token service .* refused the credentials of vigil \(HTTP 401\)/);
    assert.equal(refused.container.status?.registryCheck?.target?.tag, '2.0.0', 'the update found before stays');
    const unauthorized = await registryResource('Unauthorized', (found) => found.status?.conditions?.find((c) => c.type === 'Ready')?.reason === 'Unauthorized');
    assert.equal(unauthorized.status?.health, 'error');
    assertNoSecret(unauthorized.status);
    assertNoSecret(refused.container.status);

    await stack.api.modify('Secret', 'vigil-system', 'cred', (current) => ({ ...current, data: { password: Buffer.from(TEST_PASSWORD).toString('base64') } }));
    const accepted = await within(10_000, 'the new password is used', async () => {
      const answer = await checkContainerNow(stack.api, { namespace: 'local', name: 'web' });
      return answer.outcome === 'update_available' ? answer : undefined;
    });
    assert.equal(accepted.value.container.status?.registryCheck?.lastError, undefined);
    const ready = await registryResource('Reachable', (found) => found.status?.conditions?.find((c) => c.type === 'Ready')?.reason === 'Reachable');
    assert.equal(ready.status?.health, 'ok');
    assertNoSecret(ready.status);
    // The registry now has a resource: it is no longer listed among the implicit ones.
    await within(10_000, 'Settings no longer lists it', async () => ((await stack.api.get('Settings', undefined, 'default')) as Settings).status?.registries?.some((entry) => entry.server === registry.server) !== true);
  });

  test('a Registry whose Secret is missing says so in its Ready condition and fails checks with that reason', async () => {
    await stack.api.modify('Registry', undefined, 'cred', (current) => ({ ...current, spec: { ...(current.spec as object), credentials: { username: TEST_USERNAME, passwordSecretRef: { name: 'gone', key: 'password' } } } }));
    const broken = await registryResource('SecretNotFound', (found) => found.status?.conditions?.find((c) => c.type === 'Ready')?.reason === 'SecretNotFound');
    assert.equal(broken.status?.conditions?.find((c) => c.type === 'Ready')?.message, 'Registry cred password: Secret vigil-system/gone not found');
    const answer = await checkContainerNow(stack.api, { namespace: 'local', name: 'web' });
    assert.equal(answer.outcome, 'check_failed');
    assert.equal(answer.error, 'Registry cred password: Secret vigil-system/gone not found');
  });
});
