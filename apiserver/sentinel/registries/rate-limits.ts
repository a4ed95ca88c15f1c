// GET /api/ratelimits and GET /api/about: the registries' request budgets as the registry checker records them, read
// from the store (Registry statuses, and Settings status for registries without a Registry resource).
import type { ResourceClient } from '../../resources/client.ts';
import { isApiError } from '../../resources/errors.ts';
import type { Registry, RegistryStatus, Settings } from '../../../schemas/generated/types.ts';
import { canonicalRegistry } from '../../../domain/registry/reference.ts';

/** One registry's budget and health, wherever it is recorded. */
export interface RegistryRateLimit extends Omit<RegistryStatus, 'conditions' | 'observedGeneration'> {
  /** Canonical server (docker.io, ghcr.io, host:port). */
  server: string;
  /** The Registry resource that holds it; absent for a registry used without one (Settings status.registries). */
  registryName?: string;
}

/**
 * GET /api/ratelimits: every registry Vigil has asked since it started, from the Registry resources' status and, for
 * registries without a resource, Settings `status.registries`. Sorted by server.
 */
export async function registryRateLimits(client: ResourceClient): Promise<RegistryRateLimit[]> {
  const [registries, settings] = await Promise.all([client.list('Registry'), readOptionalSettings(client)]);
  const result: RegistryRateLimit[] = [];
  for (const object of registries.items) {
    const registry = object as unknown as Registry;
    const status = registry.status;
    if (status === undefined) continue;
    const { conditions: _conditions, observedGeneration: _generation, ...figures } = status;
    result.push({ server: canonicalRegistry(registry.spec.server), registryName: registry.metadata.name ?? '', ...figures });
  }
  for (const implicit of settings?.status?.registries ?? []) result.push({ ...implicit });
  return result.sort((a, b) => (a.server < b.server ? -1 : a.server > b.server ? 1 : 0));
}

async function readOptionalSettings(client: ResourceClient): Promise<Settings | undefined> {
  try {
    return (await client.get('Settings', undefined, 'default')) as Settings;
  } catch (error) {
    if (isApiError(error, 'NotFound')) return undefined;
    throw error;
  }
}
