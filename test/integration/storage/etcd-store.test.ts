// The etcd store against a real etcd (Debian's 3.4): the shared store contract. One etcd serves the whole file;
// every contract test works under its own key prefix. What only etcd brings (restarts of etcd itself, compaction
// through etcd, an unreachable etcd, two clients) is in etcd-store-durability.test.ts.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdStore } from '../../../apiserver/storage/etcd/store.ts';
import { startEtcd } from '../../testbed/etcd.ts';
import { describeStoreContract } from '../../contract/store-contract.ts';

const etcd = await startEtcd();
after(() => etcd.cleanup());

function open(): EtcdStore {
  return new EtcdStore({ endpoints: [etcd.endpoint] });
}

describeStoreContract('etcd', {
  newStore: async () => open(),
  reopen: async (store) => {
    assert.ok(store instanceof EtcdStore);
    await store.close();
    return open();
  },
  secondClient: async () => open(),
});
