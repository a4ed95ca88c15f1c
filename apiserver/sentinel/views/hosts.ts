// Host names as the REST API shows them: `host_id` is the Host's name (a Container's namespace), `host_name` its
// display name (Host spec.displayName, defaulting to the name), looked up once per answer.
import type { Host } from '../../../schemas/generated/types.ts';
import type { ResourceClient } from '../../resources/client.ts';

export type HostNames = (hostID: string) => string;

/** The display names of every Host, from the watch cache. */
export async function hostNames(resources: ResourceClient): Promise<HostNames> {
  const hosts = await resources.list('Host', { resourceVersion: '0' });
  const names = new Map<string, string>();
  for (const object of hosts.items) {
    const host = object as Host;
    const name = host.metadata.name ?? '';
    names.set(name, host.spec?.displayName ?? name);
  }
  return (hostID) => names.get(hostID) ?? hostID;
}
