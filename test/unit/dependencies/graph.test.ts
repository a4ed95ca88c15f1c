import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, ContainerStatus } from '../../../schemas/generated/types.ts';
import { analyzeDependencies, dependencyGraph } from '../../../controllers/dependencies/graph.ts';

function container(name: string, status: Partial<ContainerStatus> = {}, dependsOn?: string[]): Container {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Container',
    metadata: { name, namespace: 'local' },
    spec: { hostRef: 'local', containerName: name },
    status: {
      name,
      id: `${name}-id`.padEnd(64, '0'),
      state: 'running',
      ...(dependsOn === undefined ? {} : { effective: { dependsOn: { value: dependsOn, source: 'label' } } }),
      ...status,
    },
  };
}

describe('the dependency graph of a host', () => {
  test('answers Sentinel\'s /api/deps shape: dependencies first in order, dependents listed', () => {
    const graph = dependencyGraph([container('app', {}, ['db']), container('db')]);
    assert.deepEqual(graph, {
      containers: [
        { name: 'app', dependencies: ['db'], dependents: [] },
        { name: 'db', dependencies: [], dependents: ['app'] },
      ],
      order: ['db', 'app'],
      has_cycles: false,
    });
  });

  test('links and network namespaces (by name or by ID) are dependencies too', () => {
    const db = container('db');
    const analysis = analyzeDependencies([
      db,
      container('web', { links: ['db'] }),
      container('vpn'),
      container('torrent', { networkMode: `container:${db.status?.id ?? ''}` }),
      container('sidecar', { networkMode: 'container:vpn' }),
    ]);
    assert.deepEqual(analysis.edges, [
      { dependent: 'sidecar', dependency: 'vpn', kinds: ['network'] },
      { dependent: 'torrent', dependency: 'db', kinds: ['network'] },
      { dependent: 'web', dependency: 'db', kinds: ['link'] },
    ]);
    assert.deepEqual(analysis.order, ['db', 'torrent', 'vpn', 'sidecar', 'web']);
  });

  test('one edge per pair, naming every way it was declared', () => {
    const analysis = analyzeDependencies([container('web', { links: ['db'] }, ['db']), container('db')]);
    assert.deepEqual(analysis.edges, [{ dependent: 'web', dependency: 'db', kinds: ['dependsOn', 'link'] }]);
  });

  test('names that are not containers of the host, gone containers and a container naming itself add no edge', () => {
    const graph = dependencyGraph([
      container('app', {}, ['missing', 'old', 'app', 'db']),
      container('old', { state: 'gone' }),
      container('db'),
    ]);
    assert.deepEqual(graph.containers, [
      { name: 'app', dependencies: ['db'], dependents: [] },
      { name: 'db', dependencies: [], dependents: ['app'] },
    ]);
    assert.equal(graph.has_cycles, false);
  });

  test('a cycle is reported, and order still lists every container once with the cycle last', () => {
    const analysis = analyzeDependencies([
      container('a', {}, ['b']),
      container('b', {}, ['c']),
      container('c', {}, ['a']),
      container('d', {}, ['a']),
      container('base'),
      container('app', {}, ['base']),
    ]);
    assert.equal(analysis.has_cycles, true);
    assert.deepEqual(analysis.cycles, [['a', 'b', 'c']]);
    assert.deepEqual(analysis.order, ['base', 'app', 'a', 'b', 'c', 'd']);
  });

  test('a long chain is ordered without recursion limits', () => {
    const containers = Array.from({ length: 5000 }, (_, index) => container(`c${String(index).padStart(5, '0')}`, {}, index === 0 ? [] : [`c${String(index - 1).padStart(5, '0')}`]));
    const analysis = analyzeDependencies(containers);
    assert.equal(analysis.has_cycles, false);
    assert.equal(analysis.order[0], 'c00000');
    assert.equal(analysis.order.at(-1), 'c04999');
  });
});
