// Latency of every HTTP request the app answers, by method, route pattern and status code, on the process's metrics
// registry: `vigil_http_request_duration_seconds`. The route is fastify's pattern (`/api/containers/:name`), never the
// raw URL, so that the number of series stays bounded whatever clients send. Streams (SSE, watches, logs that follow)
// are left out: their duration is how long someone watched, not how fast Vigil answered.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Histogram, type Registry } from 'prom-client';

export interface HttpMetricsOptions {
  registry: Registry;
}

const byRegistry = new WeakMap<Registry, Histogram<'method' | 'route' | 'status_code'>>();

function histogramFor(registry: Registry): Histogram<'method' | 'route' | 'status_code'> {
  let histogram = byRegistry.get(registry);
  if (histogram === undefined) {
    histogram = new Histogram({
      name: 'vigil_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route pattern and status code (streams excluded).',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    byRegistry.set(registry, histogram);
  }
  return histogram;
}

function isStream(request: FastifyRequest): boolean {
  const query = request.query as Record<string, unknown> | undefined;
  return request.routeOptions.url === '/api/events' || query?.watch === 'true' || query?.watch === '1' || query?.follow === 'true';
}

async function httpMetrics(app: FastifyInstance, options: HttpMetricsOptions): Promise<void> {
  const histogram = histogramFor(options.registry);
  app.addHook('onResponse', async (request, reply) => {
    if (isStream(request)) return;
    histogram.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}

/** Registered on the root instance (fastify-plugin), so that its hook sees every route. */
export default fp(httpMetrics, { name: 'vigil-http-metrics', fastify: '5.x' });
