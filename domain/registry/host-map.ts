// A test-only redirection of registry names to local registries (docs/registry.md "Test-only: registry host map"):
// `VIGIL_REGISTRY_HOST_MAP=docker.io=127.0.0.1:5001,ghcr.io=127.0.0.1:5002` makes the registry client and the update's
// pulls reach docker.io and ghcr.io at those addresses, so that the tests can stand a local registry in for each.
// Only loopback targets are accepted: the map cannot send a request (or credentials) to another machine.
import { canonicalRegistry, isLoopbackServer, parseImageReference } from './reference.ts';

/** Canonical registry name → host:port on loopback. */
export type RegistryHostMap = ReadonlyMap<string, string>;

export const HOST_MAP_ENV = 'VIGIL_REGISTRY_HOST_MAP';

/** Parses `name=host:port[,name=host:port…]`; throws saying which entry is wrong. Empty or absent: an empty map. */
export function parseRegistryHostMap(text: string | undefined): RegistryHostMap {
  const map = new Map<string, string>();
  for (const entry of (text ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const equals = entry.indexOf('=');
    const name = equals < 0 ? '' : entry.slice(0, equals).trim();
    const target = equals < 0 ? '' : entry.slice(equals + 1).trim();
    if (name === '' || target === '') throw new Error(`${HOST_MAP_ENV}: ${JSON.stringify(entry)} is not registry=host:port`);
    if (!isLoopbackServer(target)) throw new Error(`${HOST_MAP_ENV}: ${JSON.stringify(target)} is not on loopback (the map is for tests only: 127.0.0.1, [::1] or localhost)`);
    map.set(canonicalRegistry(name), canonicalRegistry(target));
  }
  return map;
}

/** The reference the engine should pull instead of `reference` (same repository, tag and digest), or undefined. */
export function mappedReference(reference: string, map: RegistryHostMap): { pull: string; repository: string; tag?: string } | undefined {
  if (map.size === 0) return undefined;
  const parsed = parseImageReference(reference);
  const target = map.get(parsed.registry);
  if (target === undefined) return undefined;
  const suffix = parsed.digest !== undefined ? `@${parsed.digest}` : `:${parsed.tag ?? 'latest'}`;
  return { pull: `${target}/${parsed.repository}${suffix}`, repository: parsed.name, ...(parsed.digest === undefined ? { tag: parsed.tag ?? 'latest' } : {}) };
}
