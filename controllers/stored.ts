// The generated kind types (schemas/generated/types.ts) describe what a client may send, where metadata.name is
// optional (generateName); an object read back from the store always has its name. `Stored<Container>` is a
// Container as informers and the ResourceClient hand it out.
import type { ResourceObject } from '../apiserver/resources/client.ts';

export type Stored<T> = T & ResourceObject;
