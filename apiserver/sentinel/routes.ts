// Every route group of the REST facade, registered in this order inside the facade's context (plugin.ts). A group is
// `async (app, context) => { app.get(...); ... }`; its routes must be in the access table (apiserver/auth/access-table.ts)
// or buildApp refuses to start.
import type { RouteGroup } from './context.ts';
import { containerRoutes } from './routes/containers.ts';
import { actionRoutes } from './routes/actions.ts';
import { queueRoutes } from './routes/queue.ts';
import { policyRoutes } from './routes/policies.ts';
import { historyRoutes } from './routes/history.ts';
import { hookRoutes } from './routes/hooks.ts';
import { dependencyRoutes } from './routes/deps.ts';
import { imageRoutes } from './routes/images.ts';
import { webhookRoutes } from './routes/webhook.ts';
import { settingsRoutes } from './routes/settings.ts';
import { aboutRoutes } from './routes/about.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { registryRoutes } from './routes/registries.ts';
import { portConfigRoutes } from './routes/port-config.ts';
import { webhookSettingsRoutes } from './routes/webhook-settings.ts';
import { backupRoutes } from './routes/backup.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { eventRoutes } from './routes/events.ts';
import { serviceRoutes } from './routes/services.ts';
import { laterRoutes } from './routes/later.ts';
import { portainerRoutes } from './routes/portainer.ts';
import { ghcrRoutes } from './routes/ghcr.ts';
import { oidcSettingsRoutes } from './routes/oidc-settings.ts';

export const ROUTE_GROUPS: readonly RouteGroup[] = [
  containerRoutes,
  actionRoutes,
  queueRoutes,
  policyRoutes,
  historyRoutes,
  hookRoutes,
  dependencyRoutes,
  imageRoutes,
  webhookRoutes,
  settingsRoutes,
  aboutRoutes,
  notificationRoutes,
  registryRoutes,
  portConfigRoutes,
  webhookSettingsRoutes,
  oidcSettingsRoutes,
  backupRoutes,
  metricsRoutes,
  eventRoutes,
  serviceRoutes,
  ghcrRoutes,
  portainerRoutes,
  laterRoutes,
];
