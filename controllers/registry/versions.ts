// Which tags of a repository are newer versions of the tag a container runs: the rules of Docker Sentinel's version
// scope (shared/reference/docker-sentinel-behaviour.md, "Version scope"), in one pure module. Ordering is semver's
// (the `semver` library); what counts as a version, a pre-release, a variant, a scheme and a scope is ours, because
// image tags are not semver: `1.25`, `v2`, `3.19-alpine` and `2026.04.1` are all versions here.
import { SemVer } from 'semver';
import { compileTagRegex } from '../../schemas/tag-regex.ts';

/** A per-container scope label (`all` = `major`) or the global mode from Settings (`default` is the relaxed one). */
export type VersionScope = 'patch' | 'minor' | 'major' | 'all' | 'strict' | 'default';

export interface VersionTag {
  /** The tag as the registry spells it. */
  tag: string;
  /** Written with a leading `v` or `V`. */
  prefixed: boolean;
  /** The 1 to 3 numeric parts as written (`1.25` has two). */
  numbers: number[];
  /** A recognised pre-release suffix (`rc1`, `beta.2`, `m3`): label lowercased, number if any. */
  pre?: { label: string; number?: number };
  /** Any other suffix after the first `-` (`alpine`, `bookworm-slim`): only tags of the same variant compare. */
  variant?: string;
  /** Major ≥ 1900: a calendar version (`2026.4`), never compared with semver. */
  calendar: boolean;
}

const VERSION_TAG = /^([vV])?(\d{1,15})(?:\.(\d{1,15}))?(?:\.(\d{1,15}))?(?:-(.+))?$/;
const PRE_RELEASE = /^(alpha|beta|rc|pre|preview|dev|snapshot|nightly|canary|next|ea|milestone|m)[.-]?(\d{1,15})?$/i;
const CALENDAR_MAJOR = 1900;

/** Parses a tag as a version, or returns undefined for tags such as `latest`, `stable`, `1.2.3.4` or `main-abc`. */
export function parseVersionTag(tag: string): VersionTag | undefined {
  const match = VERSION_TAG.exec(tag);
  if (match === null) return undefined;
  const numbers = [match[2], match[3], match[4]].filter((part) => part !== undefined).map(Number);
  const major = numbers[0] ?? 0;
  const version: VersionTag = { tag, prefixed: match[1] !== undefined, numbers, calendar: major >= CALENDAR_MAJOR };
  const suffix = match[5];
  if (suffix !== undefined) {
    const pre = PRE_RELEASE.exec(suffix);
    if (pre === null) version.variant = suffix;
    else version.pre = { label: (pre[1] ?? '').toLowerCase(), ...(pre[2] === undefined ? {} : { number: Number(pre[2]) }) };
  }
  return version;
}

function toSemVer(version: VersionTag): SemVer {
  const [major = 0, minor = 0, patch = 0] = version.numbers;
  const pre = version.pre === undefined ? '' : `-${version.pre.label}${version.pre.number === undefined ? '' : `.${version.pre.number}`}`;
  return new SemVer(`${major}.${minor}.${patch}${pre}`);
}

/** Semver order of two versions of the same scheme and variant; `1.2` equals `1.2.0`, `1.2.0-rc1` precedes `1.2.0`. */
export function compareVersions(a: VersionTag, b: VersionTag): number {
  return toSemVer(a).compare(toSemVer(b));
}

/** The identity of a version: `1.2`, `1.2.0` and `v1.2.0` are one version (they collapse in lists). */
export function versionKey(version: VersionTag): string {
  return `${toSemVer(version).version}|${version.variant ?? ''}`;
}

/**
 * How many leading numbers a candidate must share with the current tag to be in scope; 4 = nothing is in scope.
 * Labels: patch = same major.minor, minor = same major, major/all = any. Global strict: a 3-part tag gets nothing, a
 * 2-part tag same major.minor, a 1-part tag same major. Global default (relaxed): one level wider than strict.
 */
function requiredSharedNumbers(scope: VersionScope, currentParts: number): number {
  switch (scope) {
    case 'patch':
      return 2;
    case 'minor':
      return 1;
    case 'major':
    case 'all':
      return 0;
    case 'strict':
      return currentParts === 3 ? 4 : currentParts;
    case 'default':
      return currentParts - 1;
  }
}

function sharesLeadingNumbers(a: VersionTag, b: VersionTag, count: number): boolean {
  if (count > 3) return false;
  for (let i = 0; i < count; i += 1) {
    if ((a.numbers[i] ?? 0) !== (b.numbers[i] ?? 0)) return false;
  }
  return true;
}

/** A less specific tag (`1`, `2026.4`) already follows everything below it: `1.4.2` is inside `1`'s subtree. */
function insideSubtree(current: VersionTag, candidate: VersionTag): boolean {
  if (current.numbers.length === 3 || candidate.numbers.length <= current.numbers.length) return false;
  return current.numbers.every((part, i) => candidate.numbers[i] === part);
}

export interface NewerVersionsOptions {
  /** The tag the container runs. */
  currentTag: string;
  /** Every tag of the repository. */
  tags: readonly string[];
  scope: VersionScope;
  /** Only tags matching this regex (RE2 subset, see schemas/tag-regex.ts) are candidates. */
  includeTags?: string;
  /** Tags matching this regex are never candidates. */
  excludeTags?: string;
  /** Versions never offered again: a tag, or any spelling of the same version (`1.3` ignores `1.3.0`). */
  ignoredVersions?: readonly string[];
}

export interface NewerVersions {
  /** The current tag, parsed. */
  current: VersionTag;
  /** In-scope newer versions, newest first, one tag per version. */
  newerVersions: string[];
  /** Newer versions outside the scope (after filters and ignored versions, one per version). */
  beyondScopeCount: number;
  /** The newest of them (what a version_available notification names), absent when there is none. */
  newestBeyondScope?: string;
}

/**
 * The newer versions of `currentTag` among `tags`, or undefined when the current tag is not a version (a mutable
 * tag such as `latest`: only its digest can move).
 */
export function findNewerVersions(options: NewerVersionsOptions): NewerVersions | undefined {
  const current = parseVersionTag(options.currentTag);
  if (current === undefined) return undefined;
  const include = options.includeTags === undefined ? undefined : compileTagRegex(options.includeTags);
  const exclude = options.excludeTags === undefined ? undefined : compileTagRegex(options.excludeTags);
  const ignored = ignoredMatcher(options.ignoredVersions ?? []);
  const shared = requiredSharedNumbers(options.scope, current.numbers.length);

  const inScope = new Map<string, VersionTag>();
  const beyond = new Set<string>();
  let newestBeyond: VersionTag | undefined;
  for (const tag of options.tags) {
    const candidate = parseVersionTag(tag);
    if (candidate === undefined) continue;
    // Only the same flavour compares: `-alpine` with `-alpine`, calendar with calendar.
    if (candidate.variant !== current.variant || candidate.calendar !== current.calendar) continue;
    // A stable tag is never offered a pre-release; a pre-release is offered newer pre-releases and releases.
    if (candidate.pre !== undefined && current.pre === undefined) continue;
    if (include !== undefined && !include.test(tag)) continue;
    if (exclude?.test(tag) === true) continue;
    if (insideSubtree(current, candidate)) continue;
    if (compareVersions(candidate, current) <= 0) continue;
    if (ignored(candidate)) continue;
    const key = versionKey(candidate);
    if (sharesLeadingNumbers(candidate, current, shared)) {
      inScope.set(key, preferredSpelling(inScope.get(key), candidate, current));
    } else {
      beyond.add(key);
      if (newestBeyond === undefined || compareVersions(candidate, newestBeyond) > 0) newestBeyond = candidate;
    }
  }
  const newerVersions = [...inScope.values()].sort((a, b) => compareVersions(b, a)).map((version) => version.tag);
  return { current, newerVersions, beyondScopeCount: beyond.size, ...(newestBeyond === undefined ? {} : { newestBeyondScope: newestBeyond.tag }) };
}

/** Of two tags of one version, the more specific one (`1.3.0` over `1.3`), then the one spelled like the current. */
function preferredSpelling(existing: VersionTag | undefined, candidate: VersionTag, current: VersionTag): VersionTag {
  if (existing === undefined) return candidate;
  if (existing.numbers.length !== candidate.numbers.length) {
    return existing.numbers.length > candidate.numbers.length ? existing : candidate;
  }
  const existingLikeCurrent = existing.prefixed === current.prefixed;
  const candidateLikeCurrent = candidate.prefixed === current.prefixed;
  if (existingLikeCurrent !== candidateLikeCurrent) return existingLikeCurrent ? existing : candidate;
  return existing.tag <= candidate.tag ? existing : candidate;
}

function ignoredMatcher(ignoredVersions: readonly string[]): (candidate: VersionTag) => boolean {
  const tags = new Set(ignoredVersions);
  const keys = new Set(
    ignoredVersions.map(parseVersionTag).flatMap((version) => (version === undefined ? [] : [versionKey(version)])),
  );
  return (candidate) => tags.has(candidate.tag) || keys.has(versionKey(candidate));
}
