import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EFFECTIVE_FIELDS } from '../../../schemas/effective.ts';
import {
  findKind, findKindByAnyName, findKindByName, findKindByPlural, resourceKinds, vigilKinds, type ResourceKind,
} from '../../../schemas/index.ts';
import { isJsonObject } from '../../../schemas/json.ts';

function kind(name: string): ResourceKind {
  const found = findKindByName(name);
  assert.ok(found !== undefined, `kind ${name} is registered`);
  return found;
}

function specProperties(name: string, definition: string): string[] {
  const defs = kind(name).schema.$defs;
  const spec = isJsonObject(defs) ? defs[definition] : undefined;
  assert.ok(isJsonObject(spec) && isJsonObject(spec.properties));
  return Object.keys(spec.properties);
}

describe('the kind registry', () => {
  it('registers the fourteen kinds', () => {
    assert.deepEqual(resourceKinds.map((k) => k.kind), [
      'Host', 'Container', 'UpdatePolicy', 'Hook', 'Registry', 'NotificationChannel', 'Settings', 'Secret', 'Snapshot', 'UpdateRecord', 'ManifestSource', 'SwarmService', 'NotificationDelivery', 'PortainerInstance',
    ]);
  });

  for (const k of resourceKinds) {
    it(`gives ${k.kind} a plural, a singular and printer columns ending in Age or a time`, () => {
      assert.match(k.plural, /^[a-z]+$/);
      assert.match(k.singular, /^[a-z]+$/);
      assert.ok(k.printerColumns.length >= 2);
      assert.equal(k.printerColumns.at(-1)?.type, 'date');
      for (const column of k.printerColumns) assert.match(column.jsonPath, /^\./);
    });
  }

  it('puts every vigil.dev kind in the vigil category and only Container in all', () => {
    for (const k of vigilKinds) assert.ok(k.categories.includes('vigil'), k.kind);
    assert.deepEqual(resourceKinds.filter((k) => k.categories.includes('all')).map((k) => k.kind), ['Container']);
  });

  it('keeps plurals, singulars and short names unique', () => {
    const names = resourceKinds.flatMap((k) => [k.plural, ...k.shortNames]);
    assert.equal(new Set(names).size, names.length);
  });

  it('knows which kinds are namespaced and which have status', () => {
    assert.deepEqual(resourceKinds.filter((k) => k.namespaced).map((k) => k.kind), ['Container', 'Secret', 'Snapshot', 'UpdateRecord']);
    assert.deepEqual(resourceKinds.filter((k) => !k.hasStatus).map((k) => k.kind), ['Secret', 'Snapshot', 'UpdateRecord']);
    assert.equal(kind('Secret').apiVersion, 'v1');
    assert.equal(kind('Settings').singletonName, 'default');
    assert.equal(kind('Host').nameFormat, 'dns1123Label');
    assert.deepEqual(kind('Snapshot').immutableFields, ['spec']);
  });

  it('finds kinds by apiVersion and kind, by plural and by any kubectl name', () => {
    assert.equal(findKind('vigil.dev/v1alpha1', 'Container'), kind('Container'));
    assert.equal(findKind('v1', 'Container'), undefined);
    assert.equal(findKindByPlural('updatepolicies', 'vigil.dev'), kind('UpdatePolicy'));
    assert.equal(findKindByPlural('secrets', 'vigil.dev'), undefined);
    assert.equal(findKindByPlural('secrets', ''), kind('Secret'));
    assert.equal(findKindByAnyName('ctr'), kind('Container'));
    assert.equal(findKindByAnyName('history'), kind('UpdateRecord'));
    assert.equal(findKindByAnyName('NotificationChannel'), kind('NotificationChannel'));
  });
});

describe('the per-container settings', () => {
  it('are the same keys in Container spec, UpdatePolicy spec and status.effective', () => {
    const keys = EFFECTIVE_FIELDS.map((field) => field.key);
    const effective = specProperties('Container', 'EffectiveSettings');
    assert.deepEqual([...effective].sort(), [...keys].sort());
    const containerSpec = specProperties('Container', 'ContainerSpec');
    for (const key of keys) assert.ok(containerSpec.includes(key), `Container spec has ${key}`);
    const policySpec = specProperties('UpdatePolicy', 'UpdatePolicySpec');
    for (const field of EFFECTIVE_FIELDS) {
      assert.equal(policySpec.includes(field.key), field.perContainerOnly !== true, `UpdatePolicy spec ${field.key}`);
    }
  });

  it('take their built-in defaults from the Settings schema', () => {
    const byKey = new Map(EFFECTIVE_FIELDS.map((field) => [field.key, field]));
    assert.equal(byKey.get('policy')?.builtInDefault, 'manual');
    assert.equal(byKey.get('gracePeriod')?.builtInDefault, '30s');
    assert.equal(byKey.get('imageCleanup')?.builtInDefault, true);
    assert.equal(byKey.get('maintenanceWindow')?.builtInDefault, undefined);
    const settingsSpec = specProperties('Settings', 'SettingsSpec');
    for (const field of EFFECTIVE_FIELDS) {
      if (field.settingsField !== undefined) assert.ok(settingsSpec.includes(field.settingsField), field.settingsField);
    }
  });
});
