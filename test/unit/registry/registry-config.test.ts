import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registryConfigFromResource, type SecretReader } from '../../../controllers/registry/registry-config.ts';
import type { Registry, Secret } from '../../../schemas/generated/types.ts';

function secret(namespace: string, name: string, data: Record<string, string>): Secret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')])) };
}

const secrets = new Map<string, Secret>([
  ['vigil-system/hub', secret('vigil-system', 'hub', { password: 'hub-token', ca: '-----BEGIN CERTIFICATE-----' })],
  ['team/user', secret('team', 'user', { name: 'robot' })],
]);
const read: SecretReader = (namespace, name) => secrets.get(`${namespace}/${name}`);

describe('registryConfigFromResource', () => {
  it('reads credentials and CA from Secrets (vigil-system by default) and the budget settings', () => {
    const registry: Registry = {
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'Registry',
      metadata: { name: 'hub' },
      spec: {
        server: 'index.docker.io',
        credentials: { usernameSecretRef: { name: 'user', namespace: 'team', key: 'name' }, passwordSecretRef: { name: 'hub', key: 'password' } },
        caSecretRef: { name: 'hub', key: 'ca' },
        concurrency: 8,
        rateLimitReserve: { manual: 5 },
        tagListTTL: '1h',
      },
    };
    assert.deepEqual(registryConfigFromResource(registry, read), {
      server: 'docker.io',
      credentials: { username: 'robot', password: 'hub-token' },
      ca: '-----BEGIN CERTIFICATE-----',
      concurrency: 8,
      rateLimitReserve: { scheduled: 10, manual: 5 },
      tagListTTLMs: 3_600_000,
    });
  });

  it('names the missing Secret or key, never a value', () => {
    const missingSecret: Registry = { apiVersion: 'vigil.dev/v1alpha1', kind: 'Registry', metadata: { name: 'r' }, spec: { server: 'ghcr.io', credentials: { username: 'u', passwordSecretRef: { name: 'nope', key: 'password' } } } };
    assert.throws(() => registryConfigFromResource(missingSecret, read), { name: 'RegistryConfigError', reason: 'SecretNotFound', message: 'Registry r password: Secret vigil-system/nope not found' });
    const missingKey: Registry = { ...missingSecret, spec: { server: 'ghcr.io', credentials: { username: 'u', passwordSecretRef: { name: 'hub', key: 'token' } } } };
    assert.throws(() => registryConfigFromResource(missingKey, read), { name: 'RegistryConfigError', reason: 'SecretKeyNotFound', message: 'Registry r password: Secret vigil-system/hub has no key "token"' });
  });
});
