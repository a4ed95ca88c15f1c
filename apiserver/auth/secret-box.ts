// Encryption at rest for the secrets the store holds (Secret objects, TOTP secrets): AES-256-GCM with a random 96-bit
// nonce per value, authenticated together with a context string (the store key), so a sealed value copied to
// another key does not open. The key lives outside the store: VIGIL_ENCRYPTION_KEY, or DATA_DIR/encryption.key,
// created with mode 0600 on first start. Each sealed value names its key by id, so keys can be rotated: the first
// key encrypts, every listed key decrypts ("NEW,OLD" in the variable, or one key per line in the file).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = 'vigil-aes256gcm';
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;

export interface EncryptionKey {
  /** First 8 hex digits of SHA-256 of the key: names the key in every sealed value without revealing it. */
  id: string;
  key: Buffer;
}

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export function keyFromText(text: string): EncryptionKey {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, /[-_]/.test(trimmed) ? 'base64url' : 'base64');
  if (key.length !== 32) throw new SecretBoxError('an encryption key must be 32 random bytes, base64-encoded (44 characters; e.g. `openssl rand -base64 32`)');
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

export class SecretBox {
  readonly #primary: EncryptionKey;
  readonly #keys: Map<string, EncryptionKey>;

  constructor(keys: readonly EncryptionKey[]) {
    const primary = keys[0];
    if (primary === undefined) throw new SecretBoxError('at least one encryption key is required');
    this.#primary = primary;
    this.#keys = new Map(keys.map((key) => [key.id, key]));
  }

  static generateKeyText(): string {
    return randomBytes(32).toString('base64');
  }

  get primaryKeyId(): string {
    return this.#primary.id;
  }

  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(`${VERSION}:`);
  }

  /** `vigil-aes256gcm:KEYID:base64url(nonce | ciphertext | tag)`. */
  seal(plaintext: string, context: string): string {
    const nonce = randomBytes(NONCE_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', this.#primary.key, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${this.#primary.id}:${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  open(sealed: string, context: string): string {
    const [version, keyId, payload] = sealed.split(':');
    if (version !== VERSION || keyId === undefined || payload === undefined) throw new SecretBoxError('not a sealed value');
    const key = this.#keys.get(keyId);
    if (key === undefined) throw new SecretBoxError(`the value was encrypted with key ${keyId}, which is not configured (VIGIL_ENCRYPTION_KEY or encryption.key)`);
    const bytes = Buffer.from(payload, 'base64url');
    if (bytes.length < NONCE_LENGTH + TAG_LENGTH) throw new SecretBoxError('the sealed value is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key.key, bytes.subarray(0, NONCE_LENGTH));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_LENGTH));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(NONCE_LENGTH, bytes.length - TAG_LENGTH)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(`the value does not decrypt with key ${keyId}: it was altered or belongs to another key`);
    }
  }
}

export interface KeyringOptions {
  dataDir: string;
  /** The environment; VIGIL_ENCRYPTION_KEY wins over the file. */
  env: NodeJS.ProcessEnv;
}

export interface Keyring {
  box: SecretBox;
  /** Where the keys came from, for the start-up log (never the keys themselves). */
  source: string;
  created: boolean;
  /** A reason to warn, e.g. a key file readable by others. */
  warning: string | undefined;
}

export const ENCRYPTION_KEY_FILE = 'encryption.key';

function parseKeys(text: string, source: string): EncryptionKey[] {
  const keys = text
    .split(/[,\n]/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      try {
        return keyFromText(line);
      } catch (error) {
        throw new SecretBoxError(`${source}: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  if (keys.length === 0) throw new SecretBoxError(`${source} holds no key`);
  return keys;
}

/** Loads the keys, creating DATA_DIR/encryption.key (0600) when neither the variable nor the file exists. */
export function loadKeyring(options: KeyringOptions): Keyring {
  const fromEnv = options.env.VIGIL_ENCRYPTION_KEY;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { box: new SecretBox(parseKeys(fromEnv, 'VIGIL_ENCRYPTION_KEY')), source: 'environment variable VIGIL_ENCRYPTION_KEY', created: false, warning: undefined };
  }
  const path = join(options.dataDir, ENCRYPTION_KEY_FILE);
  let created = false;
  if (!existsSync(path)) {
    // 'wx' fails if another process created it meanwhile: we then read theirs instead of overwriting it.
    try {
      writeFileSync(path, `${SecretBox.generateKeyText()}\n`, { mode: 0o600, flag: 'wx' });
      created = true;
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
    }
  }
  const mode = statSync(path).mode & 0o777;
  const warning = (mode & 0o077) !== 0 ? `${path} is readable by other users (mode ${mode.toString(8)}): chmod 600 it` : undefined;
  return { box: new SecretBox(parseKeys(readFileSync(path, 'utf8'), path)), source: path, created, warning };
}
