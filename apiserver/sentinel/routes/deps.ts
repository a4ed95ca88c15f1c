// The dependency graph of one Host (`?host=`, default local), computed from its Container resources by the update
// controller's own function, so that the dashboard shows the order updates really follow.
import type { FastifyInstance } from 'fastify';
import { LOCAL_HOST_NAME } from '../../../schemas/index.ts';
import { hostParam } from '../container-key.ts';
import type { DependencyGraph, SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';
import { listContainers } from '../reads.ts';

async function graphOf(context: SentinelContext, host: string): Promise<DependencyGraph> {
  if (context.dependencies === undefined) throw restErrors.unavailable('the dependency graph is not available');
  return context.dependencies(await listContainers(context.resources, host));
}

export async function dependencyRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  app.get('/api/deps', async (request) => await graphOf(context, hostParam(request)));

  app.get<{ Params: { container: string } }>('/api/deps/:container', async (request) => {
    const host = hostParam(request);
    const node = (await graphOf(context, host)).containers.find((entry) => entry.name === request.params.container);
    if (node === undefined) throw restErrors.notFound(`container "${request.params.container}" not found${host === LOCAL_HOST_NAME ? '' : ` on host "${host}"`}`);
    return node;
  });
}
