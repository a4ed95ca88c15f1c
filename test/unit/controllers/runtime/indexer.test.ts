import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Indexer } from '../../../../controllers/runtime/indexer.ts';
import type { ResourceObject } from '../../../../apiserver/resources/client.ts';

function container(namespace: string, name: string, image: string, labels: Record<string, string> = {}, resourceVersion = '1'): ResourceObject {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { namespace, name, labels, resourceVersion }, spec: { containerName: name }, status: { image } };
}

const byImage = (object: ResourceObject): string[] => {
  const status = object.status as { image?: string } | undefined;
  return status?.image === undefined ? [] : [status.image];
};

describe('Indexer', () => {
  test('gets by key, lists by namespace and by label selector, sorted by key', () => {
    const indexer = new Indexer();
    indexer.upsert(container('remote', 'web', 'nginx:1', { tier: 'front' }));
    indexer.upsert(container('local', 'db', 'postgres:16', { tier: 'back' }));
    indexer.upsert(container('local', 'app', 'nginx:1', { tier: 'front', team: 'a' }));
    assert.equal(indexer.get('local/db')?.metadata.name, 'db');
    assert.equal(indexer.get('db'), undefined);
    assert.deepEqual(indexer.keys(), ['local/app', 'local/db', 'remote/web']);
    assert.deepEqual(indexer.list({ namespace: 'local' }).map((object) => object.metadata.name), ['app', 'db']);
    assert.deepEqual(indexer.list({ labelSelector: 'tier=front' }).map((object) => object.metadata.name), ['app', 'web']);
    assert.deepEqual(indexer.list({ namespace: 'local', labelSelector: 'tier in (front,back),!team' }).map((object) => object.metadata.name), ['db']);
    assert.equal(indexer.size, 3);
  });

  test('a custom index follows updates and deletes, and is built over what is cached when added late', () => {
    const indexer = new Indexer();
    indexer.upsert(container('local', 'a', 'nginx:1'));
    indexer.upsert(container('local', 'b', 'redis:7'));
    indexer.addIndexers({ byImage });
    assert.deepEqual(indexer.byIndex('byImage', 'nginx:1').map((object) => object.metadata.name), ['a']);
    indexer.upsert(container('local', 'b', 'nginx:1', {}, '2'));
    assert.deepEqual(indexer.byIndex('byImage', 'nginx:1').map((object) => object.metadata.name), ['a', 'b']);
    assert.deepEqual(indexer.byIndex('byImage', 'redis:7'), []);
    indexer.delete('local/a');
    assert.deepEqual(indexer.byIndex('byImage', 'nginx:1').map((object) => object.metadata.name), ['b']);
    assert.throws(() => indexer.byIndex('byHost', 'x'), { message: 'no index named "byHost"' });
    assert.throws(() => indexer.addIndexers({ byImage }), { message: 'index "byImage" already exists' });
  });

  test('cached objects are frozen: a consumer cannot change the cache by accident', () => {
    const indexer = new Indexer();
    indexer.upsert(container('local', 'a', 'nginx:1', { tier: 'front' }));
    const cached = indexer.get('local/a');
    assert.ok(cached !== undefined);
    assert.throws(() => {
      (cached.metadata.labels as Record<string, string>).tier = 'back';
    }, TypeError);
    assert.equal(indexer.get('local/a')?.metadata.labels?.tier, 'front');
  });

  test('a bad label selector is refused with the selector in the message', () => {
    const indexer = new Indexer();
    assert.throws(() => indexer.list({ labelSelector: 'tier in (a' }), /tier in \(a/);
  });
});
