// The global settings the settings page edits, grouped as Sentinel's settings page groups them: each is read from
// GET /api/settings (its runtime key, a string) and written through its own REST route (`POST /api/settings/ROUTE`
// with `{FIELD: value}`), or, for Vigil's own fields that have no Sentinel route, as a merge patch of Settings
// `default` on the resource API (`spec` path). The server validates; its error is shown as it says it.
export type SettingKind = 'bool' | 'text' | 'int' | 'lines' | 'choice';

export interface SettingDefinition {
  key: string;
  label: string;
  kind: SettingKind;
  /** POST /api/settings/ROUTE with {field: value}. */
  route?: { path: string; field: string };
  /** Else a merge patch of Settings `default` spec at this path. */
  spec?: string[];
  choices?: string[];
  hint?: string;
}

export interface SettingGroup {
  id: string;
  title: string;
  settings: SettingDefinition[];
}

const posted = (path: string, field: string) => ({ route: { path, field } });
const toggle = (key: string, label: string, path: string, hint?: string): SettingDefinition => ({ key, label, kind: 'bool', ...posted(path, 'enabled'), ...(hint === undefined ? {} : { hint }) });

export const SETTING_GROUPS: readonly SettingGroup[] = [
  {
    id: 'scanning',
    title: 'Scanning',
    settings: [
      { key: 'poll_interval', label: 'Poll interval', kind: 'text', ...posted('poll-interval', 'interval'), hint: '5m to 24h, e.g. 6h' },
      { key: 'schedule', label: 'Schedule (cron)', kind: 'text', ...posted('schedule', 'schedule'), hint: 'empty: use the poll interval' },
      { key: 'scan_concurrency', label: 'Scan concurrency', kind: 'int', ...posted('scan-concurrency', 'concurrency'), hint: '1 to 32' },
      { key: 'filters', label: 'Filters (one pattern a line)', kind: 'lines', ...posted('filters', 'patterns'), hint: 'containers matching a pattern are not scanned' },
      { key: 'paused', label: 'Scheduler paused', kind: 'bool', ...posted('pause', 'paused') },
      toggle('show_stopped', 'Show stopped containers', 'show-stopped'),
    ],
  },
  {
    id: 'updates',
    title: 'Updates and safety',
    settings: [
      { key: 'default_policy', label: 'Default policy', kind: 'choice', choices: ['auto', 'manual', 'pinned'], ...posted('default-policy', 'policy') },
      { key: 'version_scope', label: 'Version scope', kind: 'choice', choices: ['default', 'strict'], ...posted('version-scope', 'scope') },
      { key: 'grace_period', label: 'Grace period', kind: 'text', ...posted('grace-period', 'duration'), hint: '0s to 10m' },
      { key: 'update_delay', label: 'Update delay', kind: 'text', ...posted('update-delay', 'delay'), hint: 'e.g. 3d; 0 clears it' },
      { key: 'update_concurrency', label: 'Update concurrency', kind: 'int', spec: ['updateConcurrency'], hint: '1 to 16' },
      { key: 'rollback_policy', label: 'Policy after a rollback', kind: 'choice', choices: ['none', 'manual', 'pinned'], ...posted('rollback-policy', 'policy') },
      toggle('latest_auto_update', 'Auto-update :latest', 'latest-auto-update'),
      toggle('dependency_aware', 'Dependency-aware updates', 'dependency-aware'),
      toggle('dry_run', 'Dry run', 'dry-run', 'record what auto-updates would do without doing it'),
      toggle('pull_only', 'Pull only', 'pull-only'),
      toggle('image_backup', 'Keep the old image', 'image-backup'),
      toggle('image_cleanup', 'Remove old images', 'image-cleanup'),
      toggle('remove_volumes', 'Remove anonymous volumes', 'remove-volumes'),
      toggle('compose_sync', 'Compose file sync', 'compose-sync'),
      { key: 'snapshot_retention', label: 'Snapshots kept per container', kind: 'int', spec: ['snapshotRetention', 'perContainer'], hint: '1 to 100' },
      { key: 'history_retention', label: 'History records kept', kind: 'int', spec: ['historyRetention', 'maxRecords'], hint: '10 to 100000' },
    ],
  },
  {
    id: 'maintenance',
    title: 'Maintenance window',
    settings: [
      { key: 'maintenance_window', label: 'Window', kind: 'text', ...posted('maintenance-window', 'window'), hint: 'e.g. 02:00-05:00 or Sat 22:00-Sun 06:00 (several joined by ;); empty: any time' },
    ],
  },
  {
    id: 'hooks',
    title: 'Hooks',
    settings: [
      toggle('hooks_enabled', 'Lifecycle hooks', 'hooks-enabled'),
      toggle('hooks_write_labels', 'Hooks may be set by labels', 'hooks-write-labels'),
    ],
  },
  {
    id: 'metrics',
    title: 'Metrics',
    settings: [{ key: 'metrics_enabled', label: 'Prometheus metrics at /metrics', kind: 'bool', spec: ['metrics', 'enabled'] }],
  },
];
