// The credentials a pull sends (X-Registry-Auth), from the Registry resource of the image's registry and its Secret,
// read the same way the registry client reads them (registry-config.ts): Sentinel pulls anonymously (a gap), so
// private images the scan could see could not be updated. Never persisted, never logged.
import type { ResourceClient } from '../../../apiserver/resources/client.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import type { Registry, Secret } from '../../../schemas/generated/types.ts';
import type { Lister } from '../../runtime/index.ts';
import type { Stored } from '../../stored.ts';
import { registryConfigFromResource } from '../../registry/registry-config.ts';
import { canonicalRegistry, parseImageReference } from '../../registry/reference.ts';
import type { RegistryAuth } from '../docker/update-docker.ts';

export type CredentialsFor = (reference: string) => Promise<RegistryAuth | undefined>;

export function pullCredentials(registries: Lister<Stored<Registry>>, client: ResourceClient): CredentialsFor {
  const readSecret = async (namespace: string, name: string): Promise<Secret | undefined> => {
    try {
      return (await client.get('Secret', namespace, name)) as unknown as Secret;
    } catch (error) {
      if (isApiError(error, 'NotFound')) return undefined;
      throw error;
    }
  };
  return async (reference) => {
    let registry: string;
    try {
      registry = parseImageReference(reference).registry;
    } catch {
      // An image ID or a reference Docker itself will refuse: nothing to authenticate.
      return undefined;
    }
    const resource = registries.list().find((candidate) => canonicalRegistry(candidate.spec.server) === registry);
    if (resource?.spec.credentials === undefined) return undefined;
    const config = await registryConfigFromResource(resource, readSecret);
    if (config.credentials === undefined) return undefined;
    return { serveraddress: resource.spec.server, username: config.credentials.username, password: config.credentials.password };
  };
}
