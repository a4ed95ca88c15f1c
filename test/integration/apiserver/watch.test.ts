// Watches over a real socket, served from the watch cache: initial events, resuming from a list, bookmarks,
// timeouts, 410 for a resourceVersion too old, sendInitialEvents, selectors, tables, and cleanup when the client goes,
// stops reading, or the server closes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, GROUP_PATH, startApi, updatePolicy, type TestApi } from './fixtures/api.ts';
import { openWatch } from './fixtures/watch-client.ts';

const policies = `${GROUP_PATH}/updatepolicies`;

describe('watch', () => {
  let api: TestApi;
  before(async () => {
    api = await startApi({ listen: true, cache: { bookmarkIntervalMs: 200, historyCapacity: 50 }, app: { garbageCollection: false } });
  });
  after(async () => await api.close());

  test('from resourceVersion 0: 200 chunked JSON lines, ADDED for what exists, then each change; DELETED carries the last state', async () => {
    await api.resources.create(updatePolicy('w-existing'));
    const watch = await openWatch(`${api.url}${policies}?watch=true&resourceVersion=0&fieldSelector=metadata.name%3Dw-existing`, api.headers());
    assert.equal(watch.status, 200);
    assert.equal(watch.headers['content-type'], 'application/json');
    assert.equal(watch.headers['transfer-encoding'], 'chunked');
    await watch.waitForEvents(1);
    await api.resources.patch('UpdatePolicy', undefined, 'w-existing', 'merge', { spec: { policy: 'auto' } });
    const deleted = await api.resources.delete('UpdatePolicy', undefined, 'w-existing');
    const events = await watch.waitForEvents(3);
    assert.deepEqual(events.map((event) => event.type), ['ADDED', 'MODIFIED', 'DELETED']);
    assert.equal(events[0]?.object.kind, 'UpdatePolicy');
    assert.deepEqual((events[1]?.object.spec as { policy: string }).policy, 'auto');
    assert.equal(events[2]?.object.metadata.resourceVersion, deleted.metadata.resourceVersion);
    assert.deepEqual((events[2]?.object.spec as { policy: string }).policy, 'auto');
    watch.close();
  });

  test('resuming from a list\'s resourceVersion delivers exactly the changes after it', async () => {
    await api.resources.create(updatePolicy('w-before'));
    const list = (await api.request('GET', `${policies}?labelSelector=resume`)).json<{ metadata: { resourceVersion: string } }>();
    await api.resources.create(updatePolicy('w-after-1', { policy: 'auto' }, { labels: { resume: 'yes' } }));
    const watch = await openWatch(`${api.url}${policies}?watch=1&labelSelector=resume&resourceVersion=${list.metadata.resourceVersion}`, api.headers());
    await api.resources.create(updatePolicy('w-after-2', { policy: 'auto' }, { labels: { resume: 'yes' } }));
    const events = await watch.waitForEvents(2);
    assert.deepEqual(events.map((event) => `${event.type} ${event.object.metadata.name}`), ['ADDED w-after-1', 'ADDED w-after-2']);
    watch.close();
  });

  test('an object that stops matching the label selector is DELETED for that watcher', async () => {
    await api.resources.create(updatePolicy('w-labelled', { policy: 'auto' }, { labels: { team: 'a' } }));
    const watch = await openWatch(`${api.url}${policies}?watch=1&labelSelector=team%3Da`, api.headers());
    await watch.waitForEvents(1);
    await api.resources.patch('UpdatePolicy', undefined, 'w-labelled', 'merge', { metadata: { labels: { team: 'b' } } });
    const events = await watch.waitForEvents(2);
    assert.deepEqual(events.map((event) => event.type), ['ADDED', 'DELETED']);
    watch.close();
  });

  test('with allowWatchBookmarks, BOOKMARK events carry kind, apiVersion and only metadata.resourceVersion', async () => {
    const watch = await openWatch(`${api.url}${policies}?watch=1&allowWatchBookmarks=true&fieldSelector=metadata.name%3Dnothing`, api.headers());
    const [bookmark] = await watch.waitForEvents(1);
    assert.equal(bookmark?.type, 'BOOKMARK');
    assert.deepEqual(bookmark?.object, { kind: 'UpdatePolicy', apiVersion: 'vigil.dev/v1alpha1', metadata: { resourceVersion: String(api.store.revision) } });
    watch.close();
  });

  test('timeoutSeconds ends the response cleanly after that long', async () => {
    const started = Date.now();
    const watch = await openWatch(`${api.url}${policies}?watch=1&timeoutSeconds=1&fieldSelector=metadata.name%3Dnothing`, api.headers());
    await watch.ended;
    const took = (watch.endedAt() ?? 0) - started;
    assert.ok(took >= 900 && took < 5000, `ended after ${took} ms`);
    assert.equal(watch.events.length, 0);
  });

  test('a resourceVersion older than the watch cache keeps: 200, one ERROR event with a 410 Expired Status, then the end', async () => {
    for (let index = 0; index < 60; index += 1) await api.resources.create(updatePolicy(`w-churn-${index}`));
    const watch = await openWatch(`${api.url}${policies}?watch=1&resourceVersion=1`, api.headers());
    assert.equal(watch.status, 200);
    await watch.ended;
    assert.equal(watch.events.length, 1);
    const [event] = watch.events;
    assert.equal(event?.type, 'ERROR');
    assert.equal(event?.object.kind, 'Status');
    assert.equal(event?.object.code, 410);
    assert.equal(event?.object.reason, 'Expired');
  });

  test('sendInitialEvents: ADDED for every object, then a BOOKMARK marking the end of the initial events', async () => {
    await api.resources.create(updatePolicy('w-initial-a', { policy: 'auto' }, { labels: { initial: 'yes' } }));
    await api.resources.create(updatePolicy('w-initial-b', { policy: 'auto' }, { labels: { initial: 'yes' } }));
    const watch = await openWatch(`${api.url}${policies}?watch=1&labelSelector=initial&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`, api.headers());
    const events = await watch.waitForEvents(3);
    assert.deepEqual(events.map((event) => `${event.type} ${event.object.metadata.name ?? ''}`), ['ADDED w-initial-a', 'ADDED w-initial-b', 'BOOKMARK ']);
    assert.deepEqual(events[2]?.object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
    watch.close();
  });

  test('a watch asking for a Table gets Table rows as event objects', async () => {
    const watch = await openWatch(`${api.url}${policies}?watch=1&fieldSelector=metadata.name%3Dw-table`, { ...api.headers(), accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    await api.resources.create(updatePolicy('w-table'));
    const [event] = await watch.waitForEvents(1);
    assert.equal(event?.type, 'ADDED');
    assert.equal(event?.object.kind, 'Table');
    assert.equal((event?.object.rows as Array<{ cells: unknown[] }>)[0]?.cells[0], 'w-table');
    watch.close();
  });

  test('a client that disconnects leaves no watcher behind', async () => {
    await eventually('no watchers left from earlier tests', () => (api.store.watcherCount === api.ownWatchers ? true : undefined));
    const watch = await openWatch(`${api.url}${policies}?watch=1`, api.headers());
    await eventually('the watcher to register', () => (api.store.watcherCount === api.ownWatchers + 1 ? true : undefined));
    watch.close();
    await eventually('the watcher to go', () => (api.store.watcherCount === api.ownWatchers ? true : undefined));
  });

  test('without timeoutSeconds a watch ends after a random time in the configured range', async () => {
    const short = await startApi({ listen: true, app: { garbageCollection: false, watchTimeoutSeconds: { minSeconds: 1, maxSeconds: 2 } } });
    try {
      const started = Date.now();
      const watch = await openWatch(`${short.url}${policies}?watch=1`, short.headers());
      await watch.ended;
      const took = (watch.endedAt() ?? 0) - started;
      assert.ok(took >= 900 && took < 4000, `ended after ${took} ms`);
    } finally {
      await short.close();
    }
  });
});

describe('watch cleanup', () => {
  test('closing the server ends open watches at once', async () => {
    const api = await startApi({ listen: true, app: { garbageCollection: false } });
    const watch = await openWatch(`${api.url}${policies}?watch=1`, api.headers());
    const started = Date.now();
    await api.close();
    await watch.ended;
    assert.ok(Date.now() - started < 5000, 'the server did not wait for the watch');
  });

  test('a client that stops reading is cut off instead of buffering without bound', async () => {
    const api = await startApi({ listen: true, cache: { watcherCapacity: 5 }, app: { garbageCollection: false } });
    try {
      const watch = await openWatch(`${api.url}${policies}?watch=1`, api.headers());
      watch.response.pause();
      await eventually('the watcher to register', () => (api.store.watcherCount === api.ownWatchers + 1 ? true : undefined));
      const big = 'x'.repeat(200 * 1024);
      for (let index = 0; index < 100 && api.store.watcherCount > api.ownWatchers; index += 1) {
        await api.resources.create(updatePolicy(`slow-${index}`, { policy: 'auto' }, { annotations: { filler: big } }));
      }
      await eventually('the slow watcher to be cut off', () => (api.store.watcherCount === api.ownWatchers ? true : undefined), 15_000);
      // The server closes the connection (a paused client only notices once it reads again).
      await eventually('the server to close the connection', async () => {
        const connections = await new Promise<number>((resolve, reject) => api.app.server.getConnections((error, count) => (error === null ? resolve(count) : reject(error))));
        return connections === 0 ? true : undefined;
      });
      watch.close();
    } finally {
      await api.close();
    }
  });
});
