// The settings that can come from several places, and where each place spells them: the Container spec
// field, the Sentinel label, the UpdatePolicy field, the Settings field and the built-in default. The
// controller that fills Container status.effective walks this table (spec > label > updatePolicy/NAME >
// settings > default); docs/resources.md describes it. Built-in defaults are read from the Settings schema
// so that each default is written down once.
import { resourceKinds } from './index.ts';
import { isJsonObject, type JsonValue } from './json.ts';

export type EffectiveSourceKind = 'spec' | 'label' | 'updatePolicy' | 'settings' | 'default';

export interface EffectiveField {
  /** Key in status.effective, in Container spec and (unless perContainerOnly) in UpdatePolicy spec. */
  key: string;
  /** The Sentinel label that sets it, if any. */
  label?: string;
  /** The Settings spec field that sets it globally, if any. */
  settingsField?: string;
  /** Value when nothing sets it; absent = the key is omitted from status.effective. */
  builtInDefault?: JsonValue;
  /** Not settable by UpdatePolicy (container-specific). */
  perContainerOnly?: boolean;
}

function settingsDefault(field: string): JsonValue | undefined {
  const settings = resourceKinds.find((kind) => kind.kind === 'Settings');
  const defs = settings?.schema.$defs;
  const spec = isJsonObject(defs) ? defs.SettingsSpec : undefined;
  const properties = isJsonObject(spec) ? spec.properties : undefined;
  const property = isJsonObject(properties) ? properties[field] : undefined;
  return isJsonObject(property) ? property.default : undefined;
}

function fromSettings(key: string, settingsField: string, label?: string): EffectiveField {
  const builtInDefault = settingsDefault(settingsField);
  return { key, settingsField, ...(label === undefined ? {} : { label }), ...(builtInDefault === undefined ? {} : { builtInDefault }) };
}

export const EFFECTIVE_FIELDS: readonly EffectiveField[] = [
  // Between label and Settings.defaultPolicy, Settings.latestAutoUpdate makes tag latest (or no tag) auto.
  fromSettings('policy', 'defaultPolicy', 'sentinel.policy'),
  // Per-container scopes are patch/minor/major/all; the Settings fallback is the global strict/default mode.
  fromSettings('versionScope', 'versionScope', 'sentinel.semver'),
  { key: 'includeTags', label: 'sentinel.include-tags' },
  { key: 'excludeTags', label: 'sentinel.exclude-tags' },
  // Settings.schedule is the scan schedule, not a per-container one: no fallback.
  { key: 'schedule', label: 'sentinel.schedule' },
  fromSettings('updateDelay', 'updateDelay', 'sentinel.delay'),
  fromSettings('gracePeriod', 'gracePeriod', 'sentinel.grace-period'),
  fromSettings('pullOnly', 'pullOnly', 'sentinel.pull-only'),
  fromSettings('removeVolumes', 'removeVolumes', 'sentinel.remove-volumes'),
  { key: 'notifyMode', builtInDefault: 'default' },
  { key: 'notifySnooze', label: 'sentinel.notify-snooze' },
  { key: 'verify', label: 'sentinel.verify', builtInDefault: 'disabled' },
  fromSettings('maintenanceWindow', 'maintenanceWindow'),
  fromSettings('rollbackPolicy', 'rollbackPolicy'),
  fromSettings('hooksEnabled', 'hooksEnabled'),
  fromSettings('imageCleanup', 'imageCleanup'),
  fromSettings('imageBackup', 'imageBackup'),
  // Label sentinel.depends-on, else com.docker.compose.depends_on (both reported as source "label").
  { key: 'dependsOn', label: 'sentinel.depends-on', perContainerOnly: true },
];
