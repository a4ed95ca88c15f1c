// Discovery routes: /api, /api/v1, /apis, /apis/GROUP, /apis/GROUP/VERSION. The documents are built once when
// the plugin registers (the kinds are fixed at start). Every answer is plain JSON whatever the Accept header says:
// kubectl ≥ 1.26 asks for aggregated discovery (apidiscovery.k8s.io/v2) first and falls back to these documents
// when the Content-Type says plain JSON, whereas a 406 would make it fail.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resourceKinds, type ResourceKind } from '../../schemas/index.ts';
import { apiGroupList, apiGroups, apiResourceList, apiVersions, servedGroupVersions } from './documents.ts';

export interface DiscoveryOptions {
  /** The kinds to serve. Default: every kind in schemas/. */
  kinds?: readonly ResourceKind[];
}

function json(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.type('application/json').send(JSON.stringify(body));
}

/** kube-apiserver's hint of the address clients should use (clients ignore it; it is part of the type). */
function serverAddresses(request: FastifyRequest): { clientCIDR: string; serverAddress: string }[] {
  return [{ clientCIDR: '0.0.0.0/0', serverAddress: request.host }];
}

export async function discoveryRoutes(app: FastifyInstance, options: DiscoveryOptions): Promise<void> {
  const groupVersions = servedGroupVersions(options.kinds ?? resourceKinds);
  const groups = apiGroups(groupVersions);
  const versions = apiVersions(groupVersions);
  const groupList = apiGroupList(groups);

  app.get('/api', async (request, reply) => json(reply, { ...versions, serverAddressByClientCIDRs: serverAddresses(request) }));
  app.get('/apis', async (_request, reply) => json(reply, groupList));

  for (const group of groups) {
    app.get(`/apis/${group.name}`, async (_request, reply) => json(reply, group));
  }
  for (const groupVersion of groupVersions) {
    const list = apiResourceList(groupVersion);
    const path = groupVersion.group === '' ? `/api/${groupVersion.version}` : `/apis/${groupVersion.groupVersion}`;
    app.get(path, async (_request, reply) => json(reply, list));
  }
}
