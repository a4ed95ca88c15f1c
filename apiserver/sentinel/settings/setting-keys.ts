// Docker Sentinel's setting keys (GET /api/settings, the config backup's `settings` map, the SENTINEL_* environment
// variables) and the Settings `default` fields they stand for: one table, read by the settings reads, the backup and
// the environment seeding, so that a key means the same field everywhere. Values are strings, as Sentinel keeps them;
// a key absent from the resource reads as its built-in default (the Settings schema's `default`).
import type { SettingsSpec } from '../../../schemas/generated/types.ts';
import { resourceKinds } from '../../../schemas/index.ts';
import { isJsonObject, type JsonValue } from '../../../schemas/json.ts';
import { booleanText, cronValue, durationValue, enumValue, integerText, listText, maintenanceWindowValue, SettingValueError, timeOfDayValue } from './setting-values.ts';
import { versionScopeFromRest } from './version-scope.ts';

/** A JSON merge patch (RFC 7386) of the Settings spec: null removes a field. */
export type SpecPatch = { [field: string]: JsonValue | SpecPatch | null };

export interface SettingKey {
  /** Sentinel's runtime key, e.g. `poll_interval`. */
  key: string;
  /** The environment variable that seeds it when Settings `default` is first created. */
  env?: string;
  /** The Settings spec field, as a path (for messages and docs). */
  field: string;
  /** The value as text; the built-in default when the spec does not set it. */
  read(spec: SettingsSpec): string;
  /** The merge patch that stores `text`; throws SettingValueError. */
  parse(text: string): SpecPatch;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The Settings schema's default of a spec field (nested fields by path), so that each default is written once. */
export function settingsDefault(path: readonly string[]): JsonValue | undefined {
  const settings = resourceKinds.find((kind) => kind.kind === 'Settings');
  const defs = settings?.schema.$defs;
  let node: JsonValue | undefined = isJsonObject(defs) ? defs.SettingsSpec : undefined;
  for (const segment of path) {
    const properties: JsonValue | undefined = isJsonObject(node) ? node.properties : undefined;
    node = isJsonObject(properties) ? properties[segment] : undefined;
  }
  return isJsonObject(node) ? node.default : undefined;
}

function valueAt(spec: SettingsSpec, path: readonly string[]): unknown {
  let node: unknown = spec;
  for (const segment of path) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
  return node;
}

/** `{a: {b: value}}` for path [a, b]. */
function patchAt(path: readonly string[], value: JsonValue | null): SpecPatch {
  let patch: JsonValue | SpecPatch | null = value;
  for (const segment of [...path].reverse()) patch = { [segment]: patch };
  return patch as SpecPatch;
}

function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

interface Definition {
  key: string;
  env?: string;
  path: string[];
  /** Text → stored value; null removes the field (an empty schedule, window or delay). */
  parse: (text: string) => JsonValue | null;
  /** Stored value → text; default: String / JSON. */
  show?: (value: unknown) => string;
}

function define(definition: Definition): SettingKey {
  const { key, env, path, parse, show = textOf } = definition;
  return {
    key,
    ...(env === undefined ? {} : { env }),
    field: `spec.${path.join('.')}`,
    read: (spec) => show(valueAt(spec, path) ?? settingsDefault(path)),
    parse: (text) => patchAt(path, parse(text)),
  };
}

const bool = (key: string, path: string[], env?: string): SettingKey => define({ key, path, parse: booleanText, ...(env === undefined ? {} : { env }) });
/** An empty text removes the field (the setting falls back to its default or to "not set"). */
const optional = (parse: (text: string) => JsonValue) => (text: string): JsonValue | null => (text.trim() === '' ? null : parse(text));
const jsonList = (value: unknown): string => (Array.isArray(value) ? JSON.stringify(value) : '');

export const SETTING_KEYS: readonly SettingKey[] = [
  define({ key: 'poll_interval', env: 'SENTINEL_POLL_INTERVAL', path: ['pollInterval'], parse: (text) => durationValue(text, { min: 5 * MINUTE, max: 24 * HOUR }) }),
  define({ key: 'schedule', env: 'SENTINEL_SCHEDULE', path: ['schedule'], parse: optional(cronValue) }),
  define({ key: 'grace_period', env: 'SENTINEL_GRACE_PERIOD', path: ['gracePeriod'], parse: (text) => durationValue(text, { min: 0, max: 10 * MINUTE }) }),
  bool('paused', ['paused']),
  define({ key: 'scan_concurrency', env: 'SENTINEL_SCAN_CONCURRENCY', path: ['scanConcurrency'], parse: (text) => integerText(text, 1, 32) }),
  define({ key: 'update_concurrency', path: ['updateConcurrency'], parse: (text) => integerText(text, 1, 16) }),
  // One pattern per line, as Sentinel stores them.
  define({ key: 'filters', path: ['filters'], parse: (text) => listText(text), show: (value) => (Array.isArray(value) ? value.join('\n') : '') }),
  define({ key: 'update_delay', path: ['updateDelay'], parse: optional((text) => durationValue(text, { min: 0, days: true })) }),
  define({ key: 'default_policy', env: 'SENTINEL_DEFAULT_POLICY', path: ['defaultPolicy'], parse: (text) => enumValue(text, ['auto', 'manual', 'pinned'] as const) }),
  bool('latest_auto_update', ['latestAutoUpdate'], 'SENTINEL_LATEST_AUTO_UPDATE'),
  bool('image_cleanup', ['imageCleanup'], 'SENTINEL_IMAGE_CLEANUP'),
  bool('image_backup', ['imageBackup'], 'SENTINEL_IMAGE_BACKUP'),
  bool('remove_volumes', ['removeVolumes'], 'SENTINEL_REMOVE_VOLUMES'),
  bool('dry_run', ['dryRun']),
  bool('pull_only', ['pullOnly']),
  // Sentinel spells "no policy change after a rollback" as an empty value.
  define({ key: 'rollback_policy', env: 'SENTINEL_ROLLBACK_POLICY', path: ['rollbackPolicy'], parse: (text) => enumValue(text === '' ? 'none' : text, ['none', 'manual', 'pinned'] as const) }),
  define({ key: 'version_scope', path: ['versionScope'], parse: (text) => versionScopeFromRest(text).scope }),
  bool('dependency_aware', ['dependencyAware'], 'SENTINEL_DEPS'),
  bool('compose_sync', ['composeSync']),
  define({ key: 'maintenance_window', env: 'SENTINEL_MAINTENANCE_WINDOW', path: ['maintenanceWindow'], parse: optional(maintenanceWindowValue) }),
  bool('show_stopped', ['showStopped'], 'SENTINEL_SHOW_STOPPED'),
  bool('hooks_enabled', ['hooksEnabled'], 'SENTINEL_HOOKS'),
  bool('hooks_write_labels', ['hooksWriteLabels']),
  bool('digest_enabled', ['digest', 'enabled']),
  define({ key: 'digest_time', path: ['digest', 'time'], parse: timeOfDayValue }),
  define({ key: 'digest_interval', path: ['digest', 'interval'], parse: (text) => durationValue(text, { min: HOUR, max: 168 * HOUR }) }),
  bool('webhook_enabled', ['webhook', 'enabled']),
  bool('ha_discovery_enabled', ['haDiscovery', 'enabled']),
  define({ key: 'ha_discovery_prefix', path: ['haDiscovery', 'discoveryPrefix'], parse: optional((text) => text.trim()) }),
  // Vigil's own: the rest of spec.haDiscovery, so that a config backup carries all of it.
  define({ key: 'ha_discovery_state_prefix', path: ['haDiscovery', 'statePrefix'], parse: optional((text) => text.trim()) }),
  define({ key: 'ha_discovery_channel', path: ['haDiscovery', 'channelRef'], parse: optional((text) => text.trim()) }),
  bool('ha_discovery_allow_install', ['haDiscovery', 'allowInstall']),
  define({ key: 'stack_order', path: ['stackOrder'], parse: (text) => listText(text), show: jsonList }),
  define({ key: 'dashboard_columns', path: ['dashboardColumns'], parse: (text) => listText(text), show: jsonList }),
  // Vigil's own.
  bool('metrics_enabled', ['metrics', 'enabled'], 'SENTINEL_METRICS'),
  define({ key: 'snapshot_retention', path: ['snapshotRetention', 'perContainer'], parse: (text) => integerText(text, 1, 100) }),
  define({ key: 'history_retention', path: ['historyRetention', 'maxRecords'], parse: (text) => integerText(text, 10, 100_000) }),
  define({ key: 'history_max_age', path: ['historyRetention', 'maxAge'], parse: (text) => durationValue(text, { min: 0, days: true }) }),
  // Kept by Sentinel outside its settings; in a Vigil backup as JSON text, in the shapes their REST endpoints use.
  define({ key: 'release_sources', path: ['releaseSources'], parse: releaseSourcesText, show: (value) => JSON.stringify((Array.isArray(value) ? value : []).map((source: { imagePattern: string; githubRepo: string }) => ({ image_pattern: source.imagePattern, github_repo: source.githubRepo }))) }),
  define({ key: 'notification_templates', path: ['notificationTemplates'], parse: templatesText, show: (value) => JSON.stringify(value ?? {}) }),
];

function jsonText(text: string, expected: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SettingValueError(`must be ${expected} in JSON (got ${JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)})`);
  }
}

function releaseSourcesText(text: string): JsonValue | null {
  if (text.trim() === '') return null;
  const parsed = jsonText(text, 'a list of {"image_pattern", "github_repo"}');
  if (!Array.isArray(parsed)) throw new SettingValueError('must be a list of {"image_pattern", "github_repo"}');
  const sources = parsed.map((item: unknown, index) => {
    const source = item as { image_pattern?: unknown; github_repo?: unknown };
    if (typeof source !== 'object' || source === null || typeof source.image_pattern !== 'string' || typeof source.github_repo !== 'string' || source.image_pattern.trim() === '') {
      throw new SettingValueError(`[${index}]: must be {"image_pattern": "…", "github_repo": "OWNER/REPO"}`);
    }
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(source.github_repo)) throw new SettingValueError(`[${index}].github_repo: must be OWNER/REPO (got ${JSON.stringify(source.github_repo)})`);
    return { imagePattern: source.image_pattern.trim(), githubRepo: source.github_repo };
  });
  return sources.length === 0 ? null : sources;
}

const TEMPLATE_EVENTS = ['update_available', 'version_available', 'update_started', 'update_succeeded', 'update_failed', 'rollback_succeeded', 'rollback_failed', 'container_state', 'digest'];

function templatesText(text: string): JsonValue | null {
  if (text.trim() === '') return null;
  const parsed = jsonText(text, 'an object of event type to template');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SettingValueError('must be an object of event type to template');
  for (const [event, template] of Object.entries(parsed)) {
    if (!TEMPLATE_EVENTS.includes(event)) throw new SettingValueError(`unknown event type ${JSON.stringify(event)} (expected ${TEMPLATE_EVENTS.join(', ')})`);
    if (typeof template !== 'string') throw new SettingValueError(`${event}: must be a string`);
  }
  return Object.keys(parsed).length === 0 ? null : (parsed as JsonValue);
}

const BY_KEY = new Map(SETTING_KEYS.map((setting) => [setting.key, setting]));

export function settingKey(key: string): SettingKey | undefined {
  return BY_KEY.get(key);
}

/**
 * Keys Docker Sentinel stores that Vigil keeps elsewhere or not at all: an imported backup that carries them is not
 * refused (it came from a real Sentinel), each is skipped with a warning saying where the setting lives in Vigil.
 */
export const FOREIGN_SETTING_KEYS: ReadonlyMap<string, string> = new Map([
  ...['notification_config', 'notification_channels'].map((key): [string, string] => [key, 'notification channels are imported from the backup\'s "notifications" list']),
  ['default_notify_mode', 'Vigil has no global notification mode: set notifyMode on Containers or in an UpdatePolicy'],
  ...['portainer_enabled', 'portainer_url', 'portainer_token'].map((key): [string, string] => [key, 'Portainer instances are PortainerInstance resources (POST /api/portainer/instances, docs/portainer.md); the legacy single-instance settings are not imported']),
  ...['docker_tls_ca', 'docker_tls_cert', 'docker_tls_key'].map((key): [string, string] => [key, 'Docker TLS is configured on the Host resource (spec.tls)']),
  ...['cluster_enabled', 'cluster_port', 'cluster_grace_period', 'cluster_remote_policy', 'cluster_auto_update_agents', 'instance_role', 'server_addr', 'enroll_token', 'host_name']
    .map((key): [string, string] => [key, 'Vigil manages several Docker hosts as Host resources; Sentinel\'s cluster settings do not apply']),
  ...['auth_setup_complete', 'auth_enabled'].map((key): [string, string] => [key, 'authentication is set up with POST /setup and switched with POST /api/auth/settings']),
  ...['oidc_enabled', 'oidc_issuer_url', 'oidc_client_id', 'oidc_client_secret', 'oidc_redirect_url', 'oidc_auto_create', 'oidc_default_role']
    .map((key): [string, string] => [key, 'OIDC sign-in is not supported by Vigil yet']),
  ['digest_banner_dismissed', 'the digest banner is not stored'],
  ...['web_port', 'tls_mode', 'log_format'].map((key): [string, string] => [key, 'server options are vigil serve flags (--port, --tls, --log-level)']),
]);

/** Every setting as text, keyed by Sentinel's runtime keys (the `settings` of a backup). */
export function settingsAsText(spec: SettingsSpec): Record<string, string> {
  return Object.fromEntries(SETTING_KEYS.map((setting) => [setting.key, setting.read(spec)]));
}

/** GET /api/settings: the SENTINEL_* names and the runtime keys, both with the value the server runs with. */
export function settingsView(spec: SettingsSpec): Record<string, string> {
  const view: Record<string, string> = {};
  for (const setting of SETTING_KEYS) if (setting.env !== undefined) view[setting.env] = setting.read(spec);
  return { ...view, ...settingsAsText(spec) };
}

/** Merges merge patches (later wins; nested objects merge). */
export function mergePatches(patches: readonly SpecPatch[]): SpecPatch {
  const merged: SpecPatch = {};
  for (const patch of patches) mergeInto(merged, patch);
  return merged;
}

function mergeInto(target: SpecPatch, patch: SpecPatch): void {
  for (const [field, value] of Object.entries(patch)) {
    const existing = target[field];
    if (isPatchObject(value) && isPatchObject(existing)) mergeInto(existing, value);
    else target[field] = isPatchObject(value) ? mergePatches([value]) : value;
  }
}

function isPatchObject(value: unknown): value is SpecPatch {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class SettingsEnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsEnvironmentError';
  }
}

/**
 * The spec that SENTINEL_* environment variables describe, for the first creation of Settings `default` (they never
 * overwrite a stored setting: the resource is the source of truth). A bad value throws, naming the variable, instead
 * of Sentinel's silent fallback to the default.
 */
export function settingsSpecFromEnvironment(env: NodeJS.ProcessEnv): SpecPatch {
  const patches: SpecPatch[] = [];
  for (const setting of SETTING_KEYS) {
    if (setting.env === undefined) continue;
    const text = env[setting.env];
    if (text === undefined || text === '') continue;
    try {
      patches.push(setting.parse(text));
    } catch (error) {
      if (error instanceof SettingValueError) throw new SettingsEnvironmentError(`invalid ${setting.env}=${JSON.stringify(text)}: ${error.message}`);
      throw error;
    }
  }
  return withoutNulls(mergePatches(patches));
}

/** A patch as a plain value to create with (a removal means "not set"). */
export function withoutNulls(patch: SpecPatch): SpecPatch {
  const result: SpecPatch = {};
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) continue;
    result[field] = isPatchObject(value) ? withoutNulls(value) : value;
  }
  return result;
}
