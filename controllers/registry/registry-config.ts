// A Registry resource, with its Secrets read, as the client's RegistryConfig. The secret values go straight into the
// config (and the client's masker); messages name a Secret and a key, never a value.
import type { Registry, Secret, SecretKeySelector } from '../../schemas/generated/types.ts';
import { parseDuration } from '../../schemas/duration.ts';
import { DEFAULT_SECRET_NAMESPACE } from '../../schemas/index.ts';
import { canonicalRegistry } from './reference.ts';
import type { RegistryConfig } from './session.ts';

/** Reads a Secret by namespace and name (undefined when it does not exist). */
export type SecretReader = (namespace: string, name: string) => Promise<Secret | undefined>;

async function secretValue(read: SecretReader, selector: SecretKeySelector, what: string): Promise<string> {
  const namespace = selector.namespace ?? DEFAULT_SECRET_NAMESPACE;
  const secret = await read(namespace, selector.name);
  if (secret === undefined) throw new Error(`${what}: Secret ${namespace}/${selector.name} not found`);
  const encoded = secret.data?.[selector.key];
  if (encoded === undefined) throw new Error(`${what}: Secret ${namespace}/${selector.name} has no key ${JSON.stringify(selector.key)}`);
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** The client configuration a Registry resource describes; rejects with a message naming what is missing. */
export async function registryConfigFromResource(registry: Registry, read: SecretReader): Promise<RegistryConfig> {
  const spec = registry.spec;
  const where = `Registry ${registry.metadata.name ?? spec.server}`;
  const config: RegistryConfig = { server: canonicalRegistry(spec.server) };
  if (spec.credentials !== undefined) {
    const username = spec.credentials.username ?? (spec.credentials.usernameSecretRef === undefined ? undefined : await secretValue(read, spec.credentials.usernameSecretRef, `${where} username`));
    if (username === undefined) throw new Error(`${where}: credentials need a username or usernameSecretRef`);
    config.credentials = { username, password: await secretValue(read, spec.credentials.passwordSecretRef, `${where} password`) };
  }
  if (spec.caSecretRef !== undefined) config.ca = await secretValue(read, spec.caSecretRef, `${where} CA`);
  if (spec.insecure !== undefined) config.insecure = spec.insecure;
  if (spec.concurrency !== undefined) config.concurrency = spec.concurrency;
  if (spec.rateLimitReserve !== undefined) config.rateLimitReserve = { scheduled: spec.rateLimitReserve.scheduled ?? 10, manual: spec.rateLimitReserve.manual ?? 2 };
  if (spec.tagListTTL !== undefined) config.tagListTTLMs = parseDuration(spec.tagListTTL);
  return config;
}
