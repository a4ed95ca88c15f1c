// GET /api/v1/namespaces and /api/v1/namespaces/NAME (see namespaces.ts for why they exist and what they answer).
import type { FastifyInstance } from 'fastify';
import type { ResourceClient } from '../resources/client.ts';
import { isNamespaceName, listNamespaces, namespaceObject } from './namespaces.ts';

export interface NamespaceRoutesOptions {
  resources: ResourceClient;
}

export async function namespaceRoutes(app: FastifyInstance, options: NamespaceRoutesOptions): Promise<void> {
  app.get('/api/v1/namespaces', async (_request, reply) => reply.type('application/json').send(JSON.stringify(await listNamespaces(options.resources))));

  app.get('/api/v1/namespaces/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    if (!isNamespaceName(name)) {
      return reply.code(404).type('application/json').send(JSON.stringify({
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404,
        message: `namespaces "${name}" not found`, details: { name, kind: 'namespaces' },
      }));
    }
    return reply.type('application/json').send(JSON.stringify(namespaceObject(name)));
  });
}
