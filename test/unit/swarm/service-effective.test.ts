// A SwarmService's effective settings follow the Containers' precedence: spec > sentinel.* label on the service >
// matching UpdatePolicy (selector over the service's labels, containerNames over its name, hosts over the manager
// Host) > Settings > default.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Settings, UpdatePolicy } from '../../../schemas/generated/types.ts';
import { serviceEffective } from '../../../controllers/swarm/service-effective.ts';

function policy(name: string, spec: UpdatePolicy['spec']): UpdatePolicy {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'UpdatePolicy', metadata: { name }, spec };
}

const settings: Settings = { apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { defaultPolicy: 'manual', updateDelay: '1h' } };
const base = { name: 'web', image: 'r/web:1.0', hostName: 'manager-1', settings };

describe('serviceEffective', () => {
  test('an UpdatePolicy selects a service by its labels, its name and its manager Host', () => {
    const policies = [
      policy('frontends', { selector: { matchLabels: { tier: 'front' } }, containerNames: ['we*'], hosts: ['manager-1'], policy: 'auto', versionScope: 'minor' }),
      policy('elsewhere', { hosts: ['manager-2'], policy: 'pinned', priority: 10 }),
    ];
    const { effective } = serviceEffective({ ...base, spec: undefined, labels: { tier: 'front' }, policies });
    assert.deepEqual(effective.policy, { value: 'auto', source: 'updatePolicy/frontends' });
    assert.deepEqual(effective.versionScope, { value: 'minor', source: 'updatePolicy/frontends' });
    assert.deepEqual(effective.updateDelay, { value: '1h', source: 'settings' });
    const other = serviceEffective({ ...base, spec: undefined, labels: { tier: 'back' }, policies });
    assert.deepEqual(other.effective.policy, { value: 'manual', source: 'settings' });
  });

  test('a sentinel.* label on the service beats a policy, the spec beats the label; a bad label is reported', () => {
    const policies = [policy('all', { policy: 'auto' })];
    assert.deepEqual(serviceEffective({ ...base, spec: undefined, labels: { 'sentinel.policy': 'pinned' }, policies }).effective.policy, { value: 'pinned', source: 'label' });
    assert.deepEqual(serviceEffective({ ...base, spec: { policy: 'manual', excludeTags: '^rc' }, labels: { 'sentinel.policy': 'pinned' }, policies }).effective.policy, { value: 'manual', source: 'spec' });
    const bad = serviceEffective({ ...base, spec: undefined, labels: { 'sentinel.semver': 'sideways' }, policies: [] });
    assert.equal(bad.invalidLabels[0]?.label, 'sentinel.semver');
  });

  test('spec.notifyMode and spec.notifySnooze of a service beat a policy, as a Container spec\'s do', () => {
    const policies = [policy('all', { notifyMode: 'every_scan' })];
    assert.deepEqual(serviceEffective({ ...base, spec: undefined, labels: {}, policies }).effective.notifyMode, { value: 'every_scan', source: 'updatePolicy/all' });
    const own = serviceEffective({ ...base, spec: { notifyMode: 'muted', notifySnooze: '2d' }, labels: {}, policies });
    assert.deepEqual(own.effective.notifyMode, { value: 'muted', source: 'spec' });
    assert.deepEqual(own.effective.notifySnooze, { value: '2d', source: 'spec' });
  });
});
