// Secrets at rest: the EncryptingStore passes the store contract (with every object sealed, so the contract
// exercises sealing on every path), stores no Secret value in clear in the SQLite file, keeps a write that changes
// nothing free, and works under the watch cache as `vigil serve` stacks them.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreContract } from '../../contract/store-contract.ts';
import { EncryptingStore } from '../../../apiserver/storage/encrypting-store.ts';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { keyFromText, SecretBox } from '../../../apiserver/auth/secret-box.ts';
import type { Store, StoredObject } from '../../../apiserver/storage/interface.ts';
import { isStorageError } from '../../../apiserver/storage/errors.ts';

const root = mkdtempSync(join(tmpdir(), 'vigil-encrypting-'));
after(() => rmSync(root, { recursive: true, force: true }));
let serial = 0;
const box = new SecretBox([keyFromText(SecretBox.generateKeyText())]);

function embedded(path = join(root, `db${++serial}`, 'vigil.db')): Store {
  return openEmbeddedStore({ path, compactionIntervalMs: 0 });
}

describeStoreContract('encrypting store over embedded (sqlite), everything sealed', {
  newStore: async () => new EncryptingStore({ backend: embedded(), box, prefixes: ['/registry/'] }),
});

describeStoreContract('watch cache over the encrypting store over embedded (sqlite), everything sealed', {
  newStore: async () => await CachedStore.open({ backend: new EncryptingStore({ backend: embedded(), box, prefixes: ['/registry/'] }) }),
});

const SECRET_VALUE = 'registry-password-Zq81xY';

function secret(name: string, value: string): StoredObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'vigil-system', labels: { app: 'vigil' } },
    type: 'Opaque',
    data: { password: Buffer.from(value).toString('base64') },
    stringData: { token: value },
  };
}

function fileContent(dir: string): string {
  // The database and its write-ahead log: a value in either would be on disk in clear.
  return readdirSync(dir)
    .map((name) => readFileSync(join(dir, name)).toString('latin1'))
    .join('\n');
}

describe('Secrets in the embedded store', () => {
  test('are sealed on disk, read back in clear, and selectable by label', async () => {
    const dir = join(root, `secrets${++serial}`);
    const store = await CachedStore.open({ backend: new EncryptingStore({ backend: embedded(join(dir, 'vigil.db')), box }) });
    try {
      await store.create('/registry/secrets/vigil-system/reg', secret('reg', SECRET_VALUE));
      await store.create('/registry/vigil.dev/hooks/h', { apiVersion: 'vigil.dev/v1alpha1', kind: 'Hook', metadata: { name: 'h' }, spec: { note: 'plain-hook-note' } });
      const read = await store.get('/registry/secrets/vigil-system/reg');
      assert.deepEqual(read.stringData, { token: SECRET_VALUE });
      assert.equal(read.sealed, undefined);
      const listed = await store.list('/registry/secrets/', { filter: (object) => object.metadata.labels?.app === 'vigil' });
      assert.equal(listed.items.length, 1);
      assert.deepEqual(listed.items[0]?.data, { password: Buffer.from(SECRET_VALUE).toString('base64') });
    } finally {
      await store.close();
    }
    const onDisk = fileContent(dir);
    assert.ok(!onDisk.includes(SECRET_VALUE), 'the plain value is not in the SQLite files');
    assert.ok(!onDisk.includes(Buffer.from(SECRET_VALUE).toString('base64')), 'the base64 value is not in the SQLite files');
    assert.ok(onDisk.includes('plain-hook-note'), 'other kinds stay readable (the check above can see plain text)');
  });

  test('a write that changes nothing gets no new revision, though sealing uses a fresh nonce', async () => {
    const store = new EncryptingStore({ backend: embedded(), box });
    try {
      const created = await store.create('/registry/secrets/vigil-system/same', secret('same', SECRET_VALUE));
      const unchanged = await store.guaranteedUpdate('/registry/secrets/vigil-system/same', (current) => current);
      assert.equal(unchanged.metadata.resourceVersion, created.metadata.resourceVersion);
      const changed = await store.guaranteedUpdate('/registry/secrets/vigil-system/same', (current) => ({ ...current, type: 'kubernetes.io/basic-auth' }));
      assert.ok(Number(changed.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
      assert.equal(changed.type, 'kubernetes.io/basic-auth');
    } finally {
      await store.close();
    }
  });

  test('a value sealed with a key that is no longer configured fails loudly, naming the key', async () => {
    const path = join(root, `db${++serial}`, 'vigil.db');
    const first = new EncryptingStore({ backend: embedded(path), box });
    await first.create('/registry/secrets/vigil-system/lost', secret('lost', SECRET_VALUE));
    await first.close();
    const otherBox = new SecretBox([keyFromText(SecretBox.generateKeyText())]);
    const second = new EncryptingStore({ backend: embedded(path), box: otherBox });
    try {
      await assert.rejects(second.get('/registry/secrets/vigil-system/lost'), (error: unknown) => {
        assert.ok(isStorageError(error, 'Internal'));
        assert.match(error.message, new RegExp(`key ${box.primaryKeyId}`));
        return true;
      });
    } finally {
      await second.close();
    }
  });
});
