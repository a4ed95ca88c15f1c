// Who may sign in, persisted in the same store as the resources but under /vigil/auth/, a prefix the resource API
// never serves and the watch cache does not mirror. Each record is wrapped in a StoredObject so that both backends
// (SQLite, etcd) and their optimistic concurrency work unchanged. What is secret is never stored in clear: passwords
// as scrypt hashes, session and API tokens and recovery codes as SHA-256 hashes, TOTP secrets sealed (secret-box.ts).
import type { Store, StoredObject } from '../storage/interface.ts';
import { isStorageError } from '../storage/errors.ts';
import type { RoleId } from './permissions.ts';

export const AUTH_PREFIX = '/vigil/auth/';

export interface UserRecord {
  id: string;
  username: string;
  role: RoleId;
  passwordHash: string;
  createdAt: string;
  /** Consecutive failed sign-ins (password or second factor); reset by a success. */
  failedLogins: number;
  lockedUntil?: string;
  /** Confirmed two-factor secret, sealed; absent when two-factor is off. */
  totpSecret?: string;
  /** The time step of the last accepted code, so one code is never accepted twice. */
  totpLastStep?: number;
  /** A secret offered by /totp/setup, sealed, until /totp/confirm proves the authenticator has it. */
  totpPendingSecret?: string;
  /** SHA-256 of each unused recovery code. */
  recoveryCodeHashes: string[];
  /** The WebAuthn user handle (32 random bytes, base64url) every passkey of this user carries; made at the first registration. */
  webauthnUserId?: string;
  /** The single sign-on identity linked to this account (also indexed in the directory). */
  oidc?: { issuer: string; subject: string };
}

/** The one record every user change goes through, so uniqueness and "at least one admin" hold under races. */
export interface DirectoryRecord {
  /** Lower-cased username → user id. */
  usernames: Record<string, string>;
  admins: string[];
  /** OpenID identities → user id, keyed by oidcIdentityKey(issuer, subject): the only way an identity finds its account. */
  oidcIdentities?: Record<string, string>;
}

/** The directory key of an OpenID identity: issuer and subject together, never a name or an email. */
export function oidcIdentityKey(issuer: string, subject: string): string {
  return JSON.stringify([issuer, subject]);
}

export interface SessionRecord {
  /** SHA-256 of the session token; also the session's public id (it cannot be turned back into the token). */
  id: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string;
  ip: string;
  userAgent: string;
  /** SHA-256 of the CSRF token handed out with this session. */
  csrfHash: string;
}

export interface TokenRecord {
  id: string;
  /** SHA-256 of the token. */
  hash: string;
  name: string;
  userId: string;
  createdAt: string;
  lastUsedAt?: string;
}

/** A password accepted, waiting for the second factor (`totp_token`). */
export interface PendingLoginRecord {
  userId: string;
  expiresAt: string;
}

/** A registered passkey, keyed by its credential ID (base64url). Only the public key is stored: it is no secret. */
export interface PasskeyRecord {
  /** The credential ID, base64url. */
  id: string;
  userId: string;
  name: string;
  /** COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter at the last verified use (0 for authenticators that keep none). */
  counter: number;
  transports: string[];
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  /** The relying-party ID it was registered for. */
  rpId: string;
  createdAt: string;
  lastUsedAt?: string;
}

/**
 * A WebAuthn ceremony begun and not finished: the challenge Vigil sent, kept server-side (so the client's copy is
 * never trusted), keyed by the SHA-256 of the challenge, used once and only until it expires.
 */
export interface CeremonyRecord {
  kind: 'registration' | 'login';
  /** The challenge sent, base64url. */
  challenge: string;
  /**
   * Who may finish it: for a registration the session or API token that began it; for a login the SHA-256 of the
   * ceremony cookie handed to the browser that began it.
   */
  binding: string;
  /** The registering user (registrations only). */
  userId?: string;
  expiresAt: string;
}

/** A single sign-on begun at /api/auth/oidc/login, keyed by the SHA-256 of its cookie; used once by the callback. */
export interface OidcLoginRecord {
  /** Its own key: the SHA-256 of the cookie. */
  id: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  expiresAt: string;
}

/**
 * Failed sign-ins under a username that does not exist, so that it locks exactly like a real account on every
 * replica (the answer never tells whether an account exists). Keyed by SHA-256 of the lower-cased name.
 */
export interface PhantomRecord {
  failures: number;
  lockedUntil?: string;
  lastFailureAt: string;
}

export interface AuthConfigRecord {
  /** Switched by an admin with POST /api/auth/settings; the start-up configuration can override it. */
  authEnabled: boolean;
}

interface Envelope<T> extends StoredObject {
  record: T;
}

function envelope<T>(kind: string, name: string, record: T): Envelope<T> {
  return { apiVersion: 'auth.vigil.dev/v1', kind, metadata: { name }, record };
}

function recordOf<T>(object: StoredObject): T {
  const record = object.record;
  if (typeof record !== 'object' || record === null) throw new Error(`${object.kind} ${object.metadata.name} has no record`);
  // The record was written by this module (envelope()); the store hands back the same JSON.
  return record as T;
}

/** Thrown by an update function to leave the record unchanged and report why. */
export class RecordRefused extends Error {}

/** The records of one kind, one store key each. */
export class RecordCollection<T> {
  readonly #store: Store;
  readonly #prefix: string;
  readonly #kind: string;

  constructor(store: Store, kind: string, folder: string) {
    this.#store = store;
    this.#kind = kind;
    this.#prefix = `${AUTH_PREFIX}${folder}/`;
  }

  #key(id: string): string {
    if (id === '' || id.includes('/')) throw new RecordRefused(`invalid ${this.#kind} id`);
    return `${this.#prefix}${id}`;
  }

  async get(id: string): Promise<T | undefined> {
    try {
      return recordOf<T>(await this.#store.get(this.#key(id)));
    } catch (error) {
      if (isStorageError(error, 'NotFound') || error instanceof RecordRefused) return undefined;
      throw error;
    }
  }

  /** False when the id is taken. */
  async create(id: string, record: T): Promise<boolean> {
    try {
      await this.#store.create(this.#key(id), envelope(this.#kind, id, record));
      return true;
    } catch (error) {
      if (isStorageError(error, 'KeyExists')) return false;
      throw error;
    }
  }

  /** Applies `mutate` to the newest state (retried on conflict); undefined when the record does not exist. */
  async update(id: string, mutate: (record: T) => T): Promise<T | undefined> {
    try {
      const updated = await this.#store.guaranteedUpdate(this.#key(id), (current) => envelope(this.#kind, id, mutate(recordOf<T>(current))));
      return recordOf<T>(updated);
    } catch (error) {
      if (isStorageError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  /** True when it existed. */
  async delete(id: string): Promise<boolean> {
    try {
      await this.#store.delete(this.#key(id));
      return true;
    } catch (error) {
      if (isStorageError(error, 'NotFound') || error instanceof RecordRefused) return false;
      throw error;
    }
  }

  async list(): Promise<T[]> {
    const records: T[] = [];
    let token: string | undefined;
    do {
      const page = await this.#store.list(this.#prefix, { limit: 500, ...(token === undefined ? {} : { continue: token }) });
      for (const item of page.items) records.push(recordOf<T>(item));
      token = page.continue;
    } while (token !== undefined);
    return records;
  }
}

/** Every auth record, by kind. Singletons (config, directory) live in a collection under a fixed id. */
export class IdentityStore {
  readonly users: RecordCollection<UserRecord>;
  readonly sessions: RecordCollection<SessionRecord>;
  readonly tokens: RecordCollection<TokenRecord>;
  readonly pendingLogins: RecordCollection<PendingLoginRecord>;
  readonly passkeys: RecordCollection<PasskeyRecord>;
  readonly ceremonies: RecordCollection<CeremonyRecord>;
  readonly oidcLogins: RecordCollection<OidcLoginRecord>;
  readonly phantoms: RecordCollection<PhantomRecord>;
  readonly #singletons: RecordCollection<DirectoryRecord | AuthConfigRecord>;

  constructor(store: Store) {
    this.users = new RecordCollection(store, 'User', 'users');
    this.sessions = new RecordCollection(store, 'Session', 'sessions');
    this.tokens = new RecordCollection(store, 'Token', 'tokens');
    this.pendingLogins = new RecordCollection(store, 'PendingLogin', 'pending-logins');
    this.passkeys = new RecordCollection(store, 'Passkey', 'passkeys');
    this.ceremonies = new RecordCollection(store, 'WebAuthnCeremony', 'webauthn-ceremonies');
    this.oidcLogins = new RecordCollection(store, 'OidcLogin', 'oidc-logins');
    this.phantoms = new RecordCollection(store, 'PhantomAccount', 'phantoms');
    this.#singletons = new RecordCollection(store, 'AuthState', 'state');
  }

  /** Undefined until the first admin is created: Vigil is "not set up". */
  async directory(): Promise<DirectoryRecord | undefined> {
    return (await this.#singletons.get('directory')) as DirectoryRecord | undefined;
  }

  /** False when a directory exists already (someone else finished the setup first). */
  async createDirectory(record: DirectoryRecord): Promise<boolean> {
    return await this.#singletons.create('directory', record);
  }

  async updateDirectory(mutate: (record: DirectoryRecord) => DirectoryRecord): Promise<DirectoryRecord | undefined> {
    return (await this.#singletons.update('directory', (record) => mutate(record as DirectoryRecord))) as DirectoryRecord | undefined;
  }

  async config(): Promise<AuthConfigRecord> {
    return ((await this.#singletons.get('config')) as AuthConfigRecord | undefined) ?? { authEnabled: true };
  }

  async setConfig(record: AuthConfigRecord): Promise<void> {
    if (await this.#singletons.create('config', record)) return;
    await this.#singletons.update('config', () => record);
  }
}
