// The encryption key check: the first start writes it, the same key verifies it, another key is refused with a
// message naming both key ids (never the keys), and a rotated keyring ("NEW,OLD") seals it again with the new key.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { keyFromText, SecretBox } from '../../../apiserver/auth/secret-box.ts';
import { EncryptionKeyMismatch, KEY_CHECK_KEY, verifyEncryptionKey } from '../../../apiserver/auth/key-check.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function freshStore(): ReturnType<typeof openEmbeddedStore> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-key-check-'));
  dirs.push(dir);
  return openEmbeddedStore({ path: join(dir, 'store.db') });
}

describe('encryption key check', () => {
  const keyA = SecretBox.generateKeyText();
  const keyB = SecretBox.generateKeyText();

  test('written on the first start, verified by the same key on the next', async () => {
    const store = freshStore();
    try {
      assert.equal(await verifyEncryptionKey(store, new SecretBox([keyFromText(keyA)])), 'created');
      assert.equal(await verifyEncryptionKey(store, new SecretBox([keyFromText(keyA)])), 'verified');
      const stored = JSON.stringify(await store.get(KEY_CHECK_KEY));
      assert.ok(!stored.includes(keyA), 'the key itself is not stored');
    } finally {
      await store.close();
    }
  });

  test('another key is refused with a message naming both key ids and the remedy', async () => {
    const store = freshStore();
    try {
      await verifyEncryptionKey(store, new SecretBox([keyFromText(keyA)]));
      const other = new SecretBox([keyFromText(keyB)]);
      await assert.rejects(verifyEncryptionKey(store, other), (error: unknown) => {
        assert.ok(error instanceof EncryptionKeyMismatch);
        assert.match(error.message, new RegExp(`this replica's encryption key \\(id ${other.primaryKeyId}\\) is not the key the other replicas of this store use \\(id ${keyFromText(keyA).id}\\)`));
        assert.match(error.message, /same VIGIL_ENCRYPTION_KEY/);
        assert.ok(!error.message.includes(keyB) && !error.message.includes(keyA), 'no key in the message');
        return true;
      });
    } finally {
      await store.close();
    }
  });

  test('a rotated keyring (new key first, old key listed) seals the check again with the new key', async () => {
    const store = freshStore();
    try {
      await verifyEncryptionKey(store, new SecretBox([keyFromText(keyA)]));
      assert.equal(await verifyEncryptionKey(store, new SecretBox([keyFromText(keyB), keyFromText(keyA)])), 'resealed');
      assert.equal(await verifyEncryptionKey(store, new SecretBox([keyFromText(keyB)])), 'verified');
      await assert.rejects(verifyEncryptionKey(store, new SecretBox([keyFromText(keyA)])), EncryptionKeyMismatch);
    } finally {
      await store.close();
    }
  });
});
