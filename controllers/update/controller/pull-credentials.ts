// The credentials a pull sends (X-Registry-Auth): the ones the registry checks use for the image's registry (its
// Registry resource and Secret, else the config.json given to `vigil serve`), so that an image the scan could see can
// be updated; Sentinel pulls anonymously (a gap). Never persisted, never logged.
import type { Registry, Secret } from '../../../schemas/generated/types.ts';
import type { Lister } from '../../runtime/index.ts';
import type { Stored } from '../../stored.ts';
import type { Credentials } from '../../registry/credentials.ts';
import { registryConfigFromResource } from '../../registry/registry-config.ts';
import { canonicalRegistry, parseImageReference } from '../../../domain/registry/reference.ts';
import type { RegistryAuth } from '../docker/update-docker.ts';

export type CredentialsFor = (reference: string) => Promise<RegistryAuth | undefined>;

/** The credentials for a registry server (canonical name); throws when they are configured but cannot be read. */
export type RegistryCredentials = (server: string) => Credentials | undefined;

/**
 * Registry resources alone (Secrets from the cache), read as the registry client reads them; `vigil serve` passes the
 * registry checks' RegistryAccess.credentials instead, which adds the config.json.
 */
export function registryResourceCredentials(registries: Lister<Stored<Registry>>, secrets: Lister<Stored<Secret>>): RegistryCredentials {
  return (server) => {
    const resource = registries.list()
      .filter((candidate) => candidate.metadata.deletionTimestamp === undefined && canonicalRegistry(candidate.spec.server) === server)
      .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1))[0];
    if (resource === undefined) return undefined;
    return registryConfigFromResource(resource, (namespace, name) => secrets.get(`${namespace}/${name}`)).credentials;
  };
}

export function pullCredentials(credentials: RegistryCredentials): CredentialsFor {
  return async (reference) => {
    let registry: string;
    try {
      registry = parseImageReference(reference).registry;
    } catch {
      // An image ID or a reference Docker itself will refuse: nothing to authenticate.
      return undefined;
    }
    const found = credentials(registry);
    if (found === undefined) return undefined;
    return { serveraddress: registry, username: found.username, password: found.password };
  };
}
