import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateResource, type ValidationCause } from '../../../schemas/validation.ts';
import { changed } from './fixtures.ts';

function causes(object: unknown): ValidationCause[] {
  return validateResource(object, { unknownFields: 'Strict' }).causes;
}

describe('metadata validation', () => {
  it('rejects a name that is not a DNS-1123 subdomain with the Kubernetes message', () => {
    assert.deepEqual(causes(changed('Container', 'metadata.name', 'My_App')), [{
      field: 'metadata.name',
      reason: 'FieldValueInvalid',
      message: "Invalid value: \"My_App\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
        "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    }]);
  });

  it('rejects a name longer than 253 characters', () => {
    const long = `${'a'.repeat(250)}.bcd`;
    assert.deepEqual(causes(changed('UpdatePolicy', 'metadata.name', long)).map((cause) => cause.message),
      [`Invalid value: "${long}": must be no more than 253 characters`]);
  });

  it('requires Host names to be DNS-1123 labels, since they become namespaces', () => {
    const [cause] = causes(changed('Host', 'metadata.name', 'nas.home'));
    assert.equal(cause?.field, 'metadata.name');
    assert.match(cause?.message ?? '', /a lowercase RFC 1123 label must consist of/);
  });

  it('requires a name or generateName', () => {
    assert.deepEqual(causes(changed('UpdateRecord', 'metadata.name', undefined)), [
      { field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' },
    ]);
    const generated = changed('UpdateRecord', 'metadata.name', undefined);
    (generated.metadata as Record<string, unknown>).generateName = 'my-app-';
    assert.deepEqual(causes(generated), []);
  });

  it('allows Settings only under the name default', () => {
    assert.deepEqual(causes(changed('Settings', 'metadata.name', 'mine')), [{
      field: 'metadata.name',
      reason: 'FieldValueNotSupported',
      message: 'Unsupported value: "mine": supported values: "default" (Settings is a singleton)',
    }]);
  });

  it('requires a namespace for namespaced kinds and forbids one for cluster-scoped kinds', () => {
    assert.deepEqual(causes(changed('Container', 'metadata.namespace', undefined)), [
      { field: 'metadata.namespace', reason: 'FieldValueRequired', message: 'Required value' },
    ]);
    assert.deepEqual(causes(changed('Hook', 'metadata.namespace', 'local')), [
      { field: 'metadata.namespace', reason: 'FieldValueForbidden', message: 'Forbidden: not allowed on this type' },
    ]);
  });

  it('rejects a namespace that is not a DNS-1123 label', () => {
    const [cause] = causes(changed('Snapshot', 'metadata.namespace', 'Local_Host'));
    assert.equal(cause?.field, 'metadata.namespace');
    assert.match(cause?.message ?? '', /^Invalid value: "Local_Host": a lowercase RFC 1123 label/);
  });

  it('rejects a label value with forbidden characters or over 63 characters', () => {
    assert.deepEqual(causes(changed('Host', 'metadata.labels', { site: 'my home' })), [{
      field: 'metadata.labels',
      reason: 'FieldValueInvalid',
      message: "Invalid value: \"my home\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', " +
        "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation " +
        "is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    }]);
    const long = 'a'.repeat(64);
    assert.deepEqual(causes(changed('Host', 'metadata.labels', { site: long })).map((cause) => cause.message),
      [`Invalid value: "${long}": must be no more than 63 characters`]);
  });

  it('accepts prefixed label keys and empty label values', () => {
    assert.deepEqual(causes(changed('Host', 'metadata.labels', { 'app.kubernetes.io/name': '', 'vigil.dev/tier': 'A-1_b.c' })), []);
  });

  it('rejects bad label keys', () => {
    const found = causes(changed('Host', 'metadata.labels', { '-bad': 'x', 'a/b/c': 'x', 'Bad_Prefix/x': 'y', 'x/': 'z' }));
    assert.deepEqual(found.map((cause) => cause.message.replace(/\(e\.g\..*$/, '').trim()), [
      "Invalid value: \"-bad\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      "Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      "Invalid value: \"Bad_Prefix/x\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
      'Invalid value: "x/": name part must be non-empty',
    ]);
    assert.ok(found.every((cause) => cause.field === 'metadata.labels'));
  });

  it('limits annotations to 256 KiB in total', () => {
    const big = { 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(256 * 1024) };
    assert.deepEqual(causes(changed('Host', 'metadata.annotations', big)), [
      { field: 'metadata.annotations', reason: 'FieldValueTooLong', message: 'Too long: must have at most 262144 bytes' },
    ]);
    assert.deepEqual(causes(changed('Host', 'metadata.annotations', { note: 'x'.repeat(1000) })), []);
  });
});
