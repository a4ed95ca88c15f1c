// Which UpdatePolicies select a container: the selector over its Docker labels (absent or empty = all) AND one of
// the containerNames globs (if given) AND its Host among `hosts` (if given). When several select it, each field is
// taken from the highest priority policy that sets it; ties go to the alphabetically first name.
import { matchesGlob } from 'node:path';
import type { LabelSelector, UpdatePolicy } from '../../schemas/generated/types.ts';

export interface PolicySubject {
  labels: Readonly<Record<string, string>>;
  /** The Docker name. */
  containerName: string;
  hostName: string;
}

export function selectorMatches(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const requirement of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, requirement.key);
    const values = requirement.values ?? [];
    const value = labels[requirement.key] ?? '';
    const ok =
      requirement.operator === 'Exists' ? has
        : requirement.operator === 'DoesNotExist' ? !has
          : requirement.operator === 'In' ? has && values.includes(value)
            : !has || !values.includes(value);
    if (!ok) return false;
  }
  return true;
}

/**
 * Glob patterns with `*`, `?` and `[abc]` (node:path's matchesGlob: Docker names contain no `/`, so its path rules
 * never come into play).
 */
export function nameMatches(globs: readonly string[] | undefined, name: string): boolean {
  if (globs === undefined || globs.length === 0) return true;
  return globs.some((glob) => matchesGlob(name, glob));
}

export function policyMatches(policy: UpdatePolicy, subject: PolicySubject): boolean {
  const spec = policy.spec ?? {};
  const hosts = spec.hosts ?? [];
  return selectorMatches(spec.selector, subject.labels) && nameMatches(spec.containerNames, subject.containerName) &&
    (hosts.length === 0 || hosts.includes(subject.hostName));
}

/** The policies selecting `subject`, highest priority first, ties by name. */
export function matchingPolicies(policies: readonly UpdatePolicy[], subject: PolicySubject): UpdatePolicy[] {
  return policies
    .filter((policy) => policy.metadata.deletionTimestamp === undefined && policyMatches(policy, subject))
    .sort((a, b) => (b.spec?.priority ?? 0) - (a.spec?.priority ?? 0) || ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
}
