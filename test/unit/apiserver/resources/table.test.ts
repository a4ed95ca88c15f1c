// Server-side printing: the printer columns' JSONPath subset, ages as kubectl prints them, and the Accept header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateJsonPath, humanDuration, parseJsonPath, requestedTable } from '../../../../apiserver/resources/http/table.ts';

const object = {
  metadata: { name: 'web', labels: { 'app.kubernetes.io/name': 'web' } },
  status: {
    conditions: [{ type: 'Ready', status: 'True' }, { type: 'Healthy', status: 'False' }],
    ports: [80, 443],
  },
};

test('JSONPath: dotted fields, indices, quoted keys and equality filters select what kubectl would', () => {
  assert.deepEqual(evaluateJsonPath(object, parseJsonPath('.metadata.name')), ['web']);
  assert.deepEqual(evaluateJsonPath(object, parseJsonPath('{.status.ports[1]}')), [443]);
  assert.deepEqual(evaluateJsonPath(object, parseJsonPath(".metadata.labels['app.kubernetes.io/name']")), ['web']);
  assert.deepEqual(evaluateJsonPath(object, parseJsonPath('.status.conditions[?(@.type=="Ready")].status')), ['True']);
  assert.deepEqual(evaluateJsonPath(object, parseJsonPath('.status.missing.deeper')), []);
  assert.throws(() => parseJsonPath('.status.conditions[*].status'), /unsupported JSONPath/);
});

test('every printer column of every kind parses', async () => {
  const { resourceKinds } = await import('../../../../schemas/index.ts');
  for (const kind of resourceKinds) for (const column of kind.printerColumns) assert.doesNotThrow(() => parseJsonPath(column.jsonPath), `${kind.kind} ${column.name}`);
});

test('ages read like kubectl\'s: seconds, minutes with seconds, hours with minutes, days with hours, years', () => {
  const s = 1000;
  const cases: Array<[number, string]> = [
    [-5 * s, '<invalid>'],
    [-1 * s, '0s'],
    [0, '0s'],
    [59 * s, '59s'],
    [119 * s, '119s'],
    [120 * s, '2m'],
    [307 * s, '5m7s'],
    [10 * 60 * s, '10m'],
    [179 * 60 * s, '179m'],
    [3 * 3600 * s, '3h'],
    [(3 * 3600 + 25 * 60) * s, '3h25m'],
    [8 * 3600 * s, '8h'],
    [47 * 3600 * s, '47h'],
    [48 * 3600 * s, '2d'],
    [(2 * 24 + 5) * 3600 * s, '2d5h'],
    [8 * 24 * 3600 * s, '8d'],
    [400 * 24 * 3600 * s, '400d'],
    [(2 * 365 + 10) * 24 * 3600 * s, '2y10d'],
    [9 * 365 * 24 * 3600 * s, '9y'],
  ];
  for (const [milliseconds, text] of cases) assert.equal(humanDuration(milliseconds), text, `${milliseconds} ms`);
});

test('the Accept header asks for a Table only when a Table range comes before plain JSON', () => {
  assert.equal(requestedTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'), 'v1');
  assert.equal(requestedTable('application/json;as=Table;v=v1beta1;g=meta.k8s.io'), 'v1beta1');
  assert.equal(requestedTable('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io'), 'v1');
  assert.equal(requestedTable('application/json'), undefined);
  assert.equal(requestedTable('application/json, application/json;as=Table;v=v1;g=meta.k8s.io'), undefined);
  assert.equal(requestedTable(undefined), undefined);
});
