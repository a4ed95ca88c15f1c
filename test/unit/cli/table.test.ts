import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asTable, formatLines, tableLines } from '../../../cli/table.ts';

const serverTable = {
  kind: 'Table',
  apiVersion: 'meta.k8s.io/v1',
  metadata: { resourceVersion: '42' },
  columnDefinitions: [
    { name: 'Name', type: 'string', priority: 0 },
    { name: 'Image', type: 'string', priority: 0 },
    { name: 'Docker Name', type: 'string', priority: 1 },
    { name: 'Age', type: 'string', priority: 0 },
  ],
  rows: [
    { cells: ['web', 'nginx:1.27', 'web-1', '5m'], object: { metadata: { name: 'web', namespace: 'local', labels: { tier: 'front', app: 'web' } } } },
    { cells: ['database', null, 'db', '2d3h'], object: { metadata: { name: 'database', namespace: 'nas' } } },
  ],
};

test('a server Table prints like kubectl: upper-case headers, padded columns, <none> for empty cells, wide columns only with -o wide', () => {
  const table = asTable(serverTable);
  assert.ok(table);
  assert.equal(table.resourceVersion, '42');
  assert.equal(formatLines(tableLines(table)), [
    'NAME       IMAGE        AGE',
    'web        nginx:1.27   5m',
    'database   <none>       2d3h',
    '',
  ].join('\n'));
  assert.equal(formatLines(tableLines(table, { wide: true, namespace: true, labels: true })), [
    'NAMESPACE   NAME       IMAGE        DOCKER NAME   AGE    LABELS',
    'local       web        nginx:1.27   web-1         5m     app=web,tier=front',
    'nas         database   <none>       db            2d3h   <none>',
    '',
  ].join('\n'));
});

test('rows printed later keep the widths of the header printed first', () => {
  const table = asTable(serverTable);
  assert.ok(table);
  const widths: number[] = [];
  formatLines(tableLines(table), widths);
  const later = formatLines(tableLines({ columns: table.columns, rows: [{ cells: ['x', 'y', 'z', '1s'] }] }, { noHeaders: true }), widths);
  assert.equal(later, 'x          y            1s\n');
});

test('an answer that is not a Table is recognised as such', () => {
  assert.equal(asTable({ kind: 'ContainerList', items: [] }), undefined);
});
