// The update's pulls under the test-only registry host map (domain/registry/host-map.ts): a pull of
// `ghcr.io/owner/app:1.0` fetches `127.0.0.1:PORT/owner/app:1.0` and tags it `ghcr.io/owner/app:1.0`, so that the
// engine ends with the reference the update asked for, as after a real pull, and the container is created from it.
import type { RegistryHostMap } from '../../../domain/registry/host-map.ts';
import { mappedReference } from '../../../domain/registry/host-map.ts';
import type { RegistryAuth, UpdateDocker } from './update-docker.ts';

/** `docker` with pullImage redirected by `map`; every other call goes straight through. `docker` itself when the map is empty. */
export function withRegistryHostMap(docker: UpdateDocker, map: RegistryHostMap): UpdateDocker {
  if (map.size === 0) return docker;
  const pullImage = async (reference: string, auth: RegistryAuth | undefined, signal: AbortSignal): Promise<void> => {
    const mapped = mappedReference(reference, map);
    if (mapped === undefined) {
      await docker.pullImage(reference, auth, signal);
      return;
    }
    await docker.pullImage(mapped.pull, auth, signal);
    if (mapped.tag === undefined) return;
    const image = await docker.inspectImage(mapped.pull, signal);
    if (image === undefined) throw new Error(`${mapped.pull} is not on the engine after the pull`);
    await docker.tagImage(image.Id, mapped.repository, mapped.tag, signal);
  };
  // A Proxy rather than a class repeating every method: only pullImage changes, and methods stay bound to the
  // original (its private fields).
  return new Proxy(docker, {
    get(target, property) {
      if (property === 'pullImage') return pullImage;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
