// client-node 2.x gives up on a watch that has carried no data for 30 s and reconnects from the last
// resourceVersion it saw. Writes made while it reconnects must reach it from the server's watch history: none lost,
// none repeated. This test waits out that real 30-second timeout once (about 35 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig, KubernetesObjectApi, ListWatch, Watch, type KubernetesObject } from '@kubernetes/client-node';
import { startVigil } from '../../testbed/vigil.ts';

const WRITES_DURING_RECONNECT = 10;

/** client-node's Watch, noting each connection and, when one ends, making writes before the informer reconnects. */
class ReconnectProbe extends Watch {
  connections = 0;
  endings: unknown[] = [];
  #onEnd: (error: unknown) => Promise<void>;

  constructor(config: KubeConfig, onEnd: (error: unknown) => Promise<void>) {
    super(config);
    this.#onEnd = onEnd;
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    this.connections += 1;
    return await super.watch(path, queryParams, callback, (error: unknown) => {
      this.endings.push(error);
      // The informer reconnects only once `done` runs: everything written here falls in the reconnect window.
      this.#onEnd(error).then(() => done(error), () => done(error));
    });
  }
}

test('across client-node\'s 30-second watch reconnect no event is lost or repeated', { timeout: 90_000 }, async () => {
  const server = await startVigil();
  try {
    const config = new KubeConfig();
    config.loadFromFile(server.kubeconfig);
    const api = KubernetesObjectApi.makeApiClient(config);
    const make = (name: string): KubernetesObject & { spec: object } =>
      ({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name, namespace: 'local' }, spec: { hostRef: 'local' } });
    let written = 0;
    const probe = new ReconnectProbe(config, async () => {
      if (written > 0) return; // only the first reconnect
      for (; written < WRITES_DURING_RECONNECT; written += 1) await api.create(make(`during-${written}`));
    });
    let lists = 0;
    const informer = new ListWatch('/apis/vigil.dev/v1alpha1/namespaces/local/containers', probe, () => {
      lists += 1;
      return api.list('vigil.dev/v1alpha1', 'Container', 'local');
    }, false);
    const added: string[] = [];
    informer.on('add', (object) => added.push(object.metadata?.name ?? ''));
    informer.on('update', (object) => added.push(`update ${object.metadata?.name ?? ''}`));
    await api.create(make('before'));
    await informer.start();
    try {
      const deadline = Date.now() + 60_000;
      while (added.length < 1 + WRITES_DURING_RECONNECT) {
        if (Date.now() > deadline) throw new Error(`only ${JSON.stringify(added)} after 60 s (connections ${probe.connections})`);
        await sleep(200);
      }
      await sleep(500);
      assert.equal(probe.connections, 2, 'one reconnect');
      assert.equal((probe.endings[0] as Error | undefined)?.name, 'TimeoutError', 'the first watch ended by client-node\'s 30 s timeout');
      assert.equal(lists, 1, 'resumed from its resourceVersion without relisting');
      assert.deepEqual(added, ['before', ...Array.from({ length: WRITES_DURING_RECONNECT }, (_, i) => `during-${i}`)]);
    } finally {
      await informer.stop();
    }
  } finally {
    await server.stop();
  }
});
