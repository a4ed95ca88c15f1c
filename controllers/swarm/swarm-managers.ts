// The manager Hosts of each swarm, from the live Host sessions: several managers of one swarm (same cluster ID) give one
// set of services, and a call moves on to the next manager when one is unreachable (failover).
import { isDockerError } from '../../domain/docker/client.ts';
import type { HostSessions } from '../hosts/host-sessions.ts';
import type { SwarmServiceApi } from './service-api.ts';

export interface SwarmManager {
  hostName: string;
  api: SwarmServiceApi;
}

export type ServiceApiFor = (hostName: string) => SwarmServiceApi | undefined;

/** Cluster ID → its connected managers, by host name (a stable order, so every pass asks the same one first). */
export function managersByCluster(sessions: HostSessions, apiFor: ServiceApiFor): Map<string, SwarmManager[]> {
  const clusters = new Map<string, SwarmManager[]>();
  for (const hostName of sessions.hostNames().sort()) {
    const session = sessions.get(hostName);
    const swarm = session?.snapshot().engine?.swarm;
    if (session?.client === undefined || swarm?.role !== 'manager' || swarm.clusterID === undefined) continue;
    const api = apiFor(hostName);
    if (api === undefined) continue;
    const list = clusters.get(swarm.clusterID) ?? [];
    list.push({ hostName, api });
    clusters.set(swarm.clusterID, list);
  }
  return clusters;
}

export class NoManagerError extends Error {
  constructor(clusterID: string, errors: readonly string[]) {
    super(`no manager of swarm ${clusterID} answered${errors.length === 0 ? ' (none is connected)' : `: ${errors.join('; ')}`}`);
    this.name = 'NoManagerError';
  }
}

/** Runs `call` on the first manager that answers; an unreachable one (or a demoted one) hands over to the next. */
export async function onSomeManager<T>(clusterID: string, managers: readonly SwarmManager[], call: (manager: SwarmManager) => Promise<T>): Promise<{ value: T; manager: SwarmManager }> {
  const errors: string[] = [];
  for (const manager of managers) {
    try {
      return { value: await call(manager), manager };
    } catch (error) {
      // 503 "This node is not a swarm manager" (demoted, or lost quorum) and a lost connection: try the next one.
      if (isDockerError(error, 'Unreachable') || (isDockerError(error, 'EngineError') && error.statusCode === 503)) {
        errors.push(`${manager.hostName}: ${error.message}`);
        continue;
      }
      throw error;
    }
  }
  throw new NoManagerError(clusterID, errors);
}
