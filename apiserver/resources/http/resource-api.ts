// The Kubernetes-style resource API over HTTP: collection, item and subresource routes for every kind of schemas/,
// in the vigil.dev group (/apis/vigil.dev/v1alpha1/...) and the core group (/api/v1/.../secrets), with one error
// handler that answers every failure as a Kubernetes Status. The handlers are a thin layer over the registry.
import type { FastifyError, FastifyInstance } from 'fastify';
import { VIGIL_GROUP, VIGIL_VERSION } from '../../../schemas/index.ts';
import type { CachedStore } from '../../storage/cache/cached-store.ts';
import { GarbageCollector } from '../../garbage-collector/collector.ts';
import type { ResourceRegistry } from '../registry.ts';
import { statusErrorHandler } from './error-handler.ts';
import type { ContainerLogsProvider, Handler, HandlerContext, RequestAdmission, WatchTimeoutRange } from './context.ts';
import { deleteCollectionHandler, deleteHandler } from './delete-handlers.ts';
import { logHandler } from './log-handler.ts';
import { getHandler, listHandler } from './read-handlers.ts';
import { createHandler, patchHandler, replaceHandler } from './write-handlers.ts';
import { checkMethod, resolveTarget, type PathParams, type Target } from './targets.ts';

export type { ContainerLogsProvider, RequestAdmission, WatchTimeoutRange } from './context.ts';

export interface ResourceApiOptions {
  store: CachedStore;
  resources: ResourceRegistry;
  bodyLimit: number;
  garbageCollection: boolean;
  containerLogs?: ContainerLogsProvider;
  /** Checks what each write changes before it is stored (field-level permissions). Default: none. */
  admission?: RequestAdmission;
  now?: () => Date;
  watchTimeoutSeconds?: WatchTimeoutRange;
}

const GROUPS: ReadonlyArray<{ prefix: string; group: string }> = [
  { prefix: `/apis/${VIGIL_GROUP}/${VIGIL_VERSION}`, group: VIGIL_GROUP },
  { prefix: '/api/v1', group: '' },
];

const TEMPLATES = [
  '/:resource',
  '/:resource/:name',
  '/:resource/:name/:subresource',
  '/namespaces/:namespace/:resource',
  '/namespaces/:namespace/:resource/:name',
  '/namespaces/:namespace/:resource/:name/:subresource',
];

function handlerFor(target: Target, method: string): Handler {
  switch (`${target.level}:${method}`) {
    case 'collection:GET':
      return listHandler;
    case 'collection:POST':
      return createHandler;
    case 'collection:DELETE':
      return deleteCollectionHandler;
    case 'item:GET':
    case 'status:GET':
      return getHandler;
    case 'item:PUT':
    case 'status:PUT':
      return replaceHandler;
    case 'item:PATCH':
    case 'status:PATCH':
      return patchHandler;
    case 'item:DELETE':
      return deleteHandler;
    default:
      return logHandler;
  }
}

export async function resourceApi(app: FastifyInstance, options: ResourceApiOptions): Promise<void> {
  const context: HandlerContext = {
    resources: options.resources,
    store: options.store,
    now: options.now ?? (() => new Date()),
    watchTimeoutSeconds: options.watchTimeoutSeconds ?? { minSeconds: 1800, maxSeconds: 3600 },
    containerLogs: options.containerLogs,
    admission: options.admission,
    activeWatches: new Set(),
    log: app.log,
  };

  // Bodies arrive as bytes whatever their type, so that decoding (JSON, YAML, the patch types) and its errors are
  // ours and answered as Status objects; fastify still enforces the body limit (413).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error: FastifyError, request, reply) => statusErrorHandler(error, request, reply, options.bodyLimit));

  for (const { prefix, group } of GROUPS) {
    for (const template of TEMPLATES) {
      app.route({
        method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
        url: `${prefix}${template}`,
        handler: async (request, reply) => {
          const target = resolveTarget(group, request.params as PathParams);
          // fastify answers HEAD through the GET route; it is a GET without a body.
          const method = request.method === 'HEAD' ? 'GET' : request.method;
          checkMethod(target, method);
          return await handlerFor(target, method)(context, target, request, reply);
        },
      });
    }
  }

  // Running watches end when the server closes, or it would wait for them (up to an hour).
  app.addHook('preClose', async () => {
    for (const stop of [...context.activeWatches]) stop();
  });

  if (options.garbageCollection) {
    const collector = new GarbageCollector({ resources: options.resources, store: options.store, log: app.log });
    app.addHook('onReady', async () => collector.start());
    app.addHook('onClose', async () => await collector.stop());
  }
}
