// One encryption key for every replica: a known text sealed with the key is kept in the store (the key check). A
// replica started with another key finds that it cannot open the check and refuses to start, saying so, instead of
// failing later on every Secret and second factor (or, worse, sealing new Secrets that the other replicas cannot
// open). The first start on an empty store writes the check; a start whose keyring opens it with an older key (a
// rotation: "NEW,OLD") seals it again with the new primary key.
import type { Store, StoredObject } from '../storage/interface.ts';
import { isStorageError } from '../storage/errors.ts';
import { SecretBox, SecretBoxError } from './secret-box.ts';

/** Outside /registry/ (the resource API never serves it, the watch cache does not mirror it). */
export const KEY_CHECK_KEY = '/vigil/encryption/key-check';
const CHECK_TEXT = 'vigil encryption key check';

export class EncryptionKeyMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptionKeyMismatch';
  }
}

export type KeyCheckOutcome = 'created' | 'verified' | 'resealed';

// Not `sealed`: the encrypting store opens any object with a `sealed` field as one of its own.
function sealedOf(object: StoredObject): string {
  const sealed = object.check;
  if (typeof sealed !== 'string') throw new EncryptionKeyMismatch(`the key check at ${KEY_CHECK_KEY} holds no sealed value: the store was not written by Vigil`);
  return sealed;
}

function checkObject(box: SecretBox): StoredObject {
  return { apiVersion: 'auth.vigil.dev/v1', kind: 'KeyCheck', metadata: { name: 'key-check' }, check: box.seal(CHECK_TEXT, KEY_CHECK_KEY) };
}

function keyIdOf(sealed: string): string {
  return sealed.split(':')[1] ?? 'unknown';
}

/** Writes the check on first start, else proves `box` opens it; throws EncryptionKeyMismatch when it does not. */
export async function verifyEncryptionKey(store: Store, box: SecretBox): Promise<KeyCheckOutcome> {
  let existing: StoredObject;
  try {
    existing = await store.get(KEY_CHECK_KEY);
  } catch (error) {
    if (!isStorageError(error, 'NotFound')) throw error;
    try {
      await store.create(KEY_CHECK_KEY, checkObject(box));
      return 'created';
    } catch (createError) {
      // Another replica wrote it first: check against theirs.
      if (!isStorageError(createError, 'KeyExists')) throw createError;
      existing = await store.get(KEY_CHECK_KEY);
    }
  }
  const sealed = sealedOf(existing);
  try {
    if (box.open(sealed, KEY_CHECK_KEY) !== CHECK_TEXT) throw new SecretBoxError('the key check holds another text');
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    throw new EncryptionKeyMismatch(
      `this replica's encryption key (id ${box.primaryKeyId}) is not the key the other replicas of this store use (id ${keyIdOf(sealed)}): ` +
        'start every replica with the same VIGIL_ENCRYPTION_KEY (or the same DATA_DIR/encryption.key); refusing to start',
    );
  }
  if (keyIdOf(sealed) === box.primaryKeyId) return 'verified';
  await store.guaranteedUpdate(KEY_CHECK_KEY, () => checkObject(box));
  return 'resealed';
}
