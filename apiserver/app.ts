// buildApp() builds the HTTP application; server.ts only listens (fastify/demo's app.ts / server.ts split), so that
// tests drive the very same app with inject().
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Store } from './storage/interface.ts';
import { versionInfo } from './version.ts';
import authPlugin from './auth/plugin.ts';
import { authRoutes } from './auth/routes.ts';
import type { AuthService } from './auth/service.ts';

export interface AppOptions {
  store: Store;
  /**
   * Authentication and authorization of every route (apiserver/auth/). Registered before any other route, so that
   * its hooks cover all of them and a REST route missing from the access table fails the start.
   */
  auth: AuthService;
  /** A pino logger or fastify logger options; false for none (tests). */
  logger?: FastifyServerOptions['loggerInstance'] | false;
  /** The largest request body accepted, in bytes. Default 3 MiB (Kubernetes' limit). */
  bodyLimit?: number;
  /** Sign-in attempts (login, setup, second factor) per client address per minute. Default 10. */
  signInLimitPerMinute?: number;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger === undefined || options.logger === false ? { logger: false } : { loggerInstance: options.logger }),
    bodyLimit: options.bodyLimit ?? 3 * 1024 * 1024,
    // Watches and log streams are long-lived; per-request timeouts are set where they apply.
    requestTimeout: 0,
    return503OnClosing: true,
  });

  await app.register(authPlugin, { auth: options.auth, store: options.store });
  await app.register(authRoutes, {
    auth: options.auth,
    ...(options.signInLimitPerMinute === undefined ? {} : { signInLimitPerMinute: options.signInLimitPerMinute }),
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
