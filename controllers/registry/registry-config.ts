// A Registry resource, with its Secrets read, as the client's RegistryConfig. The secret values go straight into the
// config (and the client's masker); messages name a Secret and a key, never a value. Synchronous: the controllers
// read Secrets from their informer's cache, and the client asks for a registry's config when it opens its session.
import type { Registry, Secret, SecretKeySelector } from '../../schemas/generated/types.ts';
import { parseDuration } from '../../schemas/duration.ts';
import { DEFAULT_SECRET_NAMESPACE } from '../../schemas/index.ts';
import { canonicalRegistry } from '../../domain/registry/reference.ts';
import type { RegistryConfig } from './session.ts';

/** Reads a Secret by namespace and name (undefined when it does not exist). */
export type SecretReader = (namespace: string, name: string) => Secret | undefined;

/** Why a Registry resource cannot be turned into a configuration; `reason` is a condition reason. */
export class RegistryConfigError extends Error {
  readonly reason: 'SecretNotFound' | 'SecretKeyNotFound' | 'InvalidCredentials';

  constructor(reason: RegistryConfigError['reason'], message: string) {
    super(message);
    this.name = 'RegistryConfigError';
    this.reason = reason;
  }
}

function secretValue(read: SecretReader, selector: SecretKeySelector, what: string): string {
  const namespace = selector.namespace ?? DEFAULT_SECRET_NAMESPACE;
  const secret = read(namespace, selector.name);
  if (secret === undefined) throw new RegistryConfigError('SecretNotFound', `${what}: Secret ${namespace}/${selector.name} not found`);
  // stringData is merged into data by the API server; a Secret handed over before that still counts.
  const plain = secret.stringData?.[selector.key];
  if (plain !== undefined) return plain;
  const encoded = secret.data?.[selector.key];
  if (encoded === undefined) throw new RegistryConfigError('SecretKeyNotFound', `${what}: Secret ${namespace}/${selector.name} has no key ${JSON.stringify(selector.key)}`);
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** The client configuration a Registry resource describes; throws RegistryConfigError naming what is missing. */
export function registryConfigFromResource(registry: Registry, read: SecretReader): RegistryConfig {
  const spec = registry.spec;
  const where = `Registry ${registry.metadata.name ?? spec.server}`;
  const config: RegistryConfig = { server: canonicalRegistry(spec.server) };
  if (spec.credentials !== undefined) {
    const username = spec.credentials.username ?? (spec.credentials.usernameSecretRef === undefined ? undefined : secretValue(read, spec.credentials.usernameSecretRef, `${where} username`));
    if (username === undefined) throw new RegistryConfigError('InvalidCredentials', `${where}: credentials need a username or usernameSecretRef`);
    config.credentials = { username, password: secretValue(read, spec.credentials.passwordSecretRef, `${where} password`) };
  }
  if (spec.caSecretRef !== undefined) config.ca = secretValue(read, spec.caSecretRef, `${where} CA`);
  if (spec.insecure !== undefined) config.insecure = spec.insecure;
  if (spec.concurrency !== undefined) config.concurrency = spec.concurrency;
  if (spec.rateLimitReserve !== undefined) config.rateLimitReserve = { scheduled: spec.rateLimitReserve.scheduled ?? 10, manual: spec.rateLimitReserve.manual ?? 2 };
  if (spec.tagListTTL !== undefined) config.tagListTTLMs = parseDuration(spec.tagListTTL);
  return config;
}
