// The generated kind types (schemas/generated/types.ts) describe what a client may send, where metadata.name is
// optional (generateName); an object read back from the store always has its name. `Stored<Container>` is a
// Container as informers and the ResourceClient hand it out.
import type { ResourceObject } from '../apiserver/resources/client.ts';

export type Stored<T> = T & ResourceObject;

/** The later of two reads of one object (store revisions only grow); `b` when `a` is absent. */
export function newerOf<T extends ResourceObject>(a: T | undefined, b: T): T {
  return a !== undefined && Number(a.metadata.resourceVersion) >= Number(b.metadata.resourceVersion) ? a : b;
}
