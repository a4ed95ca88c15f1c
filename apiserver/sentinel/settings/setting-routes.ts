// The `POST /api/settings/*` endpoints that set one global setting: their body field, its type (a route schema, so a
// wrong type is a 400 naming the field), the range or format check (the same parsers as the backup and the
// environment), the merge patch of Settings `default`, and the answer `{"status": "ok", <field>: <stored value>,
// "message": …}` with durations echoed the way Go prints them (`4h0m0s`), as Sentinel does.
import { formatDuration, parseDuration } from '../../../schemas/duration.ts';
import { cronValue, durationValue, integerValue, maintenanceWindowValue, stringList } from './setting-values.ts';
import type { SpecPatch } from './setting-keys.ts';
import { versionScopeFromRest } from './version-scope.ts';

export interface SettingChange {
  patch: SpecPatch;
  /** Fields of the answer between "status" and "message". */
  echo: Record<string, unknown>;
  message: string;
}

export interface SettingRoute {
  /** The path below /api/settings/. */
  path: string;
  /** The body field (required). */
  field: string;
  /** Its JSON schema. */
  type: Record<string, unknown>;
  change(value: never): SettingChange;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const STRING = { type: 'string' };
const BOOLEAN = { type: 'boolean' };
const STRINGS = { type: 'array', items: { type: 'string' } };

function onOff(enabled: boolean): string {
  return enabled ? 'enabled' : 'disabled';
}

/** A boolean setting: `{"enabled": true}` → `spec.FIELD`, "WHAT enabled". */
function toggle(path: string, specField: string, what: string): SettingRoute {
  return {
    path,
    field: 'enabled',
    type: BOOLEAN,
    change: (enabled: boolean) => ({ patch: { [specField]: enabled }, echo: { enabled }, message: `${what} ${onOff(enabled)}` }),
  };
}

function route<T>(path: string, field: string, type: Record<string, unknown>, change: (value: T) => SettingChange): SettingRoute {
  return { path, field, type, change: change as (value: never) => SettingChange };
}

export const SETTING_ROUTES: readonly SettingRoute[] = [
  route('poll-interval', 'interval', STRING, (interval: string) => {
    const stored = durationValue(interval, { min: 5 * MINUTE, max: 24 * HOUR });
    return { patch: { pollInterval: stored }, echo: { interval: stored }, message: `poll interval updated to ${stored}` };
  }),
  route('default-policy', 'policy', { enum: ['auto', 'manual', 'pinned'] }, (policy: string) => (
    { patch: { defaultPolicy: policy }, echo: { policy }, message: `default policy set to ${policy}` }
  )),
  route('grace-period', 'duration', STRING, (duration: string) => {
    const stored = durationValue(duration, { min: 0, max: 10 * MINUTE });
    return { patch: { gracePeriod: stored }, echo: { duration: stored }, message: `grace period set to ${stored}` };
  }),
  route('pause', 'paused', BOOLEAN, (paused: boolean) => (
    { patch: { paused }, echo: { paused }, message: paused ? 'scheduler paused' : 'scheduler unpaused' }
  )),
  toggle('latest-auto-update', 'latestAutoUpdate', 'latest auto-update'),
  route('filters', 'patterns', STRINGS, (patterns: string[]) => {
    const stored = stringList(patterns);
    return { patch: { filters: stored.length === 0 ? null : stored }, echo: { patterns: stored }, message: stored.length === 0 ? 'filters cleared' : 'filters updated' };
  }),
  toggle('image-cleanup', 'imageCleanup', 'image cleanup'),
  toggle('image-backup', 'imageBackup', 'image backup'),
  route('schedule', 'schedule', STRING, (schedule: string) => {
    if (schedule.trim() === '') return { patch: { schedule: null }, echo: { schedule: '' }, message: 'schedule cleared (using poll interval)' };
    const stored = cronValue(schedule);
    return { patch: { schedule: stored }, echo: { schedule: stored }, message: `schedule set to ${stored}` };
  }),
  toggle('hooks-enabled', 'hooksEnabled', 'lifecycle hooks'),
  toggle('hooks-write-labels', 'hooksWriteLabels', 'hook label writing'),
  toggle('dependency-aware', 'dependencyAware', 'dependency-aware updates'),
  // Sentinel's empty policy means "no change after a rollback": Vigil's none.
  route('rollback-policy', 'policy', { enum: ['', 'none', 'manual', 'pinned'] }, (policy: string) => {
    const stored = policy === '' ? 'none' : policy;
    return { patch: { rollbackPolicy: stored }, echo: { policy: stored }, message: stored === 'none' ? 'rollback policy: no change' : `rollback policy: set to ${stored}` };
  }),
  route('version-scope', 'scope', STRING, (scope: string) => {
    const mapped = versionScopeFromRest(scope);
    return {
      patch: { versionScope: mapped.scope },
      echo: { scope: mapped.scope, ...(mapped.note === undefined ? {} : { requested: scope }) },
      message: `default version scope set to ${mapped.scope}${mapped.note === undefined ? '' : ` (${mapped.note})`}`,
    };
  }),
  toggle('dry-run', 'dryRun', 'dry-run mode'),
  toggle('pull-only', 'pullOnly', 'pull-only mode'),
  route('update-delay', 'delay', STRING, (delay: string) => {
    if (delay.trim() === '' || delay.trim() === '0') return { patch: { updateDelay: null }, echo: { delay: '0s' }, message: 'update delay cleared' };
    const stored = durationValue(delay, { min: 0, days: true });
    // Days are kept as written (3d is clearer than 72h0m0s in kubectl); the echo is Go's spelling.
    const kept = delay.includes('d') ? delay.trim() : stored;
    return { patch: { updateDelay: kept }, echo: { delay: formatDuration(parseDuration(kept)) }, message: `update delay set to ${formatDuration(parseDuration(kept))}` };
  }),
  toggle('show-stopped', 'showStopped', 'show stopped containers'),
  toggle('remove-volumes', 'removeVolumes', 'remove volumes on update'),
  route('scan-concurrency', 'concurrency', { type: 'integer' }, (concurrency: number) => {
    const stored = integerValue(concurrency, 1, 32);
    return { patch: { scanConcurrency: stored }, echo: { concurrency: stored }, message: `scan concurrency set to ${stored}` };
  }),
  route('maintenance-window', 'window', STRING, (window: string) => {
    if (window.trim() === '') return { patch: { maintenanceWindow: null }, echo: { window: '' }, message: 'maintenance window cleared (updates at any time)' };
    const stored = maintenanceWindowValue(window);
    return { patch: { maintenanceWindow: stored }, echo: { window: stored }, message: `maintenance window set to ${stored}` };
  }),
  route('stack-order', 'order', STRINGS, (order: string[]) => {
    const stored = stringList(order);
    return { patch: { stackOrder: stored.length === 0 ? null : stored }, echo: { order: stored }, message: 'stack order saved' };
  }),
  route('dashboard-columns', 'columns', STRINGS, (columns: string[]) => {
    const stored = stringList(columns);
    return { patch: { dashboardColumns: stored.length === 0 ? null : stored }, echo: { columns: stored }, message: 'dashboard columns saved' };
  }),
  // Stored now; writing tags back into compose files comes with later work (the setting then takes effect).
  toggle('compose-sync', 'composeSync', 'compose file sync'),
];

/** The change for one validated body value; throws SettingValueError (a 400 naming the body field). */
export function settingChange(route: SettingRoute, value: unknown): SettingChange {
  return route.change(value as never);
}
