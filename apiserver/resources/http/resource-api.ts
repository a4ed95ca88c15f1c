// The Kubernetes-style resource API over HTTP: collection, item and subresource routes for every kind, with one
// error handler that answers every failure as a Kubernetes Status. The handlers are a thin layer over the registry.
import type { FastifyInstance } from 'fastify';
import type { CachedStore } from '../../storage/cache/cached-store.ts';
import type { ResourceRegistry } from '../registry.ts';

/** Reads the last lines of a Container's Docker log; throws an ApiError (NotFound...) when it cannot. */
export type ContainerLogsProvider = (namespace: string, name: string, options: { tailLines: number }) => Promise<string>;

export interface WatchTimeoutRange {
  minSeconds: number;
  maxSeconds: number;
}

export interface ResourceApiOptions {
  store: CachedStore;
  resources: ResourceRegistry;
  bodyLimit: number;
  garbageCollection: boolean;
  containerLogs?: ContainerLogsProvider;
  now?: () => Date;
  watchTimeoutSeconds?: WatchTimeoutRange;
}

export async function resourceApi(_app: FastifyInstance, _options: ResourceApiOptions): Promise<void> {
  // Routes follow.
}
