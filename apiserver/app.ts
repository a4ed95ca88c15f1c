// buildApp() builds the HTTP application; server.ts only listens (fastify/demo's app.ts / server.ts split), so that
// tests drive the very same app with inject().
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Store } from './storage/interface.ts';
import { versionInfo } from './version.ts';

export interface AppOptions {
  store: Store;
  /** A pino logger or fastify logger options; false for none (tests). */
  logger?: FastifyServerOptions['loggerInstance'] | false;
  /** The largest request body accepted, in bytes. Default 3 MiB (Kubernetes' limit). */
  bodyLimit?: number;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger === undefined || options.logger === false ? { logger: false } : { loggerInstance: options.logger }),
    bodyLimit: options.bodyLimit ?? 3 * 1024 * 1024,
    // Watches and log streams are long-lived; per-request timeouts are set where they apply.
    requestTimeout: 0,
    return503OnClosing: true,
  });

  app.get('/version', async () => versionInfo());
  app.get('/healthz', async (_request, reply) => reply.type('text/plain').send('ok'));
  app.get('/livez', async (_request, reply) => reply.type('text/plain').send('ok'));
  app.get('/readyz', async (_request, reply) => {
    await options.store.currentRevision();
    return reply.type('text/plain').send('ok');
  });

  return app;
}
