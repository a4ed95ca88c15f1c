// Reads every route group shares, all from the watch cache (resourceVersion "0": memory, and read-your-writes for
// anything written through this process, since writes return once the cache has them).
import type { Container, Settings, Snapshot, UpdateRecord } from '../../schemas/generated/types.ts';
import type { ResourceClient } from '../resources/client.ts';
import { isApiError } from '../resources/errors.ts';
import type { StoredContainer } from './container-key.ts';
import { isShown } from './views/container-view.ts';

const CACHED = { resourceVersion: '0' } as const;

export async function listContainers(resources: ResourceClient, namespace?: string): Promise<StoredContainer[]> {
  const list = await resources.list('Container', { ...CACHED, ...(namespace === undefined ? {} : { namespace }) });
  return list.items as StoredContainer[];
}

/** The containers the listing views show (views/container-view.ts isShown: present, and Settings.showStopped). */
export async function listShownContainers(resources: ResourceClient): Promise<StoredContainer[]> {
  const [containers, settings] = await Promise.all([listContainers(resources), readSettings(resources)]);
  return containers.filter((container) => isShown(container, settings));
}

export async function listUpdateRecords(resources: ResourceClient, namespace?: string): Promise<UpdateRecord[]> {
  const list = await resources.list('UpdateRecord', { ...CACHED, ...(namespace === undefined ? {} : { namespace }) });
  return list.items as unknown as UpdateRecord[];
}

export async function listSnapshots(resources: ResourceClient, namespace: string): Promise<Snapshot[]> {
  const list = await resources.list('Snapshot', { ...CACHED, namespace });
  return list.items as unknown as Snapshot[];
}

/** Settings `default`, or undefined before anyone created it (every field then has its built-in default). */
export async function readSettings(resources: ResourceClient): Promise<Settings | undefined> {
  try {
    return (await resources.get('Settings', undefined, 'default')) as unknown as Settings;
  } catch (error) {
    if (isApiError(error, 'NotFound')) return undefined;
    throw error;
  }
}

/** Whether a record or snapshot belongs to the container (by resource name, or Docker name for older records). */
export function belongsTo(container: Container, spec: { container?: string; containerName?: string }, dockerName: string): boolean {
  if (spec.container !== undefined) return spec.container === container.metadata.name;
  return spec.containerName === dockerName;
}
