// buildApp() builds the HTTP application; server.ts only listens (fastify/demo's app.ts / server.ts split), so that
// tests drive the very same app with inject().
import type { RequestListener } from 'node:http';
import { fileURLToPath } from 'node:url';
import { BASE_PATH_ROOT, normalizeBasePath, routedUrl } from './base-path.ts';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { CachedStore } from './storage/cache/cached-store.ts';
import { ResourceRegistry } from './resources/registry.ts';
import { resourceApi, type ContainerLogsProvider, type WatchTimeoutRange } from './resources/http/resource-api.ts';
import { notFoundPath } from './resources/http/targets.ts';
import { versionInfo } from './version.ts';
import authPlugin, { writeAdmission } from './auth/plugin.ts';
import { authRoutes } from './auth/routes.ts';
import type { AuthService } from './auth/service.ts';
import { relyingPartyOf } from './auth/passkeys/relying-party.ts';
import { readSettings } from './sentinel/reads.ts';
import { readOidcSettings } from './sentinel/routes/oidc-settings.ts';
import { discoveryRoutes } from './discovery/routes.ts';
import { openapiRoutes } from './openapi/routes.ts';
import { namespaceRoutes } from './namespaces/routes.ts';
import { createDualProtocolServer } from './tls/dual-protocol-server.ts';
import type { TlsIdentity } from './tls/self-signed.ts';
import { isResourceApiPath } from './auth/request-info.ts';
import { sentinelApi } from './sentinel/plugin.ts';
import type { SentinelServices } from './sentinel/context.ts';
import { Registry as MetricsRegistry } from 'prom-client';
import httpMetrics from './sentinel/metrics/http-metrics.ts';
import { cacheChangeFeed } from './sentinel/live/options.ts';
import { dashboardRoutes } from './web/dashboard-plugin.ts';

/** web/dist in this checkout: where web/build.ts writes the dashboard. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../web/dist', import.meta.url));

export type { ContainerLogsProvider } from './resources/http/resource-api.ts';

export interface AppOptions {
  /** The store behind the watch cache (storage/open.ts): every watch is served from its memory. */
  store: CachedStore;
  /**
   * Authentication and authorization of every route (apiserver/auth/). Registered before any other route, so that
   * its hooks cover all of them and a REST route missing from the access table fails the start.
   */
  auth: AuthService;
  /**
   * The registry the API serves; pass the one the controllers use so both share one clock and one set of rules.
   * Default: a new ResourceRegistry over `store`.
   */
  resources?: ResourceRegistry;
  /** Reads a Container's Docker log (the `log` subresource). Absent: that subresource answers 503. */
  containerLogs?: ContainerLogsProvider;
  /** Run the ownerReferences garbage collector while the app is up. Default true. */
  garbageCollection?: boolean;
  /** The clock for table ages. Default the wall clock. */
  now?: () => Date;
  /** How long a watch without timeoutSeconds lasts: a random time in this range. Default 1800–3600 s (kube-apiserver). */
  watchTimeoutSeconds?: WatchTimeoutRange;
  /**
   * Also serve HTTPS with this certificate, on the same port as HTTP (tls/dual-protocol-server.ts): Kubernetes
   * clients send their token only over TLS. Absent: plain HTTP only.
   */
  tls?: TlsIdentity;
  /** A pino logger or fastify logger options; false for none (tests). */
  logger?: FastifyServerOptions['loggerInstance'] | false;
  /** The largest request body accepted, in bytes. Default 3 MiB (Kubernetes' limit). */
  bodyLimit?: number;
  /** Sign-in attempts (login, setup, second factor) per client address per minute. Default 10. */
  signInLimitPerMinute?: number;
  /**
   * What the Docker Sentinel REST facade (apiserver/sentinel/) reaches beyond the resources: Docker hosts, registry
   * checks, tag lists, the dependency graph. Each absent service makes its routes answer 503. Default none.
   */
  sentinel?: SentinelServices;
  /**
   * The process's prom-client registry: HTTP latencies are recorded on it and /metrics serves it. `vigil serve` passes
   * the one the controller manager records on. Default: a new one.
   */
  metricsRegistry?: MetricsRegistry;
  /** The built dashboard served at `/` (apiserver/web/dashboard-plugin.ts). Default DEFAULT_DASHBOARD_DIR. */
  dashboardDir?: string;
  /** Serve every route under this prefix (base-path.ts; normalized, e.g. `/vigil`). Default '' (none). */
  basePath?: string;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  if (options.resources !== undefined && options.resources.store !== options.store) {
    // Watches would bypass the cache and writes would not be seen by it: a wiring mistake, not a runtime condition.
    throw new Error('buildApp: options.resources must be a registry over options.store (the watch cache)');
  }
  const bodyLimit = options.bodyLimit ?? 3 * 1024 * 1024;
  const tls = options.tls;
  const basePath = normalizeBasePath(options.basePath ?? '');
  const app = Fastify({
    ...(basePath === '' ? {} : { rewriteUrl: (request: { url?: string }) => routedUrl(basePath, request.url ?? '/') }),
    ...(options.logger === undefined || options.logger === false ? { logger: false } : { loggerInstance: options.logger }),
    bodyLimit,
    // Watches and log streams are long-lived; per-request timeouts are set where they apply.
    requestTimeout: 0,
    return503OnClosing: true,
    ...(tls === undefined ? {} : { serverFactory: (handler: RequestListener) => createDualProtocolServer(handler, tls) }),
  });

  const metricsRegistry = options.metricsRegistry ?? new MetricsRegistry();
  await app.register(httpMetrics, { registry: metricsRegistry });
  await app.register(authPlugin, { auth: options.auth });
  const resources = options.resources ?? new ResourceRegistry({ store: options.store });
  await app.register(authRoutes, {
    auth: options.auth,
    cookiePath: basePath === '' ? '/' : basePath,
    ...(options.signInLimitPerMinute === undefined ? {} : { signInLimitPerMinute: options.signInLimitPerMinute }),
    relyingParty: async () => relyingPartyOf((await readSettings(resources))?.spec),
    oidc: async () => await readOidcSettings(resources),
  });

  app.get('/version', async () => versionInfo());
  if (basePath !== '') app.get(BASE_PATH_ROOT, async (_request, reply) => reply.redirect(`${basePath}/`));
  await app.register(discoveryRoutes, {});
  await app.register(openapiRoutes, {});
  await app.register(namespaceRoutes, { resources });
  await app.register(dashboardRoutes, { distDir: options.dashboardDir ?? DEFAULT_DASHBOARD_DIR });
  app.get('/healthz', async (_request, reply) => reply.type('text/plain').send('ok'));
  app.get('/livez', async (_request, reply) => reply.type('text/plain').send('ok'));
  app.get('/readyz', async (_request, reply) => {
    // etcd without quorum: reads are served from the watch cache and may lag; writes answer 503 (docs/ha.md).
    const staleness = options.store.staleness();
    if (staleness.stale) {
      const since = staleness.since === undefined ? '' : ` since ${new Date(staleness.since).toISOString()}`;
      return reply.code(503).type('text/plain').send(`stale: the store has no quorum${since}; reads come from the watch cache at revision ${options.store.revision} and may be stale, writes are refused`);
    }
    await options.store.currentRevision();
    return reply.type('text/plain').send('ok');
  });

  // Any path nobody serves is answered the way kube-apiserver answers it: a 404 Status (kubectl and client-node parse
  // it); on the REST API's paths (/api/WORD…), the REST envelope.
  app.setNotFoundHandler((request, reply) => {
    const path = (basePath === '' ? request.url : request.originalUrl).split('?')[0] ?? '';
    if (path.startsWith('/api/') && !isResourceApiPath(path)) return reply.code(404).type('application/json').send({ error: `not found: ${request.method} ${path}` });
    return reply.code(404).type('application/json').send(JSON.stringify(notFoundPath().status));
  });

  // The Docker Sentinel REST API, a facade over the same registry: after auth, whose hook covers its routes.
  await app.register(sentinelApi, {
    changes: cacheChangeFeed(options.store),
    ...options.sentinel,
    live: { ...options.sentinel?.live, metricsRegistry },
    resources,
    ...(options.now === undefined ? {} : { now: options.now }),
  });

  await app.register(resourceApi, {
    store: options.store,
    resources,
    bodyLimit,
    // Field-level permissions of Container and Settings writes, decided on the change itself (auth/plugin.ts).
    admission: writeAdmission,
    garbageCollection: options.garbageCollection ?? true,
    ...(options.containerLogs === undefined ? {} : { containerLogs: options.containerLogs }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.watchTimeoutSeconds === undefined ? {} : { watchTimeoutSeconds: options.watchTimeoutSeconds }),
  });

  return app;
}
