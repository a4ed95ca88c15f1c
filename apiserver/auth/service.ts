// The authentication service: one object the HTTP plugin and the routes call, over the records in the store.
import type { Logger } from 'pino';
import type { Store } from '../storage/interface.ts';
import type { AuthContext, AuthLimits, ClientInfo } from './context.ts';
import { DEFAULT_LIMITS } from './context.ts';
import { IdentityStore, type SessionRecord, type TokenRecord, type UserRecord } from './identity-store.ts';
import type { SecretBox } from './secret-box.ts';
import { DEFAULT_SCRYPT, type ScryptParameters } from './passwords.ts';
import { authErrors } from './errors.ts';
import { createFirstAdmin } from './accounts.ts';
import { createApiToken, startSession, resolveApiToken, resolveSession, type IssuedSession, type IssuedToken } from './sessions.ts';
import { login, newSignInState, verifySecondFactor, type LoginResult, type SignInState } from './sign-in.ts';
import { issueSetupToken, removeSetupToken } from './setup-token.ts';
import { secretsEqual } from './tokens.ts';
import type { RoleId } from './permissions.ts';

export interface AuthServiceOptions {
  store: Store;
  /** Seals TOTP secrets (the same key as the Secrets' encryption at rest). */
  encryption: SecretBox;
  /** Where the setup token file is written; undefined writes none (the token is only logged). */
  dataDir: string | undefined;
  /**
   * 'off' switches authentication off from the configuration at start (--auth=off): everyone is admin, whatever the
   * stored setting, and no API call can switch it back on. Default 'on': the stored setting decides (on by default).
   */
  mode?: 'on' | 'off';
  /** The clock (tests step a fake one). Default: the system clock. */
  now?: () => Date;
  limits?: Partial<AuthLimits>;
  /** Password hashing cost. Default DEFAULT_SCRYPT (N = 2^15, r = 8, p = 1). */
  scrypt?: ScryptParameters;
  logger?: Logger;
  /**
   * Runs once the first admin exists, before POST /setup answers (`vigil serve` mints the token of its kubeconfig
   * here). A failure is logged and does not undo the setup.
   */
  afterSetup?: (admin: UserRecord) => Promise<void>;
}

/** Who a request is. `user` is absent when authentication is off (everyone is an anonymous admin). */
export interface Principal {
  via: 'session' | 'token' | 'auth-disabled';
  role: RoleId;
  user: UserRecord | undefined;
  session: SessionRecord | undefined;
  token: TokenRecord | undefined;
}

export class AuthService {
  readonly context: AuthContext;
  readonly #mode: 'on' | 'off';
  readonly #dataDir: string | undefined;
  readonly #signIn: SignInState;
  readonly #afterSetup: ((admin: UserRecord) => Promise<void>) | undefined;
  #setUp = false;
  #setupToken: string | undefined;

  constructor(options: AuthServiceOptions) {
    this.context = {
      identities: new IdentityStore(options.store),
      box: options.encryption,
      now: options.now ?? (() => new Date()),
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      scrypt: options.scrypt ?? DEFAULT_SCRYPT,
      log: options.logger,
    };
    this.#mode = options.mode ?? 'on';
    this.#dataDir = options.dataDir;
    this.#signIn = newSignInState(this.context);
    this.#afterSetup = options.afterSetup;
  }

  get forcedOff(): boolean {
    return this.#mode === 'off';
  }

  /** Whether the first admin exists. Once true it stays true (the last admin cannot be removed). */
  async isSetUp(): Promise<boolean> {
    if (!this.#setUp) this.#setUp = (await this.context.identities.directory()) !== undefined;
    return this.#setUp;
  }

  async authEnabled(): Promise<boolean> {
    if (this.#mode === 'off') return false;
    return (await this.context.identities.config()).authEnabled;
  }

  /**
   * Issues the setup token when Vigil is not set up yet (returned, for the log; also written to DATA_DIR/setup-token)
   * and removes a stale token file otherwise. Call once at start.
   */
  async prepareSetup(): Promise<string | undefined> {
    if (await this.isSetUp()) {
      removeSetupToken(this.#dataDir);
      return undefined;
    }
    this.#setupToken = issueSetupToken(this.#dataDir);
    return this.#setupToken;
  }

  async setup(setupToken: unknown, username: unknown, password: unknown, client: ClientInfo): Promise<{ user: UserRecord; session: IssuedSession }> {
    if (await this.isSetUp()) {
      // Set up through another replica of the same store meanwhile: this replica's token is void, its file goes too.
      this.#setupToken = undefined;
      removeSetupToken(this.#dataDir);
      throw authErrors.conflict('setup is already complete');
    }
    const expected = this.#setupToken;
    if (expected === undefined || typeof setupToken !== 'string' || !secretsEqual(setupToken, expected)) {
      throw authErrors.forbidden('a valid setup token is required: it is in the server log and in DATA_DIR/setup-token');
    }
    const user = await createFirstAdmin(this.context, username, password);
    if (user === undefined) throw authErrors.conflict('setup is already complete');
    this.#setUp = true;
    this.#setupToken = undefined;
    removeSetupToken(this.#dataDir);
    this.context.log?.info({ username: user.username }, 'setup complete: the first admin was created');
    try {
      await this.#afterSetup?.(user);
    } catch (error) {
      this.context.log?.error({ err: error }, 'after setup');
    }
    return { user, session: await startSession(this.context, user, client) };
  }

  async login(username: unknown, password: unknown, client: ClientInfo): Promise<LoginResult> {
    return await login(this.context, this.#signIn, username, password, client);
  }

  async verifySecondFactor(totpToken: unknown, code: unknown, client: ClientInfo): Promise<{ session: IssuedSession; user: UserRecord }> {
    return await verifySecondFactor(this.context, totpToken, code, client);
  }

  async principalFromSession(token: string): Promise<Principal | undefined> {
    const found = await resolveSession(this.context, token);
    return found === undefined ? undefined : { via: 'session', role: found.user.role, user: found.user, session: found.session, token: undefined };
  }

  async principalFromToken(token: string): Promise<Principal | undefined> {
    const found = await resolveApiToken(this.context, token);
    return found === undefined ? undefined : { via: 'token', role: found.user.role, user: found.user, session: undefined, token: found.token };
  }

  /** The first of the admins (normally the one created at setup); undefined before setup. */
  async firstAdmin(): Promise<UserRecord | undefined> {
    const directory = await this.context.identities.directory();
    for (const id of directory?.admins ?? []) {
      const user = await this.context.identities.users.get(id);
      if (user !== undefined) return user;
    }
    return undefined;
  }

  /** A new API token of `user` (as POST /api/auth/tokens makes one): its value is returned once, only its hash is stored. */
  async issueApiToken(user: UserRecord, name: string): Promise<IssuedToken> {
    return await createApiToken(this.context, user, name);
  }

  async setAuthEnabled(enabled: unknown): Promise<void> {
    if (typeof enabled !== 'boolean') throw authErrors.badRequest('auth_enabled must be true or false');
    if (this.#mode === 'off' && enabled) throw authErrors.conflict('authentication is switched off by the configuration at start (--auth=off); restart without it');
    if (enabled && !(await this.isSetUp())) throw authErrors.conflict('create the first admin with POST /setup before switching authentication on');
    await this.context.identities.setConfig({ authEnabled: enabled });
    this.context.log?.warn(`authentication switched ${enabled ? 'on' : 'OFF: everyone who reaches Vigil is an admin'}`);
  }
}

export const ANONYMOUS_ADMIN: Principal = { via: 'auth-disabled', role: 'admin', user: undefined, session: undefined, token: undefined };
