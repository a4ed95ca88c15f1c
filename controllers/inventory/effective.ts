// status.effective: for each setting of EFFECTIVE_FIELDS (schemas/effective.ts) the value in force and where it
// came from, with one precedence (docs/resources.md, "Precedence and status.effective"):
//   spec > label > updatePolicy/NAME > settings > default
// plus the documented special cases: Settings.latestAutoUpdate between UpdatePolicy and Settings.defaultPolicy for a
// container on `latest` (or no tag); dependsOn from compose's depends_on after the sentinel label. A malformed label
// falls through and is reported, never silently replaced by a default.
import { EFFECTIVE_FIELDS, type EffectiveField } from '../../schemas/effective.ts';
import type { ContainerSpec, EffectiveSettings, SettingsSpec, UpdatePolicy } from '../../schemas/generated/types.ts';
import type { JsonValue } from '../../schemas/json.ts';
import { parseLabel } from './label-values.ts';
import { matchingPolicies, type PolicySubject } from '../../domain/inventory/policy-match.ts';

export interface EffectiveInput extends PolicySubject {
  /** The Container's spec (the user's explicit edits). */
  spec: ContainerSpec | undefined;
  /** The image reference as configured (Config.Image), for Settings.latestAutoUpdate. */
  image: string;
  /** Every UpdatePolicy; the matching ones are picked here. */
  policies: readonly UpdatePolicy[];
  /** Settings/default's spec, if it exists. */
  settings: SettingsSpec | undefined;
  /** compose depends_on, already mapped to the Docker names of the project's containers. */
  composeDependsOn?: readonly string[];
}

export interface InvalidLabel {
  label: string;
  value: string;
  problem: string;
}

export interface EffectiveResult {
  effective: EffectiveSettings;
  invalidLabels: InvalidLabel[];
}

interface Resolved {
  value: JsonValue;
  source: string;
}

function field(object: object | undefined, name: string): JsonValue | undefined {
  if (object === undefined) return undefined;
  const value: unknown = (object as Record<string, unknown>)[name];
  return value === undefined ? undefined : (value as JsonValue);
}

/** Whether a reference names tag `latest` or no tag at all (a digest reference is pinned, not latest). */
export function isLatestTag(reference: string): boolean {
  if (reference.includes('@')) return false;
  const lastPart = reference.slice(reference.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  return colon < 0 || lastPart.slice(colon + 1) === 'latest';
}

function fromLabel(entry: EffectiveField, input: EffectiveInput, invalid: InvalidLabel[]): Resolved | undefined {
  if (entry.label !== undefined) {
    const raw = input.labels[entry.label];
    if (raw !== undefined) {
      const parsed = parseLabel(entry.key, raw);
      if (parsed.ok) return { value: parsed.value, source: 'label' };
      invalid.push({ label: entry.label, value: raw, problem: parsed.problem });
    }
  }
  if (entry.key === 'dependsOn' && input.composeDependsOn !== undefined && input.composeDependsOn.length > 0) {
    return { value: [...input.composeDependsOn], source: 'label' };
  }
  return undefined;
}

function resolve(entry: EffectiveField, input: EffectiveInput, policies: readonly UpdatePolicy[], invalid: InvalidLabel[]): Resolved | undefined {
  const fromSpec = field(input.spec, entry.key);
  if (fromSpec !== undefined) return { value: fromSpec, source: 'spec' };
  const label = fromLabel(entry, input, invalid);
  if (label !== undefined) return label;
  if (entry.perContainerOnly !== true) {
    for (const policy of policies) {
      const value = field(policy.spec, entry.key);
      if (value !== undefined) return { value, source: `updatePolicy/${policy.metadata.name ?? ''}` };
    }
  }
  if (entry.key === 'policy' && input.settings?.latestAutoUpdate === true && isLatestTag(input.image)) return { value: 'auto', source: 'settings' };
  const fromSettings = entry.settingsField === undefined ? undefined : field(input.settings, entry.settingsField);
  if (fromSettings !== undefined) return { value: fromSettings, source: 'settings' };
  if (entry.builtInDefault !== undefined) return { value: entry.builtInDefault, source: 'default' };
  return undefined;
}

export function resolveEffective(input: EffectiveInput): EffectiveResult {
  const policies = matchingPolicies(input.policies, input);
  const invalidLabels: InvalidLabel[] = [];
  const effective: Record<string, Resolved> = {};
  for (const entry of EFFECTIVE_FIELDS) {
    const resolved = resolve(entry, input, policies, invalidLabels);
    if (resolved !== undefined) effective[entry.key] = resolved;
  }
  // Each value came from a schema-validated object (spec, UpdatePolicy, Settings, the Settings schema's defaults) or
  // from a label parser that accepts exactly the field's schema; the status write validates the result again.
  return { effective: effective as EffectiveSettings, invalidLabels };
}
