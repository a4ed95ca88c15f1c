import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { causeText, describeCauses, validateResource, validateUpdate, type ValidationCause } from '../../../schemas/validation.ts';
import { findKindByName } from '../../../schemas/index.ts';
import { changed, copyOf, fixtures, type FixtureKind } from './fixtures.ts';

/** The single cause of an invalid object (fails when there are none or several). */
function onlyCause(object: unknown): ValidationCause {
  const result = validateResource(object, { unknownFields: 'Strict' });
  assert.equal(result.ok, false, 'expected the object to be invalid');
  assert.equal(result.causes.length, 1, `expected one cause, got ${JSON.stringify(result.causes, null, 2)}`);
  const [cause] = result.causes;
  assert.ok(cause !== undefined);
  return cause;
}

describe('validateResource on valid objects', () => {
  for (const kind of Object.keys(fixtures) as FixtureKind[]) {
    it(`accepts the complete example ${kind}`, () => {
      const result = validateResource(fixtures[kind], { unknownFields: 'Strict' });
      assert.deepEqual(result.causes, []);
      assert.equal(result.ok, true);
      assert.deepEqual(result.warnings, []);
    });
  }

  it('accepts a Container that is only metadata (a freshly discovered container before any status)', () => {
    const result = validateResource({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'nginx', namespace: 'local' } });
    assert.deepEqual(result.causes, []);
  });

  it('returns a copy and never modifies its input', () => {
    const input = changed('Container', 'spec.foo', 1);
    const before = JSON.stringify(input);
    const result = validateResource(input, { unknownFields: 'Warn' });
    assert.equal(JSON.stringify(input), before);
    assert.notEqual(result.object, input);

  it('with copy false returns the very input when nothing is pruned, and a pruned copy (input untouched) when something is', () => {
    const valid = copyOf('Container');
    const kept = validateResource(valid, { unknownFields: 'Strict', copy: false });
    assert.equal(kept.ok, true);
    assert.equal(kept.object, valid);

    const input = changed('Container', 'spec.foo', 1);
    const before = JSON.stringify(input);
    const pruned = validateResource(input, { unknownFields: 'Warn', copy: false });
    assert.equal(pruned.ok, true);
    assert.equal(JSON.stringify(input), before);
    assert.notEqual(pruned.object, input);
    assert.equal(JSON.stringify(pruned.object), JSON.stringify(copyOf('Container')));
    assert.deepEqual(pruned.warnings, ['unknown field "spec.foo"']);
  });
  });
});

describe('validateResource reports each kind of problem on the right field', () => {
  it('reports a value of the wrong type as FieldValueTypeInvalid', () => {
    assert.deepEqual(onlyCause(changed('Container', 'status.ports.0.containerPort', '80')), {
      field: 'status.ports[0].containerPort',
      reason: 'FieldValueTypeInvalid',
      message: 'Invalid value: "80": must be of type integer',
    });
  });

  it('reports a bad enum value with every supported value', () => {
    assert.deepEqual(onlyCause(changed('Container', 'spec.policy', 'sometimes')), {
      field: 'spec.policy',
      reason: 'FieldValueNotSupported',
      message: 'Unsupported value: "sometimes": supported values: "auto", "manual", "pinned"',
    });
  });

  it('reports a wrong apiVersion of a known kind as an unsupported const', () => {
    const cause = onlyCause(changed('Host', 'kind', 'Hosts'));
    assert.equal(cause.field, 'kind');
    assert.equal(cause.reason, 'FieldValueNotSupported');
    assert.match(cause.message, /"Hosts": supported values: .*"Host"/);
  });

  it('reports an unknown apiVersion with the versions served', () => {
    const cause = onlyCause(changed('Host', 'apiVersion', 'vigil.dev/v2'));
    assert.equal(cause.field, 'apiVersion');
    assert.match(cause.message, /supported values: "vigil.dev\/v1alpha1", "v1"/);
  });

  it('reports a missing required field as FieldValueRequired', () => {
    assert.deepEqual(onlyCause(changed('Hook', 'spec.command', undefined)), {
      field: 'spec.command', reason: 'FieldValueRequired', message: 'Required value',
    });
  });

  it('reports a duration above its documented maximum with the range', () => {
    assert.deepEqual(onlyCause(changed('Settings', 'spec.pollInterval', '25h')), {
      field: 'spec.pollInterval', reason: 'FieldValueInvalid', message: 'Invalid value: "25h": must be between 5m and 24h',
    });
  });

  it('reports a duration below its documented minimum', () => {
    assert.match(onlyCause(changed('Settings', 'spec.pollInterval', '4m59s')).message, /between 5m and 24h/);
  });

  it('accepts the ends of a duration range', () => {
    assert.equal(validateResource(changed('Settings', 'spec.pollInterval', '5m')).ok, true);
    assert.equal(validateResource(changed('Settings', 'spec.pollInterval', '24h')).ok, true);
    assert.equal(validateResource(changed('Settings', 'spec.gracePeriod', '0')).ok, true);
  });

  it('limits a container grace period to 1h', () => {
    assert.equal(onlyCause(changed('Container', 'spec.gracePeriod', '61m')).message, 'Invalid value: "61m": must be between 0s and 1h');
  });

  it('limits notification batching to 10m', () => {
    assert.equal(onlyCause(changed('NotificationChannel', 'spec.batching.window', '11m')).field, 'spec.batching.window');
  });

  it('reports an unparsable duration with an example of the syntax', () => {
    assert.deepEqual(onlyCause(changed('Settings', 'spec.gracePeriod', '30 seconds')), {
      field: 'spec.gracePeriod',
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "30 seconds": must be a duration such as "45s", "10m" or "1h30m" (units ns, us, ms, s, m, h)',
    });
  });

  it('accepts days only where Sentinel does', () => {
    assert.equal(validateResource(changed('Container', 'spec.updateDelay', '2d')).ok, true);
    assert.equal(onlyCause(changed('Container', 'spec.gracePeriod', '1d')).field, 'spec.gracePeriod');
  });

  it('reports an integer out of range with its limit', () => {
    assert.deepEqual(onlyCause(changed('NotificationChannel', 'spec.retries', 4)), {
      field: 'spec.retries', reason: 'FieldValueInvalid', message: 'Invalid value: 4: must be less than or equal to 3',
    });
  });

  it('reports a cron field out of range, naming the field', () => {
    assert.deepEqual(onlyCause(changed('Container', 'spec.schedule', '0 24 * * *')), {
      field: 'spec.schedule', reason: 'FieldValueInvalid', message: 'Invalid value: "0 24 * * *": not a valid cron: hour value 24 is out of range 0-23',
    });
  });

  it('reports a cron with the wrong number of fields once', () => {
    assert.match(onlyCause(changed('Settings', 'spec.schedule', '0 3 * *')).message, /expected 5 fields/);
  });

  it('reports a maintenance window that is not in Sentinel format', () => {
    const cause = onlyCause(changed('Settings', 'spec.maintenanceWindow', 'weekends'));
    assert.equal(cause.field, 'spec.maintenanceWindow');
    assert.match(cause.message, /"weekends" is not "HH:MM-HH:MM"/);
  });

  it('reports a tag regex that does not compile', () => {
    assert.match(onlyCause(changed('UpdatePolicy', 'spec.includeTags', '([0-9]+')).message, /^Invalid value: "\(\[0-9\]\+": not a valid regex/);
  });

  it('reports a malformed date-time', () => {
    assert.equal(onlyCause(changed('Container', 'spec.check.requestedAt', 'yesterday')).field, 'spec.check.requestedAt');
  });

  it('reports a field that must equal another (hostRef = namespace)', () => {
    assert.deepEqual(onlyCause(changed('Container', 'spec.hostRef', 'nas')), {
      field: 'spec.hostRef', reason: 'FieldValueInvalid', message: 'Invalid value: "nas": must equal metadata.namespace ("local")',
    });
  });

  it('reports duplicates in a set and in a map list', () => {
    assert.deepEqual(onlyCause(changed('Container', 'spec.dependsOn', ['db', 'db'])), {
      field: 'spec.dependsOn[1]', reason: 'FieldValueDuplicate', message: 'Duplicate value: "db"',
    });
    const conditions = [...fixtures.Host.status?.conditions ?? []];
    const duplicated = changed('Host', 'status.conditions', [...conditions, conditions[0]]);
    assert.equal(onlyCause(duplicated).message, 'Duplicate value: {"type":"Ready"}');
  });

  it('reports a bad map key in brackets', () => {
    assert.deepEqual(onlyCause(changed('Container', 'spec.portConfig', { http: 'https://x.example' })), {
      field: 'spec.portConfig[http]',
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "http": key must be a container port, optionally with /tcp, /udp or /sctp, e.g. "8080" or "53/udp"',
    });
  });

  it('requires what an approval binds to', () => {
    const update = { requestedAt: '2025-01-15T14:30:00Z', reason: 'Approved' };
    assert.deepEqual(onlyCause(changed('Container', 'spec.update', update)), {
      field: 'spec.update.digest', reason: 'FieldValueRequired', message: 'Required value',
    });
    assert.equal(onlyCause(changed('Container', 'spec.update', { ...update, reason: 'ChosenTag' })).field, 'spec.update.tag');
  });

  it('requires values for In and forbids them for Exists in label selectors', () => {
    assert.equal(onlyCause(changed('UpdatePolicy', 'spec.selector.matchExpressions.0', { key: 'tier', operator: 'In' })).field,
      'spec.selector.matchExpressions[0].values');
    assert.deepEqual(onlyCause(changed('UpdatePolicy', 'spec.selector.matchExpressions.0', { key: 'tier', operator: 'Exists', values: ['a'] })), {
      field: 'spec.selector.matchExpressions[0].values',
      reason: 'FieldValueTooMany',
      message: 'Invalid value: "array": must be empty when operator is Exists or DoesNotExist',
    });
  });

  it('allows plain HTTP registries only on loopback', () => {
    assert.equal(validateResource(changed('Registry', 'spec', { server: 'localhost:5000', insecure: true })).ok, true);
    assert.deepEqual(onlyCause(changed('Registry', 'spec', { server: 'registry.lan:5000', insecure: true })), {
      field: 'spec.server',
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "registry.lan:5000": insecure (plain HTTP) is allowed only for a loopback server: localhost, 127.x.x.x or [::1]',
    });
  });

  it('requires exactly one of username and usernameSecretRef', () => {
    const both = changed('Registry', 'spec.credentials.usernameSecretRef', { name: 'hub', key: 'user' });
    assert.match(onlyCause(both).message, /exactly one of "username" or "usernameSecretRef" may be set, not both/);
    const neither = changed('Registry', 'spec.credentials.username', undefined);
    assert.deepEqual(onlyCause(neither), {
      field: 'spec.credentials', reason: 'FieldValueRequired', message: 'Required value: exactly one of "username" or "usernameSecretRef" must be set',
    });
  });

  it('forbids settings of another channel type and requires those of its own', () => {
    const other = changed('NotificationChannel', 'spec.settings.slack', {});
    assert.deepEqual(onlyCause(other), {
      field: 'spec.settings.slack', reason: 'FieldValueForbidden', message: 'Forbidden: only settings.gotify may be set when type is "gotify"',
    });
    assert.equal(onlyCause(changed('NotificationChannel', 'spec.settings', {})).field, 'spec.settings.gotify');
    assert.equal(onlyCause(changed('NotificationChannel', 'spec.secretRef', undefined)).field, 'spec.secretRef');
  });

  it('rejects Secret data that is not base64', () => {
    assert.equal(onlyCause(changed('Secret', 'data.token', 'not base64!')).message,
      'Invalid value: "not base64!": must be base64-encoded (use stringData for plain text)');
  });

  it('rejects an object that is not an object', () => {
    const result = validateResource('Container');
    assert.equal(result.ok, false);
    assert.equal(result.causes[0]?.reason, 'FieldValueTypeInvalid');
  });
});

describe('unknown fields follow fieldValidation', () => {
  const withUnknown = (): Record<string, unknown> => changed('Container', 'spec.foo', 'bar');

  it('makes an unknown field a cause under Strict', () => {
    assert.deepEqual(onlyCause(withUnknown()), { field: 'spec.foo', reason: 'FieldValueUnknown', message: 'unknown field "spec.foo"' });
  });

  it('prunes an unknown field and warns under Warn', () => {
    const result = validateResource(withUnknown(), { unknownFields: 'Warn' });
    assert.equal(result.ok, true);
    assert.deepEqual(result.warnings, ['unknown field "spec.foo"']);
    assert.ok(result.ok && !('foo' in (result.object.spec as Record<string, unknown>)));
  });

  it('prunes silently under Ignore', () => {
    const result = validateResource(withUnknown(), { unknownFields: 'Ignore' });
    assert.equal(result.ok, true);
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(result.object, fixtures.Container);
  });

  it('defaults to Warn, as kube-apiserver does', () => {
    assert.deepEqual(validateResource(withUnknown()).warnings, ['unknown field "spec.foo"']);
  });

  it('finds unknown fields deep inside arrays, at top level and in metadata', () => {
    const object = changed('Container', 'status.networks.0.gateway', '172.18.0.1');
    object.extra = true;
    (object.metadata as Record<string, unknown>).nickname = 'x';
    const result = validateResource(object, { unknownFields: 'Strict' });
    assert.deepEqual(result.causes.map((cause) => cause.message).sort(), [
      'unknown field "extra"', 'unknown field "metadata.nickname"', 'unknown field "status.networks[0].gateway"',
    ]);
  });

  it('keeps open objects open (docker inspect, operation details)', () => {
    const result = validateResource(changed('Snapshot', 'spec.inspect.Anything', { deep: [1] }), { unknownFields: 'Strict' });
    assert.equal(result.ok, true);
    assert.equal(validateResource(changed('Container', 'status.operation.details.newField', 1), { unknownFields: 'Strict' }).ok, true);
  });

  it('reports unknown fields together with other errors', () => {
    const object = changed('Container', 'spec.policy', 'never');
    (object.spec as Record<string, unknown>).polcy = 'auto';
    const result = validateResource(object, { unknownFields: 'Warn' });
    assert.equal(result.ok, false);
    assert.deepEqual(result.causes.map((cause) => cause.field), ['spec.policy']);
    assert.deepEqual(result.warnings, ['unknown field "spec.polcy"']);
  });
});

describe('messages for the API server', () => {
  it('joins field and message as kubectl shows them', () => {
    const result = validateResource(changed('Container', 'spec.policy', 'x'));
    assert.equal(describeCauses(result.causes), 'spec.policy: Unsupported value: "x": supported values: "auto", "manual", "pinned"');
    const two = validateResource(changed('Container', 'spec', { policy: 'x', pullOnly: 'yes' }));
    assert.match(describeCauses(two.causes), /^\[spec\.policy: .*, spec\.pullOnly: Invalid value: "yes": must be of type boolean\]$/);
  });

  it('does not repeat the field of an unknown-field cause', () => {
    assert.equal(causeText({ field: 'spec.foo', reason: 'FieldValueUnknown', message: 'unknown field "spec.foo"' }), 'unknown field "spec.foo"');
  });
});

describe('validateUpdate', () => {
  it('refuses to change an immutable record', () => {
    const kind = findKindByName('UpdateRecord');
    assert.ok(kind !== undefined);
    const old = copyOf('UpdateRecord');
    assert.deepEqual(validateUpdate(kind, old, changed('UpdateRecord', 'spec.outcome', 'failed')), [
      { field: 'spec', reason: 'FieldValueInvalid', message: 'Invalid value: "object": field is immutable' },
    ]);
    assert.deepEqual(validateUpdate(kind, old, changed('UpdateRecord', 'metadata.labels', { a: 'b' })), []);
  });

  it('lets a Container spec change freely', () => {
    const kind = findKindByName('Container');
    assert.ok(kind !== undefined);
    assert.deepEqual(validateUpdate(kind, copyOf('Container'), changed('Container', 'spec.policy', 'auto')), []);
  });

  it('freezes the data of an immutable Secret', () => {
    const kind = findKindByName('Secret');
    assert.ok(kind !== undefined);
    const old = changed('Secret', 'immutable', true);
    const edited = changed('Secret', 'data.token', 'eHl6');
    edited.immutable = true;
    assert.deepEqual(validateUpdate(kind, old, edited).map((cause) => cause.field), ['data']);
  });
});
