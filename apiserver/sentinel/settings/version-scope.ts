// REST `POST /api/settings/version-scope {"scope": …}` and the backup's `version_scope` onto Settings.versionScope,
// which holds the global mode only: `strict` or `default` (relaxed). Sentinel's documentation also shows the
// per-container scopes (`patch`, `minor`, `major`, `all`) here; the global mode cannot express them, so they are
// stored as `default`, the mode that offers the most, and the answer says so. A per-container scope is set on the
// Container (`spec.versionScope`, label `sentinel.semver`) or for many containers at once in an UpdatePolicy.
import type { GlobalVersionScope } from '../../../schemas/generated/types.ts';
import { SettingValueError } from './setting-values.ts';

export interface MappedVersionScope {
  scope: GlobalVersionScope;
  /** Set when the value given is not the value stored. */
  note?: string;
}

const PER_CONTAINER = ['patch', 'minor', 'major', 'all'];

export function versionScopeFromRest(text: string): MappedVersionScope {
  const value = text.trim().toLowerCase();
  if (value === 'strict') return { scope: 'strict' };
  if (value === 'default') return { scope: 'default' };
  if (value === 'relaxed') return { scope: 'default', note: 'relaxed is the mode named default' };
  if (PER_CONTAINER.includes(value)) {
    return {
      scope: 'default',
      note: `${value} is a per-container scope (Container spec.versionScope, label sentinel.semver, or an UpdatePolicy); the global mode is strict or default, and default (relaxed) is stored`,
    };
  }
  throw new SettingValueError(`must be one of "strict", "default" (also "relaxed", "patch", "minor", "major", "all", stored as default) (got ${JSON.stringify(text)})`);
}
