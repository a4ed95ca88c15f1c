// status.effective: one precedence (spec > label > updatePolicy/NAME > settings > default) and its documented
// special cases, as table tests over the pure resolver.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveEffective, isLatestTag, type EffectiveInput } from '../../../controllers/inventory/effective.ts';
import type { UpdatePolicy, UpdatePolicySpec } from '../../../schemas/generated/types.ts';
import { validateResource } from '../../../schemas/validation.ts';

function policy(name: string, spec: UpdatePolicySpec, deleting = false): UpdatePolicy {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'UpdatePolicy',
    metadata: { name, ...(deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}) },
    spec,
  };
}

function input(overrides: Partial<EffectiveInput> = {}): EffectiveInput {
  return { spec: {}, labels: {}, containerName: 'web', hostName: 'local', image: 'nginx:1.27', policies: [], settings: undefined, ...overrides };
}

function resolved(overrides: Partial<EffectiveInput>, key: string): unknown {
  return (resolveEffective(input(overrides)).effective as Record<string, unknown>)[key];
}

describe('effective settings', () => {
  test('with nothing set, each field has its built-in default, and fields without a default are absent', () => {
    const { effective, invalidLabels } = resolveEffective(input());
    assert.deepEqual(invalidLabels, []);
    assert.deepEqual(effective.policy, { value: 'manual', source: 'default' });
    assert.deepEqual(effective.versionScope, { value: 'default', source: 'default' });
    assert.deepEqual(effective.gracePeriod, { value: '30s', source: 'default' });
    assert.deepEqual(effective.imageCleanup, { value: true, source: 'default' });
    assert.deepEqual(effective.verify, { value: 'disabled', source: 'default' });
    assert.deepEqual(effective.notifyMode, { value: 'default', source: 'default' });
    for (const absent of ['schedule', 'includeTags', 'excludeTags', 'notifySnooze', 'maintenanceWindow', 'dependsOn']) {
      assert.equal(Object.hasOwn(effective, absent), false, `${absent} is absent`);
    }
  });

  const precedence: { name: string; overrides: Partial<EffectiveInput>; expected: unknown }[] = [
    { name: 'spec beats everything', expected: { value: 'pinned', source: 'spec' }, overrides: {
      spec: { policy: 'pinned' }, labels: { 'sentinel.policy': 'auto' }, policies: [policy('all', { policy: 'auto' })], settings: { defaultPolicy: 'auto' } } },
    { name: 'the label beats UpdatePolicy and Settings', expected: { value: 'auto', source: 'label' }, overrides: {
      labels: { 'sentinel.policy': 'auto' }, policies: [policy('all', { policy: 'pinned' })], settings: { defaultPolicy: 'pinned' } } },
    { name: 'a label is read case-insensitively and reported as the schema spells it', expected: { value: 'auto', source: 'label' }, overrides: {
      labels: { 'sentinel.policy': ' AUTO ' } } },
    { name: 'a matching UpdatePolicy beats Settings', expected: { value: 'pinned', source: 'updatePolicy/all' }, overrides: {
      policies: [policy('all', { policy: 'pinned' })], settings: { defaultPolicy: 'auto' } } },
    { name: 'Settings beat the built-in default', expected: { value: 'auto', source: 'settings' }, overrides: { settings: { defaultPolicy: 'auto' } } },
    { name: 'an invalid label falls through to the next source', expected: { value: 'pinned', source: 'updatePolicy/all' }, overrides: {
      labels: { 'sentinel.policy': 'sometimes' }, policies: [policy('all', { policy: 'pinned' })] } },
    { name: 'the highest priority policy wins', expected: { value: 'auto', source: 'updatePolicy/zz-high' }, overrides: {
      policies: [policy('aa-low', { policy: 'pinned' }), policy('zz-high', { policy: 'auto', priority: 10 })] } },
    { name: 'equal priorities go to the alphabetically first name', expected: { value: 'pinned', source: 'updatePolicy/alpha' }, overrides: {
      policies: [policy('beta', { policy: 'auto', priority: 5 }), policy('alpha', { policy: 'pinned', priority: 5 })] } },
    { name: 'a policy being deleted is ignored', expected: { value: 'manual', source: 'default' }, overrides: {
      policies: [policy('gone', { policy: 'auto' }, true)] } },
    { name: 'a policy whose selector does not match is ignored', expected: { value: 'manual', source: 'default' }, overrides: {
      labels: { tier: 'db' }, policies: [policy('web-only', { policy: 'auto', selector: { matchLabels: { tier: 'web' } } })] } },
    { name: 'a selector with expressions matches on Docker labels', expected: { value: 'auto', source: 'updatePolicy/exprs' }, overrides: {
      labels: { tier: 'web', team: 'a' },
      policies: [policy('exprs', { policy: 'auto', selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }, { key: 'legacy', operator: 'DoesNotExist' }] } })] } },
    { name: 'containerNames globs must match the Docker name', expected: { value: 'auto', source: 'updatePolicy/globbed' }, overrides: {
      containerName: 'media_plex_1', policies: [policy('other', { policy: 'pinned', containerNames: ['db-*'] }), policy('globbed', { policy: 'auto', containerNames: ['media_*_[0-9]'] })] } },
    { name: 'a policy for other hosts is ignored', expected: { value: 'manual', source: 'default' }, overrides: {
      hostName: 'local', policies: [policy('nas-only', { policy: 'auto', hosts: ['nas'] })] } },
    { name: 'latestAutoUpdate makes a container on latest auto, as Settings', expected: { value: 'auto', source: 'settings' }, overrides: {
      image: 'nginx:latest', settings: { latestAutoUpdate: true, defaultPolicy: 'manual' } } },
    { name: 'latestAutoUpdate does not apply to a versioned tag', expected: { value: 'manual', source: 'settings' }, overrides: {
      image: 'nginx:1.27', settings: { latestAutoUpdate: true, defaultPolicy: 'manual' } } },
    { name: 'an UpdatePolicy beats latestAutoUpdate', expected: { value: 'pinned', source: 'updatePolicy/keep' }, overrides: {
      image: 'nginx', settings: { latestAutoUpdate: true }, policies: [policy('keep', { policy: 'pinned' })] } },
  ];
  for (const row of precedence) {
    test(`policy: ${row.name}`, () => {
      assert.deepEqual(resolved(row.overrides, 'policy'), row.expected);
    });
  }

  test('fields resolve independently: one policy can set the schedule and another the policy', () => {
    const { effective } = resolveEffective(input({
      labels: { 'sentinel.semver': 'minor' },
      policies: [policy('nightly', { schedule: '0 3 * * *', priority: 1 }), policy('auto', { policy: 'auto', versionScope: 'patch' })],
    }));
    assert.deepEqual(effective.schedule, { value: '0 3 * * *', source: 'updatePolicy/nightly' });
    assert.deepEqual(effective.policy, { value: 'auto', source: 'updatePolicy/auto' });
    assert.deepEqual(effective.versionScope, { value: 'minor', source: 'label' });
  });

  test('version scope falls back to the global strict/default mode of Settings', () => {
    assert.deepEqual(resolved({ settings: { versionScope: 'strict' } }, 'versionScope'), { value: 'strict', source: 'settings' });
    assert.deepEqual(resolved({ labels: { 'sentinel.semver': 'ALL' }, settings: { versionScope: 'strict' } }, 'versionScope'), { value: 'all', source: 'label' });
  });

  const labelValues: { label: string; key: string; value: string; expected: unknown }[] = [
    { label: 'sentinel.grace-period', key: 'gracePeriod', value: '90s', expected: { value: '90s', source: 'label' } },
    { label: 'sentinel.grace-period', key: 'gracePeriod', value: '2h', expected: { value: '30s', source: 'default' } },
    { label: 'sentinel.grace-period', key: 'gracePeriod', value: '1d', expected: { value: '30s', source: 'default' } },
    { label: 'sentinel.delay', key: 'updateDelay', value: '3d', expected: { value: '3d', source: 'label' } },
    { label: 'sentinel.delay', key: 'updateDelay', value: 'soon', expected: { value: '0s', source: 'default' } },
    { label: 'sentinel.pull-only', key: 'pullOnly', value: 'True', expected: { value: true, source: 'label' } },
    { label: 'sentinel.pull-only', key: 'pullOnly', value: '0', expected: { value: false, source: 'label' } },
    { label: 'sentinel.pull-only', key: 'pullOnly', value: 'yes', expected: { value: false, source: 'default' } },
    { label: 'sentinel.schedule', key: 'schedule', value: '*/15 * * * *', expected: { value: '*/15 * * * *', source: 'label' } },
    { label: 'sentinel.schedule', key: 'schedule', value: 'hourly', expected: undefined },
    { label: 'sentinel.include-tags', key: 'includeTags', value: '^1\\.2', expected: { value: '^1\\.2', source: 'label' } },
    { label: 'sentinel.include-tags', key: 'includeTags', value: '(?<=v)1', expected: undefined },
    { label: 'sentinel.verify', key: 'verify', value: 'Enforce', expected: { value: 'enforce', source: 'label' } },
    { label: 'sentinel.notify-snooze', key: 'notifySnooze', value: '12h', expected: { value: '12h', source: 'label' } },
    { label: 'sentinel.depends-on', key: 'dependsOn', value: 'db, cache,db', expected: { value: ['db', 'cache'], source: 'label' } },
    { label: 'sentinel.depends-on', key: 'dependsOn', value: ' , ', expected: undefined },
  ];
  for (const row of labelValues) {
    test(`label ${row.label}=${JSON.stringify(row.value)} gives ${JSON.stringify(row.expected)}`, () => {
      const result = resolveEffective(input({ labels: { [row.label]: row.value } }));
      assert.deepEqual((result.effective as Record<string, unknown>)[row.key], row.expected);
      const reported = result.invalidLabels.map((invalid) => invalid.label);
      const fellThrough = row.expected === undefined || (row.expected as { source: string }).source !== 'label';
      assert.deepEqual(reported, fellThrough ? [row.label] : []);
    });
  }

  test('an invalid label is reported with its value and what is wrong', () => {
    const { invalidLabels } = resolveEffective(input({ labels: { 'sentinel.policy': 'sometimes' } }));
    assert.deepEqual(invalidLabels, [{
      label: 'sentinel.policy',
      value: 'sometimes',
      problem: 'Unsupported value: "sometimes": supported values: "auto", "manual", "pinned"',
    }]);
  });

  test('dependsOn: spec, then sentinel.depends-on, then compose depends_on (reported as label); never from a policy', () => {
    assert.deepEqual(resolved({ spec: { dependsOn: ['x'] }, labels: { 'sentinel.depends-on': 'db' }, composeDependsOn: ['proj-db-1'] }, 'dependsOn'), { value: ['x'], source: 'spec' });
    assert.deepEqual(resolved({ labels: { 'sentinel.depends-on': 'db' }, composeDependsOn: ['proj-db-1'] }, 'dependsOn'), { value: ['db'], source: 'label' });
    assert.deepEqual(resolved({ composeDependsOn: ['proj-db-1'] }, 'dependsOn'), { value: ['proj-db-1'], source: 'label' });
  });

  test('the result is a valid status.effective', () => {
    const { effective } = resolveEffective(input({
      labels: { 'sentinel.policy': 'auto', 'sentinel.depends-on': 'db', 'sentinel.pull-only': 'true', 'sentinel.schedule': '0 4 * * *' },
      policies: [policy('p', { maintenanceWindow: '22:00-06:00', rollbackPolicy: 'manual' })],
      settings: { versionScope: 'strict', updateDelay: '1d' },
    }));
    const result = validateResource({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'web', namespace: 'local' }, status: { effective } }, { unknownFields: 'Strict' });
    assert.ok(result.ok, JSON.stringify(result.causes));
  });

  test('latest means tag latest or no tag, not a digest reference or a registry port', () => {
    assert.equal(isLatestTag('nginx'), true);
    assert.equal(isLatestTag('localhost:5000/team/app'), true);
    assert.equal(isLatestTag('ghcr.io/a/b:latest'), true);
    assert.equal(isLatestTag('localhost:5000/team/app:1.2'), false);
    assert.equal(isLatestTag('nginx@sha256:0123'), false);
  });
});
