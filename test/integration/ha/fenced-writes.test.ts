// Fenced writes on a real etcd: a controller write carries the leader's election key and create revision, and etcd
// refuses it once that key is gone, even while the deposed leader still believes it leads (frozen past its lease,
// its watch not yet delivered). The replica's own view is taken out of the picture on purpose: the late writes below
// run with the fence the old leader held, as a pass that was running when the process froze would. One etcd process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Etcd3 } from 'etcd3';
import { createClient, resolveOptions } from '../../../apiserver/storage/etcd/options.ts';
import { EtcdStore } from '../../../apiserver/storage/etcd/store.ts';
import { runFenced, type WriteFence } from '../../../apiserver/storage/fence.ts';
import { isStorageError } from '../../../apiserver/storage/errors.ts';
import type { StoredObject } from '../../../apiserver/storage/interface.ts';
import { EtcdLeaderElector } from '../../../controllers/runtime/etcd-leader-election.ts';
import { LeaderFencedClient } from '../../../controllers/runtime/fenced-client.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import { startEtcd, type EtcdServer } from '../../testbed/etcd.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { updatePolicy } from '../apiserver/fixtures/api.ts';

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + deadlines.condition;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${deadlines.condition} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function thing(name: string): StoredObject {
  return { apiVersion: 'test.vigil.dev/v1', kind: 'Thing', metadata: { name }, spec: { n: 1 } };
}

const refused = (error: unknown): boolean => isStorageError(error, 'Fenced') && /this replica no longer leads .*fenced write/.test(error.message);

describe('fenced writes', () => {
  let etcd: EtcdServer;
  let store: EtcdStore;
  let raw: Etcd3;
  let first: EtcdLeaderElector;
  let second: EtcdLeaderElector;
  before(async () => {
    etcd = await startEtcd();
    const endpoints = [etcd.endpoint];
    store = new EtcdStore({ endpoints });
    raw = createClient({ endpoints }, resolveOptions({ endpoints }));
    first = new EtcdLeaderElector({ endpoints, ttlSeconds: 2, identity: 'first' });
    second = new EtcdLeaderElector({ endpoints, ttlSeconds: 2, identity: 'second' });
  });
  after(async () => {
    await first?.close();
    await second?.close();
    raw?.close();
    await store?.close();
    await etcd?.cleanup();
  });

  test('a deposed leader\'s late create, update and delete are refused by etcd; the new leader\'s writes land', async () => {
    first.runWhenLeader(() => undefined, () => undefined);
    await until('the first candidate leads', () => first.isLeader());
    second.runWhenLeader(() => undefined, () => undefined);
    const held = first.writeFence();
    assert.ok(held !== undefined, 'a leader on etcd has a write fence');
    assert.equal(second.writeFence(), undefined, 'a follower has none');
    await runFenced(held, () => store.create('/registry/fenced/kept', thing('kept')));

    // Deposed behind its back, as the lease expiring while the process is frozen would: its key is deleted.
    await raw.delete().key(held.key).exec();
    await until('the second candidate leads', () => second.isLeader());
    const late = (write: () => Promise<unknown>): Promise<void> => assert.rejects(runFenced(held, write), refused);
    await late(() => store.create('/registry/fenced/late', thing('late')));
    await late(() => store.guaranteedUpdate('/registry/fenced/kept', (current) => ({ ...current, spec: { n: 2 } })));
    await late(() => store.delete('/registry/fenced/kept'));
    await assert.rejects(store.get('/registry/fenced/late'), (error: unknown) => isStorageError(error, 'NotFound'));
    assert.deepEqual((await store.get('/registry/fenced/kept')).spec, { n: 1 }, 'the late update did not land');

    const current = second.writeFence();
    assert.ok(current !== undefined);
    await runFenced(current, () => store.guaranteedUpdate('/registry/fenced/kept', (object) => ({ ...object, spec: { n: 3 } })));
    assert.deepEqual((await store.get('/registry/fenced/kept')).spec, { n: 3 });
  });

  test('through the controllers\' client: a replica that still believes it leads has its write refused by the fence', async () => {
    const stale: WriteFence = { key: 'vigil/election/vigil-controllers/deposed', createRevision: '1' };
    const believesItLeads = new LeaderFencedClient(new ResourceRegistry({ store }), () => true, () => stale);
    await assert.rejects(believesItLeads.create(updatePolicy('late-policy')), (error: unknown) => error instanceof Error && /no longer leads/.test(error.message));
    const current = second.writeFence();
    const leader = new LeaderFencedClient(new ResourceRegistry({ store }), () => true, () => current);
    const created = await leader.create(updatePolicy('leader-policy'));
    assert.equal(created.metadata.name, 'leader-policy');
  });
});
