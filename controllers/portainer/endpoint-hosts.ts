// From a PortainerInstance and the endpoints Portainer lists, the Hosts that should exist (pure, newX(owner) style):
// one per Docker endpoint (types 1, 2 and 4) not left out by spec.endpoints.ids, reached through Portainer's Docker
// proxy, owned by the instance; and the endpoint rows of the instance's status.
import type { Host, PortainerEndpointStatus, PortainerInstance } from '../../schemas/generated/types.ts';
import { DOCKER_ENDPOINT_TYPES, type PortainerEndpoint } from './portainer-client.ts';

export const INSTANCE_LABEL = 'vigil.dev/portainer-instance';
export const ENDPOINT_LABEL = 'vigil.dev/portainer-endpoint';

const MAX_LABEL = 63;

/** portainer-<instance>-<id>, the instance part shortened so that the name stays a DNS-1123 label. */
export function endpointHostName(instance: string, endpointId: number): string {
  const suffix = `-${endpointId}`;
  const room = MAX_LABEL - 'portainer-'.length - suffix.length;
  return `portainer-${instance.slice(0, room).replace(/-+$/, '')}${suffix}`;
}

/** The Docker proxy of an endpoint: https://portainer/api/endpoints/ID/docker. */
export function proxyURL(instanceURL: string, endpointId: number): string {
  return `${instanceURL.replace(/\/+$/, '')}/api/endpoints/${endpointId}/docker`;
}

function skipReason(instance: PortainerInstance, endpoint: PortainerEndpoint): string | undefined {
  if (!DOCKER_ENDPOINT_TYPES.includes(endpoint.type)) return `not a Docker endpoint (type ${endpoint.type})`;
  const ids = instance.spec.endpoints?.ids;
  if (ids !== undefined && !ids.includes(endpoint.id)) return 'not in spec.endpoints.ids';
  return undefined;
}

function endpointState(endpoint: PortainerEndpoint): 'up' | 'down' | 'edgeAsync' {
  if (endpoint.type === 4 && endpoint.edgeAsync) return 'edgeAsync';
  return endpoint.status === 2 ? 'down' : 'up';
}

/** The Host of a managed endpoint, as the portainer controller applies it (its whole spec). */
export function newEndpointHost(instance: PortainerInstance, uid: string, endpoint: PortainerEndpoint): Host {
  const { spec } = instance;
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Host',
    metadata: {
      name: endpointHostName(instance.metadata.name ?? '', endpoint.id),
      labels: { [INSTANCE_LABEL]: instance.metadata.name ?? '', [ENDPOINT_LABEL]: String(endpoint.id) },
      ownerReferences: [{ apiVersion: 'vigil.dev/v1alpha1', kind: 'PortainerInstance', name: instance.metadata.name ?? '', uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      displayName: `${endpoint.name} (Portainer ${instance.metadata.name ?? ''})`.slice(0, 253),
      portainer: {
        instance: instance.metadata.name ?? '',
        endpointId: endpoint.id,
        url: proxyURL(spec.url, endpoint.id),
        apiKeySecretRef: spec.apiKeySecretRef,
        ...(spec.tls === undefined ? {} : { tls: spec.tls }),
        state: endpointState(endpoint),
      },
    },
  };
}

export interface EndpointPlan {
  hosts: Host[];
  statuses: PortainerEndpointStatus[];
}

export function planEndpoints(instance: PortainerInstance, uid: string, endpoints: readonly PortainerEndpoint[]): EndpointPlan {
  const hosts: Host[] = [];
  const statuses: PortainerEndpointStatus[] = [];
  for (const endpoint of [...endpoints].sort((a, b) => a.id - b.id)) {
    const row: PortainerEndpointStatus = {
      id: endpoint.id,
      name: endpoint.name,
      type: endpoint.type,
      ...(endpoint.url === '' ? {} : { url: endpoint.url }),
      status: endpoint.status === 2 ? 'down' : 'up',
      ...(endpoint.edgeAsync ? { edgeAsync: true } : {}),
    };
    const skipped = skipReason(instance, endpoint);
    if (skipped === undefined) {
      const host = newEndpointHost(instance, uid, endpoint);
      hosts.push(host);
      statuses.push({ ...row, hostRef: host.metadata.name ?? '' });
    } else {
      statuses.push({ ...row, skipped });
    }
  }
  return { hosts, statuses };
}
