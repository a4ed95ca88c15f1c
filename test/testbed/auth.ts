// Authentication for tests that build the app in process (buildApp needs an AuthService): one set up with an admin
// and its API token, its identities in a private in-memory SQLite store (apart from the store the app serves, so
// auth records never add revisions or events to the resources a test watches), or one with authentication off,
// explicitly. Users and tokens are made through the service itself: no HTTP, no sign-in rate limit.
import { AuthService } from '../../apiserver/auth/service.ts';
import { createUser } from '../../apiserver/auth/accounts.ts';
import { keyFromText, SecretBox } from '../../apiserver/auth/secret-box.ts';
import type { RoleId } from '../../apiserver/auth/permissions.ts';
import { openEmbeddedStore } from '../../apiserver/storage/sqlite/store.ts';
import type { Store } from '../../apiserver/storage/interface.ts';

export interface TestUser {
  username: string;
  password: string;
  role: RoleId;
  /** An API token of the user (Authorization: Bearer). */
  token: string;
}

export interface TestAuth {
  auth: AuthService;
  /** The first admin, created by setup. */
  admin: TestUser;
  /** A new user of `role` with an API token; the username defaults to ROLE-N. */
  user(role: RoleId, username?: string): Promise<TestUser>;
  /** `{ authorization: 'Bearer …' }` for a token (the admin's by default). */
  headers(token?: string): Record<string, string>;
  close(): Promise<void>;
}

export interface TestAuthOptions {
  /** The store holding the identities. Default: a private in-memory one, closed by close(). */
  store?: Store;
  /** The clock of sessions and lockouts. Default: the system clock. */
  now?: () => Date;
}

/** Cheaper than the default cost (2^15) so suites stay fast on two shared cores; the parameters travel in each hash. */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };

const CLIENT = { ip: '127.0.0.1', userAgent: 'vigil-tests' };

function newAuthService(store: Store, mode: 'on' | 'off', now: (() => Date) | undefined): AuthService {
  return new AuthService({
    store,
    encryption: new SecretBox([keyFromText(SecretBox.generateKeyText())]),
    dataDir: undefined,
    mode,
    scrypt: TEST_SCRYPT,
    ...(now === undefined ? {} : { now }),
  });
}

/** An AuthService with authentication on, set up with an admin that has an API token. */
export async function testAuth(options: TestAuthOptions = {}): Promise<TestAuth> {
  const ownStore = options.store === undefined ? openEmbeddedStore({ path: ':memory:', compactionIntervalMs: 0 }) : undefined;
  const store = options.store ?? ownStore;
  if (store === undefined) throw new Error('unreachable: a store is always chosen');
  const auth = newAuthService(store, 'on', options.now);
  const setupToken = await auth.prepareSetup();
  const password = 'admin-pass-1';
  const { user } = await auth.setup(setupToken, 'admin', password, CLIENT);
  const admin: TestUser = { username: user.username, password, role: 'admin', token: (await auth.issueApiToken(user, 'tests')).token };
  const counters = new Map<RoleId, number>();
  return {
    auth,
    admin,
    user: async (role, username) => {
      const count = (counters.get(role) ?? 0) + 1;
      counters.set(role, count);
      const name = username ?? `${role}-${count}`;
      const userPassword = `${name}-pass-1`;
      const record = await createUser(auth.context, name, userPassword, role);
      return { username: name, password: userPassword, role, token: (await auth.issueApiToken(record, 'tests')).token };
    },
    headers: (token = admin.token) => ({ authorization: `Bearer ${token}` }),
    close: async () => await ownStore?.close(),
  };
}

/**
 * Authentication off, as `vigil serve --auth off`: every request is an anonymous admin. For the tests that are about
 * something else and say so by calling this.
 */
export function authOff(): { auth: AuthService; close(): Promise<void> } {
  const store = openEmbeddedStore({ path: ':memory:', compactionIntervalMs: 0 });
  return { auth: newAuthService(store, 'off', undefined), close: async () => await store.close() };
}
