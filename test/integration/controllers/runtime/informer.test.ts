// Informers over the real resource stack (embedded store, watch cache, registry).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Informer } from '../../../../controllers/runtime/informer.ts';
import { SharedInformerFactory } from '../../../../controllers/runtime/informer-factory.ts';
import type { ResourceObject } from '../../../../apiserver/resources/client.ts';
import { container, eventually, host, openStack, WatchTap, type Stack } from './fixtures.ts';

const stacks: Stack[] = [];
const informers: Informer[] = [];
const factories: SharedInformerFactory[] = [];
after(async () => {
  for (const factory of factories) await factory.stop();
  for (const informer of informers) await informer.stop();
  for (const stack of stacks) await stack.close();
});

async function stack(options?: { historyCapacity?: number }): Promise<Stack> {
  const opened = await openStack(options);
  stacks.push(opened);
  return opened;
}

function informer<T extends ResourceObject = ResourceObject>(options: ConstructorParameters<typeof Informer>[0]): Informer<T> {
  const created = new Informer<T>(options);
  informers.push(created as unknown as Informer);
  return created;
}

/** Records what handlers are told, as "add NAME" / "update NAME" / "delete NAME". */
function recorder(target: Informer): string[] {
  const seen: string[] = [];
  target.addEventHandler({
    onAdd: (object) => seen.push(`add ${object.metadata.name}`),
    onUpdate: (_old, object) => seen.push(`update ${object.metadata.name}`),
    onDelete: (object) => seen.push(`delete ${object.metadata.name}`),
  });
  return seen;
}

describe('Informer', () => {
  test('lists what exists, then follows creates, updates and deletes in order, and the cache matches the store', async () => {
    const { registry } = await stack();
    await registry.create(host('alpha'));
    await registry.create(host('beta'));
    const hosts = informer({ client: registry, kind: 'Host' });
    const seen = recorder(hosts);
    hosts.start();
    await hosts.waitForSync();
    assert.ok(hosts.hasSynced());
    assert.deepEqual(seen, ['add alpha', 'add beta']);
    await registry.create(host('gamma'));
    await registry.modify('Host', undefined, 'alpha', (current) => ({ ...current, spec: { paused: true } }));
    await registry.delete('Host', undefined, 'beta');
    await eventually('the three changes arrived', () => seen.length === 5);
    assert.deepEqual(seen.slice(2), ['add gamma', 'update alpha', 'delete beta']);
    assert.deepEqual(hosts.lister.keys(), ['alpha', 'gamma']);
    assert.deepEqual(hosts.lister.get('alpha')?.spec, { paused: true });
    assert.equal(hosts.lastSyncResourceVersion, (await registry.list('Host')).metadata.resourceVersion);
  });

  test('a handler added after sync is told about every cached object first', async () => {
    const { registry } = await stack();
    await registry.create(host('one'));
    const hosts = informer({ client: registry, kind: 'Host' });
    hosts.start();
    await hosts.waitForSync();
    const seen = recorder(hosts);
    assert.deepEqual(seen, ['add one']);
  });

  test('when the watch stream ends, it watches again from the last revision seen, without listing again', async () => {
    const { registry } = await stack();
    const tap = new WatchTap(registry);
    const hosts = informer({ client: tap, kind: 'Host' });
    const seen = recorder(hosts);
    hosts.start();
    await hosts.waitForSync();
    await registry.create(host('before-cut'));
    await eventually('the first create arrived', () => seen.length === 1);
    tap.watches[0]?.stop();
    await registry.create(host('after-cut'));
    await eventually('the second create arrived', () => seen.length === 2);
    assert.deepEqual(seen, ['add before-cut', 'add after-cut']);
    assert.equal(tap.watches.length, 2);
    assert.equal(tap.lists, 1);
  });

  test('a watch too old to resume (410 Expired) lists again, and objects deleted meanwhile are reported deleted', async () => {
    const { registry } = await stack({ historyCapacity: 3 });
    const tap = new WatchTap(registry);
    await registry.create(host('kept'));
    await registry.create(host('removed'));
    await registry.create(host('changed'));
    const hosts = informer({ client: tap, kind: 'Host' });
    const seen = recorder(hosts);
    hosts.start();
    await hosts.waitForSync();
    await hosts.stop();
    seen.length = 0;
    await registry.delete('Host', undefined, 'removed');
    await registry.modify('Host', undefined, 'changed', (current) => ({ ...current, spec: { paused: true } }));
    for (let index = 0; index < 5; index++) await registry.create(host(`new-${index}`));
    hosts.start();
    await eventually('the informer relisted', () => tap.lists === 2 && seen.length === 7);
    assert.deepEqual(seen.toSorted(), ['add new-0', 'add new-1', 'add new-2', 'add new-3', 'add new-4', 'delete removed', 'update changed']);
    assert.deepEqual(hosts.lister.keys(), ['changed', 'kept', 'new-0', 'new-1', 'new-2', 'new-3', 'new-4']);
    // And it keeps watching after the relist.
    await registry.delete('Host', undefined, 'kept');
    await eventually('the delete after the relist arrived', () => seen.includes('delete kept'));
  });

  test('a namespace and label selector narrow the cache; a custom index answers "containers by label value"', async () => {
    const { registry } = await stack();
    await registry.create(container('local', 'web', { app: 'shop', tier: 'front' }));
    await registry.create(container('local', 'db', { app: 'shop', tier: 'back' }));
    await registry.create(container('local', 'other', { app: 'blog' }));
    await registry.create(container('remote', 'web', { app: 'shop', tier: 'front' }));
    const shop = informer({ client: registry, kind: 'Container', namespace: 'local', labelSelector: 'app=shop' });
    shop.addIndexers({ byTier: (object) => (object.metadata.labels?.tier === undefined ? [] : [object.metadata.labels.tier]) });
    shop.start();
    await shop.waitForSync();
    assert.deepEqual(shop.lister.keys(), ['local/db', 'local/web']);
    assert.deepEqual(shop.lister.byIndex('byTier', 'front').map((object) => object.metadata.name), ['web']);
    await registry.modify('Container', 'local', 'db', (current) => ({ ...current, metadata: { ...current.metadata, labels: { app: 'blog' } } }));
    await eventually('db left the selection', () => shop.lister.get('local/db') === undefined);
    assert.deepEqual(shop.lister.byIndex('byTier', 'back'), []);
  });

  test('a throwing handler neither stops the informer nor the other handlers', async () => {
    const { registry } = await stack();
    const hosts = informer({ client: registry, kind: 'Host' });
    hosts.addEventHandler({ onAdd: () => {
      throw new Error('handler bug');
    } });
    const seen = recorder(hosts);
    hosts.start();
    await hosts.waitForSync();
    await registry.create(host('one'));
    await registry.create(host('two'));
    await eventually('both creates arrived', () => seen.length === 2);
  });
});

describe('SharedInformerFactory', () => {
  test('two consumers of one kind share one informer and one watch; informers requested after start start at once', async () => {
    const { registry } = await stack();
    const tap = new WatchTap(registry);
    const factory = new SharedInformerFactory({ client: tap });
    factories.push(factory);
    const first = factory.informerFor('Host');
    const second = factory.informerFor('Host');
    assert.equal(first, second);
    assert.notEqual(factory.informerFor('Host', { labelSelector: 'a=b' }), first);
    factory.start();
    await factory.waitForCacheSync();
    const late = factory.informerFor('Container');
    await late.waitForSync();
    assert.ok(factory.hasSynced());
    await eventually('every informer watches', () => tap.watches.length >= 3);
    await registry.create(host('shared'));
    await eventually('the shared informer saw the create', () => first.lister.get('shared') !== undefined);
    assert.equal(tap.watches.length, 3, 'one watch each for Host, Host with a selector, Container');
  });
});
