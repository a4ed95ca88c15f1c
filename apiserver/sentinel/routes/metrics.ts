// /metrics (Prometheus exposition, only when enabled: Settings spec.metrics.enabled, or forced on at start with
// SENTINEL_METRICS=true / VIGIL_METRICS=true; otherwise 404 as Sentinel without SENTINEL_METRICS) and
// GET /api/grafana-dashboard (a dashboard over exactly these metrics).
import type { FastifyInstance } from 'fastify';
import { vigilVersion } from '../../version.ts';
import type { SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';
import { grafanaDashboard } from '../metrics/grafana-dashboard.ts';
import { VigilMetrics } from '../metrics/vigil-metrics.ts';
import { readSettings } from '../reads.ts';

export async function metricsRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const registry = context.live?.metricsRegistry;
  const feed = context.changes;
  if (registry !== undefined && feed !== undefined) {
    const metrics = VigilMetrics.for({ registry, resources: context.resources, feed, onWarning: (message, error) => app.log.warn({ err: error }, message) });
    app.addHook('onReady', async () => metrics.start());
    app.addHook('preClose', async () => await metrics.stop());
  }

  app.get('/metrics', async (_request, reply) => {
    const enabled = context.live?.metricsAlwaysOn === true || (await readSettings(context.resources))?.spec?.metrics?.enabled === true;
    if (!enabled) throw restErrors.notFound('metrics are disabled: set spec.metrics.enabled in Settings default (or start with SENTINEL_METRICS=true)');
    if (registry === undefined) throw restErrors.unavailable('no metrics registry on this server');
    return reply.type(registry.contentType).send(await registry.metrics());
  });

  app.get('/api/grafana-dashboard', async (_request, reply) => {
    return reply.header('content-disposition', 'attachment; filename="vigil-grafana-dashboard.json"').send(grafanaDashboard(vigilVersion));
  });
}
