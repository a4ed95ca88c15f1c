// Table tests of the version rules (shared/reference/docker-sentinel-behaviour.md, "Version scope"): each row names
// the rule it proves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareVersions, findNewerVersions, parseVersionTag, type VersionScope } from '../../../controllers/registry/versions.ts';

interface ParseRow {
  rule: string;
  tag: string;
  expected: { numbers: number[]; prefixed?: boolean; pre?: { label: string; number?: number }; variant?: string; calendar?: boolean } | undefined;
}

const parseRows: ParseRow[] = [
  { rule: 'three numeric parts', tag: '1.2.3', expected: { numbers: [1, 2, 3] } },
  { rule: 'two numeric parts', tag: '1.25', expected: { numbers: [1, 25] } },
  { rule: 'one numeric part', tag: '7', expected: { numbers: [7] } },
  { rule: 'optional lower-case v prefix', tag: 'v2.0.1', expected: { numbers: [2, 0, 1], prefixed: true } },
  { rule: 'optional upper-case V prefix', tag: 'V3', expected: { numbers: [3], prefixed: true } },
  { rule: 'four parts are not a version', tag: '1.2.3.4', expected: undefined },
  { rule: 'a mutable name is not a version', tag: 'latest', expected: undefined },
  { rule: 'a word with a suffix is not a version', tag: 'stable-alpine', expected: undefined },
  { rule: 'a bare v is not a version', tag: 'v', expected: undefined },
  { rule: 'an empty part is not a version', tag: '1..2', expected: undefined },
  { rule: 'a commit-like tag is not a version', tag: 'sha-1a2b3c', expected: undefined },
  { rule: 'pre-release rc with number', tag: '1.2.3-rc1', expected: { numbers: [1, 2, 3], pre: { label: 'rc', number: 1 } } },
  { rule: 'pre-release beta with dot number', tag: '1.2.3-beta.2', expected: { numbers: [1, 2, 3], pre: { label: 'beta', number: 2 } } },
  { rule: 'pre-release alpha without number', tag: '2.0-alpha', expected: { numbers: [2, 0], pre: { label: 'alpha' } } },
  { rule: 'pre-release labels are case-insensitive', tag: '1.0.0-RC2', expected: { numbers: [1, 0, 0], pre: { label: 'rc', number: 2 } } },
  { rule: 'pre-release milestone m', tag: '5.0.0-m3', expected: { numbers: [5, 0, 0], pre: { label: 'm', number: 3 } } },
  { rule: 'pre-release early access ea', tag: '21-ea', expected: { numbers: [21], pre: { label: 'ea' } } },
  { rule: 'pre-release nightly', tag: '1.0-nightly', expected: { numbers: [1, 0], pre: { label: 'nightly' } } },
  { rule: 'pre-release snapshot', tag: '1.0-snapshot', expected: { numbers: [1, 0], pre: { label: 'snapshot' } } },
  { rule: 'pre-release canary, next, preview, dev, pre, milestone', tag: '1.0-milestone2', expected: { numbers: [1, 0], pre: { label: 'milestone', number: 2 } } },
  { rule: 'any other suffix is a variant', tag: '3.19-alpine', expected: { numbers: [3, 19], variant: 'alpine' } },
  { rule: 'a variant keeps everything after the first dash', tag: '1.25.3-bookworm-slim', expected: { numbers: [1, 25, 3], variant: 'bookworm-slim' } },
  { rule: 'an rc followed by a variant is a variant', tag: '1.0.0-rc1-alpine', expected: { numbers: [1, 0, 0], variant: 'rc1-alpine' } },
  { rule: 'a word that starts like a label is a variant', tag: '1.0-preview-build', expected: { numbers: [1, 0], variant: 'preview-build' } },
  { rule: 'major ≥ 1900 is a calendar version', tag: '2026.04.1', expected: { numbers: [2026, 4, 1], calendar: true } },
  { rule: 'major 1899 is semver', tag: '1899.1', expected: { numbers: [1899, 1] } },
];

describe('parseVersionTag', () => {
  for (const row of parseRows) {
    it(`${row.rule}: ${JSON.stringify(row.tag)}`, () => {
      const parsed = parseVersionTag(row.tag);
      if (row.expected === undefined) {
        assert.equal(parsed, undefined);
        return;
      }
      assert.ok(parsed !== undefined, `${row.tag} must parse`);
      assert.deepEqual(parsed.numbers, row.expected.numbers);
      assert.equal(parsed.prefixed, row.expected.prefixed ?? false);
      assert.deepEqual(parsed.pre, row.expected.pre);
      assert.equal(parsed.variant, row.expected.variant);
      assert.equal(parsed.calendar, row.expected.calendar ?? false);
    });
  }
});

describe('compareVersions', () => {
  const rows: Array<[rule: string, a: string, b: string, sign: -1 | 0 | 1]> = [
    ['missing parts count as zero', '1.2', '1.2.0', 0],
    ['the v prefix does not matter', 'v1.2.3', '1.2.3', 0],
    ['numeric, not lexical', '1.10.0', '1.9.0', 1],
    ['a pre-release precedes its release', '1.2.3-rc1', '1.2.3', -1],
    ['pre-release numbers compare numerically', '1.2.3-rc10', '1.2.3-rc9', 1],
    ['a pre-release follows the previous release', '1.3.0-alpha', '1.2.9', 1],
  ];
  for (const [rule, a, b, sign] of rows) {
    it(`${rule}: ${a} vs ${b}`, () => {
      const left = parseVersionTag(a);
      const right = parseVersionTag(b);
      assert.ok(left !== undefined && right !== undefined);
      assert.equal(Math.sign(compareVersions(left, right)), sign);
    });
  }
});

interface ScopeRow {
  rule: string;
  current: string;
  tags: string[];
  scope: VersionScope;
  include?: string;
  exclude?: string;
  ignored?: string[];
  newer: string[];
  beyond: number;
}

const SEMVER_TAGS = ['1.13.2', '1.13.3', '1.13.4', '1.13.5', '1.14.0', '1.15.0', '2.0.0', '1.12.0', 'latest', 'stable'];

const scopeRows: ScopeRow[] = [
  // Per-container label scopes.
  { rule: 'patch = same major.minor', current: '1.13.3', tags: SEMVER_TAGS, scope: 'patch', newer: ['1.13.5', '1.13.4'], beyond: 3 },
  { rule: 'minor = same major', current: '1.13.3', tags: SEMVER_TAGS, scope: 'minor', newer: ['1.15.0', '1.14.0', '1.13.5', '1.13.4'], beyond: 1 },
  { rule: 'major = any', current: '1.13.3', tags: SEMVER_TAGS, scope: 'major', newer: ['2.0.0', '1.15.0', '1.14.0', '1.13.5', '1.13.4'], beyond: 0 },
  { rule: 'all = major', current: '1.13.3', tags: SEMVER_TAGS, scope: 'all', newer: ['2.0.0', '1.15.0', '1.14.0', '1.13.5', '1.13.4'], beyond: 0 },
  { rule: 'older and equal versions are never newer', current: '1.15.0', tags: SEMVER_TAGS, scope: 'major', newer: ['2.0.0'], beyond: 0 },
  { rule: 'nothing newer gives an empty list', current: '2.0.0', tags: SEMVER_TAGS, scope: 'major', newer: [], beyond: 0 },
  // Global strict mode.
  { rule: 'strict: a 3-part tag gets nothing', current: '1.13.3', tags: SEMVER_TAGS, scope: 'strict', newer: [], beyond: 5 },
  { rule: 'strict: a 2-part tag same major.minor (all of it inside its own subtree)', current: '1.13', tags: ['1.13.9', '1.14', '2.0'], scope: 'strict', newer: [], beyond: 2 },
  { rule: 'strict: a 1-part tag same major (all of it inside its own subtree)', current: '1', tags: ['1.9', '2', '3.1'], scope: 'strict', newer: [], beyond: 2 },
  // Global default (relaxed) mode.
  { rule: 'default: a 3-part tag same major.minor', current: '1.13.3', tags: SEMVER_TAGS, scope: 'default', newer: ['1.13.5', '1.13.4'], beyond: 3 },
  { rule: 'default: a 2-part tag same major', current: '1.13', tags: ['1.13.9', '1.14', '1.15.2', '2.0'], scope: 'default', newer: ['1.15.2', '1.14'], beyond: 1 },
  { rule: 'default: a 1-part tag any', current: '1', tags: ['1.9', '2', '3.1'], scope: 'default', newer: ['3.1', '2'], beyond: 0 },
  // A less specific tag ignores its own subtree.
  { rule: 'subtree: 1 ignores 1.x.y', current: '1', tags: ['1.0.1', '1.5', '1.9.9', '2.0.0'], scope: 'major', newer: ['2.0.0'], beyond: 0 },
  { rule: 'subtree: 1.2 ignores 1.2.x but not 1.3', current: '1.2', tags: ['1.2.5', '1.3'], scope: 'major', newer: ['1.3'], beyond: 0 },
  { rule: 'subtree: calendar 2026.4 ignores 2026.4.x', current: '2026.4', tags: ['2026.4.1', '2026.4.2', '2026.5', '2026.5.1'], scope: 'major', newer: ['2026.5.1', '2026.5'], beyond: 0 },
  { rule: 'subtree: 1.2 is not inside 1.20', current: '1.2', tags: ['1.20.1'], scope: 'minor', newer: ['1.20.1'], beyond: 0 },
  // Schemes and variants.
  { rule: 'calendar versions never compare with semver', current: '3.21', tags: ['3.22', '2021.12.14', '2022.01.05'], scope: 'major', newer: ['3.22'], beyond: 0 },
  { rule: 'calendar compares with calendar', current: '2021.12.14', tags: ['2021.11.27', '2022.01.05', '3.22'], scope: 'major', newer: ['2022.01.05'], beyond: 0 },
  { rule: 'variant: only the same variant compares', current: '3.19-alpine', tags: ['3.20', '3.20-alpine', '3.20-bookworm', '3.21-alpine'], scope: 'major', newer: ['3.21-alpine', '3.20-alpine'], beyond: 0 },
  { rule: 'variant: a plain tag never moves to a variant', current: '1.25.3', tags: ['1.25.4-alpine', '1.25.4'], scope: 'patch', newer: ['1.25.4'], beyond: 0 },
  { rule: 'variant: multi-word variants compare whole', current: '1.25-bookworm-slim', tags: ['1.26-bookworm', '1.26-bookworm-slim'], scope: 'major', newer: ['1.26-bookworm-slim'], beyond: 0 },
  // Pre-releases.
  { rule: 'pre-release: a stable tag is never offered a pre-release', current: '1.2.3', tags: ['1.2.4-rc1', '1.3.0-beta', '1.2.4'], scope: 'minor', newer: ['1.2.4'], beyond: 0 },
  { rule: 'pre-release: a pre-release is offered newer pre-releases and the release', current: '2.0.0-rc1', tags: ['2.0.0-rc2', '2.0.0', '2.0.0-beta1', '2.0.1'], scope: 'patch', newer: ['2.0.1', '2.0.0', '2.0.0-rc2'], beyond: 0 },
  { rule: 'pre-release: strict 3-part pre-release still gets nothing', current: '2.0.0-rc1', tags: ['2.0.0'], scope: 'strict', newer: [], beyond: 1 },
  // The v prefix.
  { rule: 'v prefix: candidates compare whatever their prefix', current: 'v1.2.0', tags: ['1.2.1', 'v1.2.2'], scope: 'patch', newer: ['v1.2.2', '1.2.1'], beyond: 0 },
  // Collapse and order.
  { rule: 'collapse: X.Y and X.Y.0 are one version, the more specific spelling kept', current: '1.0.0', tags: ['1.1', '1.1.0', '1.2.0', '1.2'], scope: 'minor', newer: ['1.2.0', '1.1.0'], beyond: 0 },
  { rule: 'collapse: the spelling like the current wins between equals', current: 'v1.0.0', tags: ['1.1.0', 'v1.1.0'], scope: 'minor', newer: ['v1.1.0'], beyond: 0 },
  { rule: 'collapse: beyond-scope versions count once', current: '1.0.0', tags: ['2.0', '2.0.0', 'v2.0.0'], scope: 'minor', newer: [], beyond: 1 },
  { rule: 'order: newest first, numerically', current: '1.0.0', tags: ['1.9.0', '1.10.0', '1.2.0', '1.11.1'], scope: 'minor', newer: ['1.11.1', '1.10.0', '1.9.0', '1.2.0'], beyond: 0 },
  { rule: 'order: non-version tags are ignored', current: '1.0', tags: ['latest', 'main', 'edge', '1.1', 'sha-abc'], scope: 'minor', newer: ['1.1'], beyond: 0 },
  // Filters.
  { rule: 'include: only matching tags are candidates', current: '1.0.0', tags: ['1.1.0', '1.2.0', '2.0.0'], scope: 'major', include: '^1\\.', newer: ['1.2.0', '1.1.0'], beyond: 0 },
  { rule: 'exclude: matching tags are never candidates', current: '1.0.0', tags: ['1.1.0', '1.2.0', '2.0.0'], scope: 'major', exclude: '^2\\.', newer: ['1.2.0', '1.1.0'], beyond: 0 },
  { rule: 'include and exclude together', current: '1.0.0', tags: ['1.1.0', '1.2.0', '1.3.0'], scope: 'major', include: '^1\\.', exclude: '^1\\.2', newer: ['1.3.0', '1.1.0'], beyond: 0 },
  { rule: 'filters: excluded versions are not counted beyond scope', current: '1.0.0', tags: ['1.1.0', '2.0.0', '3.0.0'], scope: 'minor', exclude: '^3', newer: ['1.1.0'], beyond: 1 },
  { rule: 'filters: RE2 case-insensitive flag', current: 'v1.0', tags: ['v1.1', 'V1.2'], scope: 'major', include: '(?i)^v', newer: ['V1.2', 'v1.1'], beyond: 0 },
  { rule: 'filters: case-sensitive without the flag', current: 'v1.0', tags: ['v1.1', 'V1.2'], scope: 'major', include: '^v', newer: ['v1.1'], beyond: 0 },
  // Ignored versions.
  { rule: 'ignored: an ignored tag is removed', current: '1.0.0', tags: ['1.1.0', '1.2.0'], scope: 'minor', ignored: ['1.2.0'], newer: ['1.1.0'], beyond: 0 },
  { rule: 'ignored: any spelling of the ignored version is removed', current: '1.0.0', tags: ['1.1', 'v1.1.0', '1.2.0'], scope: 'minor', ignored: ['1.1.0'], newer: ['1.2.0'], beyond: 0 },
  { rule: 'ignored: ignored versions are not counted beyond scope', current: '1.0.0', tags: ['2.0.0', '3.0.0'], scope: 'minor', ignored: ['3.0.0'], newer: [], beyond: 1 },
  { rule: 'ignored: an ignored plain version does not hide its variant', current: '1.0-alpine', tags: ['1.1-alpine'], scope: 'minor', ignored: ['1.1'], newer: ['1.1-alpine'], beyond: 0 },
];

describe('findNewerVersions', () => {
  for (const row of scopeRows) {
    it(`${row.rule}`, () => {
      const result = findNewerVersions({
        currentTag: row.current,
        tags: row.tags,
        scope: row.scope,
        ...(row.include === undefined ? {} : { includeTags: row.include }),
        ...(row.exclude === undefined ? {} : { excludeTags: row.exclude }),
        ...(row.ignored === undefined ? {} : { ignoredVersions: row.ignored }),
      });
      assert.ok(result !== undefined, `${row.current} is a version`);
      assert.deepEqual(result.newerVersions, row.newer);
      assert.equal(result.beyondScopeCount, row.beyond);
    });
  }

  it('returns undefined for a mutable tag, whose digest is all that can move', () => {
    assert.equal(findNewerVersions({ currentTag: 'latest', tags: ['1.0.0', '2.0.0'], scope: 'major' }), undefined);
  });

  it('refuses an invalid include pattern with the reason', () => {
    assert.throws(() => findNewerVersions({ currentTag: '1.0', tags: [], scope: 'major', includeTags: '(?=x)' }), /look-around/);
  });
});
