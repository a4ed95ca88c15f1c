// THE access table: what every route of every surface needs. One place, read by the authorization hook (access.ts),
// walked by the tests, and checked at start-up: a REST route registered without an entry here makes buildApp fail.
//
// REST routes: every route of docker-sentinel-rest-api.txt (including those the REST facade adds later), Vigil's own
// health and auth routes, written with fastify's `:param` syntax (parameter names do not matter for matching).
// Resource API: per resource, the permission to read (get, list, watch) and to write (create, update, patch, delete,
// deletecollection), and for Containers and Settings the permission each spec field needs (requests are spec fields:
// docs/resources.md "Requests"), so that a kubectl patch needs exactly what the equivalent REST call needs.
import { BASE_PATH_ROOT } from '../base-path.ts';
import type { Permission } from './permissions.ts';

/**
 * - `public`: anyone, at any time, even before the first admin exists (health, version, setup, static assets).
 * - `login`: anyone once Vigil is set up (login, logout, the second factor, passkey and OIDC sign-in).
 * - `webhook`: anyone once set up; the handler checks `X-Webhook-Secret` (verifyWebhookSecret in tokens.ts).
 * - `authenticated`: any signed-in user, whatever the role (own account, sessions, tokens, two-factor).
 * - a permission: a signed-in user whose role grants it.
 */
export type Access = 'public' | 'login' | 'webhook' | 'authenticated' | Permission;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RestRoute {
  method: HttpMethod;
  path: string;
  access: Access;
}

/** A spec field of a kind whose writes need their own permission instead of the kind's `write`. */
export interface FieldRule {
  permission: Permission;
  /** For request fields with a `reason`: a reason that needs another permission (approving is not updating). */
  byReason?: Record<string, Permission>;
}

export interface ResourceRule {
  /** The plural of the kind, as in the URL. */
  resource: string;
  /** get, list, watch. */
  read: Permission;
  /** create, update, patch, delete, deletecollection; and every spec field not named in `fields`. */
  write: Permission;
  /** Writes touching only these spec fields need the field's permission (all of them when several are touched). */
  fields?: Record<string, FieldRule>;
  /** Read-only subresources that need a permission besides `read` (a Container's Docker log needs logs.view). */
  readSubresources?: Record<string, Permission>;
}

const route = (method: HttpMethod, path: string, access: Access): RestRoute => ({ method, path, access });

export const REST_ROUTES: readonly RestRoute[] = [
  // Vigil's own: health, readiness and version stay public for probes and kubectl's version check.
  route('GET', '/healthz', 'public'),
  route('GET', '/livez', 'public'),
  route('GET', '/readyz', 'public'),
  route('GET', '/version', 'public'),
  // Prometheus metrics: public as in Sentinel (when metrics are enabled); the REST facade (issue 8) owns the route.
  route('GET', '/metrics', 'public'),
  // The dashboard's page and assets (apiserver/web/): public, since the sign-in form is part of them; every call the
  // page makes is authorized on its own.
  route('GET', '/', 'public'),
  route('GET', '/assets/:file', 'public'),
  // With --base-path, the prefix without its slash redirects to PREFIX/ (apiserver/base-path.ts).
  route('GET', BASE_PATH_ROOT, 'public'),

  // Sign-in and first run.
  route('POST', '/setup', 'public'),
  route('POST', '/login', 'login'),
  // Logging out needs no CSRF token: the worst a forged logout does is sign someone out.
  route('POST', '/logout', 'login'),
  route('POST', '/api/auth/totp/verify', 'login'),
  route('POST', '/api/auth/passkeys/login/begin', 'login'),
  route('POST', '/api/auth/passkeys/login/finish', 'login'),
  route('GET', '/api/auth/passkeys/available', 'login'),
  route('GET', '/api/auth/oidc/login', 'login'),
  route('GET', '/api/auth/oidc/callback', 'login'),
  route('GET', '/api/auth/oidc/available', 'login'),

  // One's own account.
  route('GET', '/api/auth/me', 'authenticated'),
  route('POST', '/api/auth/change-password', 'authenticated'),
  route('GET', '/api/auth/sessions', 'authenticated'),
  route('DELETE', '/api/auth/sessions/:token', 'authenticated'),
  route('DELETE', '/api/auth/sessions', 'authenticated'),
  // Vigil addition: the reference has no way to list one's tokens, so a lost one could never be found to delete.
  route('GET', '/api/auth/tokens', 'authenticated'),
  route('POST', '/api/auth/tokens', 'authenticated'),
  route('DELETE', '/api/auth/tokens/:id', 'authenticated'),
  route('POST', '/api/auth/passkeys/register/begin', 'authenticated'),
  route('POST', '/api/auth/passkeys/register/finish', 'authenticated'),
  route('GET', '/api/auth/passkeys', 'authenticated'),
  route('DELETE', '/api/auth/passkeys/:id', 'authenticated'),
  route('POST', '/api/auth/totp/setup', 'authenticated'),
  route('POST', '/api/auth/totp/confirm', 'authenticated'),
  route('POST', '/api/auth/totp/disable', 'authenticated'),
  route('GET', '/api/auth/totp/status', 'authenticated'),

  // Users and authentication settings.
  route('GET', '/api/auth/users', 'users.manage'),
  route('POST', '/api/auth/users', 'users.manage'),
  // Vigil addition: change a user's role (the last admin cannot be demoted).
  route('PATCH', '/api/auth/users/:id', 'users.manage'),
  route('DELETE', '/api/auth/users/:id', 'users.manage'),
  // Vigil addition: an admin links a local account to a single sign-on identity (never a sign-in by name or email).
  route('PUT', '/api/auth/users/:id/oidc', 'users.manage'),
  route('DELETE', '/api/auth/users/:id/oidc', 'users.manage'),
  route('POST', '/api/auth/settings', 'users.manage'),
  route('GET', '/api/settings/oidc', 'users.manage'),
  route('POST', '/api/settings/oidc', 'users.manage'),

  // Containers: reads.
  route('GET', '/api/containers', 'containers.view'),
  route('GET', '/api/containers/:name', 'containers.view'),
  route('GET', '/api/containers/:name/versions', 'containers.view'),
  route('GET', '/api/containers/:name/tags', 'containers.view'),
  route('GET', '/api/containers/:name/logs', 'containers.view'),
  route('GET', '/api/containers/:name/row', 'containers.view'),
  route('GET', '/api/containers/:name/ghcr', 'containers.view'),
  route('GET', '/api/stats', 'containers.view'),
  route('GET', '/api/last-scan', 'containers.view'),
  route('GET', '/api/ghcr/alternatives', 'containers.view'),

  // Containers: actions.
  route('POST', '/api/containers/:name/restart', 'containers.manage'),
  route('POST', '/api/containers/:name/stop', 'containers.manage'),
  route('POST', '/api/containers/:name/start', 'containers.manage'),
  route('POST', '/api/update/:name', 'containers.update'),
  route('POST', '/api/check/:name', 'containers.update'),
  route('POST', '/api/containers/:name/rollback', 'containers.rollback'),
  route('POST', '/api/containers/:name/switch-ghcr', 'containers.update'),
  route('POST', '/api/containers/:name/update-to-version', 'containers.update'),
  route('POST', '/api/scan', 'containers.update'),
  route('POST', '/api/self-update', 'settings.modify'),

  // The approval queue.
  route('GET', '/api/queue', 'containers.view'),
  route('GET', '/api/queue/count', 'containers.view'),
  route('POST', '/api/approve/:key', 'containers.approve'),
  route('POST', '/api/reject/:key', 'containers.approve'),
  route('POST', '/api/ignore/:key', 'containers.approve'),

  // Policies.
  route('POST', '/api/containers/:name/policy', 'containers.manage'),
  route('DELETE', '/api/containers/:name/policy', 'containers.manage'),
  route('POST', '/api/bulk/policy', 'containers.manage'),

  // Settings: reads.
  route('GET', '/api/settings', 'settings.view'),
  route('GET', '/api/about', 'settings.view'),
  route('GET', '/api/ratelimits', 'containers.view'),
  route('GET', '/api/release-sources', 'settings.view'),

  // Settings: writes.
  ...[
    'poll-interval',
    'default-policy',
    'grace-period',
    'pause',
    'latest-auto-update',
    'filters',
    'image-cleanup',
    'image-backup',
    'schedule',
    'hooks-enabled',
    'hooks-write-labels',
    'dependency-aware',
    'rollback-policy',
    'version-scope',
    'dry-run',
    'pull-only',
    'update-delay',
    'show-stopped',
    'remove-volumes',
    'scan-concurrency',
    'maintenance-window',
    'stack-order',
    'dashboard-columns',
    'compose-sync',
    'ha-discovery',
    'switch-role',
    'docker-tls',
    'docker-tls-test',
    'general',
  ].map((name) => route('POST', `/api/settings/${name}`, 'settings.modify')),
  route('PUT', '/api/release-sources', 'settings.modify'),

  // Notification channels and templates.
  route('GET', '/api/settings/notifications', 'settings.view'),
  route('PUT', '/api/settings/notifications', 'settings.modify'),
  route('POST', '/api/settings/notifications/test', 'settings.modify'),
  route('GET', '/api/settings/notifications/event-types', 'settings.view'),
  route('GET', '/api/settings/notifications/templates', 'settings.view'),
  route('PUT', '/api/settings/notifications/templates', 'settings.modify'),
  route('DELETE', '/api/settings/notifications/templates/:type', 'settings.modify'),
  route('POST', '/api/settings/notifications/templates/preview', 'settings.modify'),

  // Per-container notification preferences.
  route('GET', '/api/containers/:name/notify-pref', 'settings.view'),
  route('POST', '/api/containers/:name/notify-pref', 'settings.modify'),
  route('GET', '/api/settings/container-notify-prefs', 'settings.view'),
  route('DELETE', '/api/notify-states', 'settings.modify'),
  route('POST', '/api/settings/notify-batch-window', 'settings.modify'),

  // Digest.
  route('GET', '/api/settings/digest', 'settings.view'),
  route('POST', '/api/settings/digest', 'settings.modify'),
  route('POST', '/api/digest/trigger', 'settings.modify'),
  route('GET', '/api/digest/banner', 'containers.view'),
  route('POST', '/api/digest/banner/dismiss', 'containers.view'),

  // Registry credentials.
  route('GET', '/api/settings/registries', 'settings.view'),
  route('PUT', '/api/settings/registries', 'settings.modify'),
  route('POST', '/api/settings/registries/test', 'settings.modify'),
  route('DELETE', '/api/settings/registries/:id', 'settings.modify'),

  // Hooks.
  route('GET', '/api/hooks/:container', 'settings.view'),
  route('POST', '/api/hooks/:container', 'settings.modify'),
  route('DELETE', '/api/hooks/:container/:phase', 'settings.modify'),

  // Dependencies.
  route('GET', '/api/deps', 'containers.view'),
  route('GET', '/api/deps/:container', 'containers.view'),

  // Swarm services.
  route('GET', '/api/services', 'containers.view'),
  route('GET', '/api/services/:name/detail', 'containers.view'),
  route('POST', '/api/services/:name/update', 'containers.update'),
  route('POST', '/api/services/:name/rollback', 'containers.rollback'),
  route('POST', '/api/services/:name/scale', 'containers.manage'),

  // Cluster: every endpoint needs settings.modify.
  route('GET', '/api/cluster/hosts', 'settings.modify'),
  route('POST', '/api/cluster/enroll-token', 'settings.modify'),
  route('DELETE', '/api/cluster/hosts/:id', 'settings.modify'),
  route('POST', '/api/cluster/hosts/:id/revoke', 'settings.modify'),
  route('POST', '/api/cluster/hosts/:id/pause', 'settings.modify'),
  route('GET', '/api/settings/cluster', 'settings.modify'),
  route('POST', '/api/settings/cluster', 'settings.modify'),

  // Portainer.
  route('GET', '/api/portainer/instances', 'settings.modify'),
  route('POST', '/api/portainer/instances', 'settings.modify'),
  route('PUT', '/api/portainer/instances/:id', 'settings.modify'),
  route('DELETE', '/api/portainer/instances/:id', 'settings.modify'),
  route('POST', '/api/portainer/instances/:id/test', 'settings.modify'),
  route('GET', '/api/portainer/instances/:id/endpoints', 'containers.view'),
  route('PUT', '/api/portainer/instances/:id/endpoints/:epid', 'settings.modify'),
  route('GET', '/api/portainer/endpoints/:id/containers', 'containers.view'),

  // Nginx Proxy Manager.
  route('POST', '/api/settings/npm-enabled', 'settings.modify'),
  route('POST', '/api/settings/npm-url', 'settings.modify'),
  route('POST', '/api/settings/npm-credentials', 'settings.modify'),
  route('POST', '/api/settings/npm-test', 'settings.modify'),
  route('POST', '/api/settings/npm-sync', 'settings.modify'),
  route('GET', '/api/settings/npm-mappings', 'settings.view'),

  // Port link overrides.
  route('GET', '/api/containers/:name/port-config', 'containers.view'),
  route('POST', '/api/containers/:name/port-config/:port', 'settings.modify'),
  route('DELETE', '/api/containers/:name/port-config/:port', 'settings.modify'),

  // Webhooks: the inbound one authenticates by its own secret; its settings are settings.
  route('POST', '/api/webhook', 'webhook'),
  route('POST', '/api/settings/webhook-enabled', 'settings.modify'),
  route('POST', '/api/settings/webhook-secret', 'settings.modify'),
  route('GET', '/api/settings/webhook-info', 'settings.view'),

  // History and logs.
  route('GET', '/api/history', 'history.view'),
  route('GET', '/api/history/export', 'history.view'),
  route('GET', '/api/logs', 'logs.view'),

  // Images.
  route('GET', '/api/images', 'containers.view'),
  route('POST', '/api/images/prune', 'containers.manage'),
  route('DELETE', '/api/images/:id', 'containers.manage'),

  // Backup.
  route('GET', '/api/config/export', 'settings.modify'),
  route('POST', '/api/config/import', 'settings.modify'),
  route('GET', '/api/grafana-dashboard', 'settings.modify'),

  // Live events.
  route('GET', '/api/events', 'containers.view'),
];

/**
 * The resource API. Reads of every kind but Secret are open to every role (a viewer can get, list and watch); Secret
 * values are readable only with settings.modify. Writes of what configures Vigil need settings.modify; Container
 * writes need containers.manage except for the request fields, which need what the equivalent REST action needs.
 * Writes to a /status subresource need settings.modify: status is the controllers' (who write it in process, not over
 * HTTP), and a person faking it could make Vigil act on a state that is not real.
 */
export const RESOURCE_RULES: readonly ResourceRule[] = [
  {
    resource: 'containers',
    read: 'containers.view',
    write: 'containers.manage',
    // As REST GET /api/containers/:name/logs.
    readSubresources: { log: 'logs.view' },
    fields: {
      update: { permission: 'containers.update', byReason: { Approved: 'containers.approve' } },
      check: { permission: 'containers.update' },
      rollback: { permission: 'containers.rollback' },
      lifecycle: { permission: 'containers.manage' },
      rejectedUpdate: { permission: 'containers.approve' },
      ignoredVersions: { permission: 'containers.approve' },
      notifyMode: { permission: 'settings.modify' },
      portConfig: { permission: 'settings.modify' },
    },
  },
  { resource: 'snapshots', read: 'containers.view', write: 'containers.manage' },
  {
    // Swarm services: the container permissions, as Sentinel's service routes use them.
    resource: 'swarmservices',
    read: 'containers.view',
    write: 'containers.manage',
    fields: {
      update: { permission: 'containers.update' },
      rollback: { permission: 'containers.rollback' },
      scale: { permission: 'containers.manage' },
    },
  },
  { resource: 'updaterecords', read: 'history.view', write: 'settings.modify' },
  {
    resource: 'settings',
    read: 'settings.view',
    write: 'settings.modify',
    fields: { scan: { permission: 'containers.update' } },
  },
  { resource: 'hosts', read: 'settings.view', write: 'settings.modify' },
  { resource: 'updatepolicies', read: 'settings.view', write: 'settings.modify' },
  { resource: 'hooks', read: 'settings.view', write: 'settings.modify' },
  { resource: 'registries', read: 'settings.view', write: 'settings.modify' },
  { resource: 'notificationchannels', read: 'settings.view', write: 'settings.modify' },
  // The notification outbox: written by the controller; what is pending to a channel is as private as the channel.
  { resource: 'notificationdeliveries', read: 'settings.view', write: 'settings.modify' },
  { resource: 'portainerinstances', read: 'settings.view', write: 'settings.modify' },
  { resource: 'manifestsources', read: 'settings.view', write: 'settings.modify' },
  { resource: 'secrets', read: 'settings.modify', write: 'settings.modify' },
  // Namespaces are Host names (docs/resources.md); read as Hosts are, in case the resource API serves them.
  { resource: 'namespaces', read: 'settings.view', write: 'settings.modify' },
];

/** Writes to any /status subresource. */
export const STATUS_WRITE_PERMISSION: Permission = 'settings.modify';

/** Discovery and OpenAPI documents (/api, /apis, /openapi/...): any signed-in user, as Kubernetes' system:discovery. */
export const DISCOVERY_ACCESS: Access = 'authenticated';

/** A resource the table does not know (a kind added later without an entry): only an admin, never silently open. */
export const UNKNOWN_RESOURCE_PERMISSION: Permission = 'settings.modify';
