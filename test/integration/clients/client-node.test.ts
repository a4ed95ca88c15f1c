// @kubernetes/client-node 2.x against Vigil, used the way controllers and tools use it: KubernetesObjectApi for
// reads and writes, and the informer (ListWatch) for a cache kept current by list + watch.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiException,
  KubeConfig,
  KubernetesObjectApi,
  makeInformer,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { startInProcessVigil, startVigil, type VigilServer } from '../../testbed/vigil.ts';
import { deadlines } from '../../testbed/deadlines.ts';

interface Container extends KubernetesObject {
  spec?: { hostRef?: string; policy?: string };
}

let server: VigilServer;
let config: KubeConfig;
let api: KubernetesObjectApi;

before(async () => {
  server = await startVigil();
  config = new KubeConfig();
  config.loadFromFile(server.kubeconfig);
  api = KubernetesObjectApi.makeApiClient(config);
});

after(async () => {
  await server.stop();
});

function container(name: string, namespace: string, labels: Record<string, string> = {}, policy = 'auto'): Container {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name, namespace, labels }, spec: { hostRef: namespace, policy } };
}

async function eventually(what: string, check: () => boolean, timeoutMs = deadlines.condition): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

test('KubernetesObjectApi creates, reads, lists by label, patches (merge and server-side apply) and deletes', async () => {
  const created = await api.create(container('crud-web', 'local', { app: 'web' }));
  assert.equal(created.metadata?.name, 'crud-web');
  assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
  await api.create(container('crud-db', 'local', { app: 'db' }));

  const read = await api.read<Container>({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'crud-web', namespace: 'local' } });
  assert.equal(read.spec?.policy, 'auto');

  const web = await api.list<Container>('vigil.dev/v1alpha1', 'Container', 'local', undefined, undefined, undefined, undefined, 'app=web');
  assert.deepEqual(web.items.map((item) => item.metadata?.name), ['crud-web']);
  const notWeb = await api.list<Container>('vigil.dev/v1alpha1', 'Container', undefined, undefined, undefined, undefined, undefined, 'app!=web');
  assert.ok(notWeb.items.some((item) => item.metadata?.name === 'crud-db'));
  assert.ok(!notWeb.items.some((item) => item.metadata?.name === 'crud-web'));

  const merged = await api.patch<Container>({ ...container('crud-web', 'local'), spec: { policy: 'manual' } }, undefined, undefined, 'tester', undefined, PatchStrategy.MergePatch);
  assert.equal(merged.spec?.policy, 'manual');
  assert.equal(merged.spec?.hostRef, 'local');

  const applied = await api.patch<Container>(container('crud-web', 'local', { app: 'web' }, 'pinned'), undefined, undefined, 'tester-apply', true, PatchStrategy.ServerSideApply);
  assert.equal(applied.spec?.policy, 'pinned');
  assert.ok(applied.metadata?.managedFields?.some((entry) => entry.manager === 'tester-apply' && entry.operation === 'Apply'));
  // Apply creates what does not exist yet.
  const fresh = await api.patch<Container>(container('crud-new', 'local'), undefined, undefined, 'tester-apply', undefined, PatchStrategy.ServerSideApply);
  assert.equal(fresh.metadata?.generation, 1);

  await api.delete({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'crud-web', namespace: 'local' } });
  await assert.rejects(
    api.read({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'crud-web', namespace: 'local' } }),
    (error: unknown) => error instanceof ApiException && error.code === 404,
  );
});

test('an informer sees each add, update and delete exactly once', async () => {
  const events: string[] = [];
  const informer = makeInformer<Container>(config, '/apis/vigil.dev/v1alpha1/namespaces/informer/containers',
    () => api.list<Container>('vigil.dev/v1alpha1', 'Container', 'informer'));
  informer.on('add', (object) => events.push(`add ${object.metadata?.name}`));
  informer.on('update', (object) => events.push(`update ${object.metadata?.name} ${object.spec?.policy}`));
  informer.on('delete', (object) => events.push(`delete ${object.metadata?.name}`));
  const errors: unknown[] = [];
  informer.on('error', (error) => errors.push(error));
  await api.create(container('existing', 'informer'));
  await informer.start();
  try {
    await eventually('the listed object', () => events.includes('add existing'));
    await api.create(container('a', 'informer'));
    await api.patch({ ...container('a', 'informer'), spec: { policy: 'manual' } }, undefined, undefined, 'tester', undefined, PatchStrategy.MergePatch);
    await api.delete({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'a', namespace: 'informer' } });
    await eventually('the delete', () => events.includes('delete a'));
    // Anything duplicated would arrive right after; give it the time to.
    await sleep(500);
    assert.deepEqual(events, ['add existing', 'add a', 'update a manual', 'delete a']);
    assert.equal(informer.list('informer').length, 1);
    assert.deepEqual(errors, []);
  } finally {
    await informer.stop();
  }
});

test('after its resourceVersion expired the informer relists, with no loop and no duplicate event', async () => {
  // A tiny watch-cache history and watches the server ends every second: the informer's next watch resumes from a
  // resourceVersion the history no longer holds, the server answers 410 Expired, and the informer must relist.
  const small = await startInProcessVigil({ cache: { historyCapacity: 4 }, app: { watchTimeoutSeconds: { minSeconds: 1, maxSeconds: 1 } } });
  const smallConfig = new KubeConfig();
  smallConfig.loadFromFile(small.kubeconfig);
  const smallApi = KubernetesObjectApi.makeApiClient(smallConfig);
  let lists = 0;
  const events: string[] = [];
  const informer = makeInformer<Container>(smallConfig, '/apis/vigil.dev/v1alpha1/containers', () => {
    lists += 1;
    return smallApi.list<Container>('vigil.dev/v1alpha1', 'Container');
  });
  informer.on('add', (object) => events.push(`add ${object.metadata?.name}`));
  informer.on('update', (object) => events.push(`update ${object.metadata?.name}`));
  informer.on('delete', (object) => events.push(`delete ${object.metadata?.name}`));
  try {
    await informer.start();
    await smallApi.create(container('kept', 'local'));
    await smallApi.create(container('changed', 'local'));
    await eventually('both adds', () => events.length === 2);
    // Twenty writes to another kind push every Container revision out of the four-event history; the Container
    // watch sees none of them, so its resourceVersion stays behind.
    for (let i = 0; i < 20; i += 1) {
      await smallApi.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name: `filler-${i}` }, spec: {} } as KubernetesObject);
    }
    await eventually('a relist after 410', () => lists >= 2, 20_000);
    // On a loaded machine the twenty writes can outlast a watch cycle: a relist may then come while they are still
    // being written, and another after them (each time the informer's version fell out of the history again). Once
    // the informer has seen a Container change newer than every filler, its version is current and must stay so.
    await smallApi.patch({ ...container('changed', 'local'), spec: { policy: 'manual' } }, undefined, undefined, 'tester', undefined, PatchStrategy.MergePatch);
    await eventually('the update', () => events.includes('update changed'));
    const settled = lists;
    // Several more watch cycles go by (one a second): none may relist again.
    await sleep(3500);
    assert.equal(lists, settled, 'no relist loop once the informer is current');
    assert.deepEqual(events, ['add kept', 'add changed', 'update changed'], 'a relist repeats no event');
  } finally {
    await informer.stop();
    await small.stop();
  }
});
