import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { customResourceDefinition } from '../../../schemas/crd.ts';
import { findKindByName, vigilKinds } from '../../../schemas/index.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../../schemas/json.ts';
import { toStructuralSchema } from '../../../schemas/openapi.ts';

const root = join(import.meta.dirname, '..', '..', '..');

/** The JSONSchemaProps fields apiextensions.k8s.io/v1 accepts in a CRD (minus the ones structural schemas forbid). */
const ALLOWED = new Set([
  'description', 'type', 'format', 'title', 'default', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'multipleOf', 'enum', 'maxProperties', 'minProperties',
  'required', 'items', 'properties', 'additionalProperties', 'nullable', 'example', 'externalDocs',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys', 'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-validations',
]);

/** Problems that would make kube-apiserver reject the schema as non-structural. */
function structuralProblems(node: JsonValue, path: string): string[] {
  if (!isJsonObject(node)) return [`${path}: not an object`];
  const problems: string[] = [];
  for (const key of Object.keys(node)) if (!ALLOWED.has(key)) problems.push(`${path}: keyword ${key} is not allowed`);
  if (node.type === undefined && node['x-kubernetes-preserve-unknown-fields'] !== true) problems.push(`${path}: no type`);
  if (node.properties !== undefined && node.additionalProperties !== undefined) problems.push(`${path}: properties with additionalProperties`);
  if (typeof node.additionalProperties === 'boolean') problems.push(`${path}: boolean additionalProperties`);
  if (isJsonObject(node.properties)) {
    for (const [name, child] of Object.entries(node.properties)) problems.push(...structuralProblems(child, `${path}.${name}`));
  }
  if (isJsonObject(node.additionalProperties)) problems.push(...structuralProblems(node.additionalProperties, `${path}[*]`));
  if (node.items !== undefined) {
    problems.push(...structuralProblems(node.items, `${path}[]`));
    if (node['x-kubernetes-list-type'] === 'map') {
      const keys = node['x-kubernetes-list-map-keys'];
      const required = isJsonObject(node.items) && Array.isArray(node.items.required) ? node.items.required : [];
      if (!Array.isArray(keys) || !keys.every((key) => required.includes(key))) problems.push(`${path}: map-list keys must be required`);
    }
  }
  return problems;
}

describe('generated files', () => {
  it('are up to date (generate --check passes)', () => {
    const result = spawnSync(process.execPath, ['schemas/tools/generate.ts', '--check'], { cwd: root, encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  for (const kind of vigilKinds) {
    it(`gives ${kind.kind} a CRD with a structural schema, status subresource and printer columns`, () => {
      const crd: unknown = parse(readFileSync(join(root, 'manifests', 'crds', `${kind.plural}.vigil.dev.yaml`), 'utf8'));
      assert.deepEqual(crd, customResourceDefinition(kind));
      assert.ok(isJsonObject(crd) && isJsonObject(crd.spec) && Array.isArray(crd.spec.versions));
      const [version] = crd.spec.versions;
      assert.ok(isJsonObject(version) && isJsonObject(version.schema));
      const schema = version.schema.openAPIV3Schema;
      assert.deepEqual(structuralProblems(schema ?? null, kind.kind), []);
      assert.ok(isJsonObject(schema) && isJsonObject(schema.properties));
      assert.deepEqual(schema.properties.metadata, { type: 'object' });
      assert.equal(version.subresources !== undefined, kind.hasStatus);
      assert.ok(Array.isArray(version.additionalPrinterColumns) && version.additionalPrinterColumns.length === kind.printerColumns.length);
      assert.deepEqual(crd.spec.names, {
        kind: kind.kind, listKind: `${kind.kind}List`, plural: kind.plural, singular: kind.singular,
        ...(kind.shortNames.length > 0 ? { shortNames: kind.shortNames } : {}), categories: kind.categories,
      });
    });
  }

  it('does not generate a CRD for the core Secret', () => {
    const secret = findKindByName('Secret');
    assert.ok(secret !== undefined);
    assert.throws(() => customResourceDefinition(secret), /core kind/);
  });
});

describe('toStructuralSchema', () => {
  function at(schema: JsonObject, ...path: string[]): JsonObject {
    let node: JsonValue | undefined = schema;
    for (const key of path) node = isJsonObject(node) && isJsonObject(node.properties) ? node.properties[key] : undefined;
    assert.ok(isJsonObject(node), `no schema at ${path.join('.')}`);
    return node;
  }

  it('inlines $refs and keeps the more specific description of the referring field', () => {
    const schema = toStructuralSchema('Container');
    assert.deepEqual(at(schema, 'spec', 'policy'), {
      description: 'Overrides label sentinel.policy.', type: 'string', enum: ['auto', 'manual', 'pinned'],
    });
  });

  it('marks open objects as preserving unknown fields and drops additionalProperties: false', () => {
    const schema = toStructuralSchema('Snapshot');
    assert.equal(at(schema, 'spec', 'inspect')['x-kubernetes-preserve-unknown-fields'], true);
    assert.equal(at(schema, 'spec').additionalProperties, undefined);
  });

  it('expresses immutability, unions and singletons as CEL rules', () => {
    assert.deepEqual(at(toStructuralSchema('UpdateRecord'), 'spec')['x-kubernetes-validations'], [{ rule: 'self == oldSelf', message: 'field is immutable' }]);
    const rules = at(toStructuralSchema('NotificationChannel'), 'spec')['x-kubernetes-validations'];
    assert.ok(Array.isArray(rules) && rules.length === 10);
    assert.deepEqual(toStructuralSchema('Settings')['x-kubernetes-validations'], [
      { rule: "self.metadata.name == 'default'", message: 'Settings is a singleton: its name must be default' },
    ]);
  });

  it('can include the full ObjectMeta and defaults for OpenAPI documents', () => {
    const schema = toStructuralSchema('Settings', { metadata: 'full', defaults: true });
    assert.equal(at(schema, 'metadata', 'labels').type, 'object');
    assert.equal(at(schema, 'spec', 'pollInterval').default, '6h');
    assert.equal(at(toStructuralSchema('Settings'), 'spec', 'pollInterval').default, undefined);
  });
});
