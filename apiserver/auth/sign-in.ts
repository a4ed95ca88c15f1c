// Signing in: password, then the second factor when the user has one. Ten consecutive failures lock the account for
// 30 minutes. A locked account answers 429 with Retry-After before the password is even checked (so a right guess
// during the lock reveals nothing), and so does an unknown username after as many failures: the answer never tells
// whether an account exists.
import type { AuthContext, ClientInfo } from './context.ts';
import type { UserRecord } from './identity-store.ts';
import { AuthError, authErrors } from './errors.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { findUserByName } from './accounts.ts';
import { startSession, type IssuedSession } from './sessions.ts';
import { acceptTotp, looksLikeRecoveryCode, recoveryCodeHash } from './totp.ts';
import { randomToken, sha256Hex } from './tokens.ts';

export type LoginResult = { kind: 'session'; session: IssuedSession; user: UserRecord } | { kind: 'second-factor'; totpToken: string };

interface Failures {
  count: number;
  lockedUntil: number | undefined;
}

/** Failure counts of usernames that do not exist, in memory and bounded, so they lock exactly like real accounts. */
export class PhantomAccounts {
  readonly #failures = new Map<string, Failures>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  get(username: string): Failures {
    return this.#failures.get(username.toLowerCase()) ?? { count: 0, lockedUntil: undefined };
  }

  set(username: string, failures: Failures): void {
    const key = username.toLowerCase();
    this.#failures.delete(key);
    this.#failures.set(key, failures);
    if (this.#failures.size > this.#capacity) {
      const oldest = this.#failures.keys().next();
      if (oldest.done !== true) this.#failures.delete(oldest.value);
    }
  }
}

export interface SignInState {
  phantoms: PhantomAccounts;
  /** A hash to verify against when the username is unknown, so both cases take the same time. */
  dummyHash: Promise<string>;
}

export function newSignInState(context: AuthContext): SignInState {
  return { phantoms: new PhantomAccounts(), dummyHash: hashPassword(randomToken(16), context.scrypt) };
}

export function lockedError(context: AuthContext, lockedUntil: number): AuthError {
  const seconds = Math.max(1, Math.ceil((lockedUntil - context.now().getTime()) / 1000));
  return authErrors.tooManyRequests(`too many failed sign-ins: this account is locked; try again in ${Math.ceil(seconds / 60)} minute(s)`, seconds);
}

export function lockedUntilOf(user: UserRecord): number | undefined {
  return user.lockedUntil === undefined ? undefined : Date.parse(user.lockedUntil);
}

async function recordFailure(context: AuthContext, user: UserRecord): Promise<void> {
  const now = context.now().getTime();
  await context.identities.users.update(user.id, (record) => {
    const count = record.failedLogins + 1;
    return count >= context.limits.lockoutThreshold
      ? { ...record, failedLogins: 0, lockedUntil: new Date(now + context.limits.lockoutMs).toISOString() }
      : { ...record, failedLogins: count };
  });
}

export async function recordSuccess(context: AuthContext, user: UserRecord): Promise<void> {
  if (user.failedLogins === 0 && user.lockedUntil === undefined) return;
  await context.identities.users.update(user.id, (record) => {
    const { lockedUntil: _lockedUntil, ...rest } = record;
    return { ...rest, failedLogins: 0 };
  });
}

export async function login(context: AuthContext, state: SignInState, username: unknown, password: unknown, client: ClientInfo): Promise<LoginResult> {
  if (typeof username !== 'string' || typeof password !== 'string' || username === '' || password === '') {
    throw authErrors.badRequest('username and password are required');
  }
  const now = context.now().getTime();
  const user = await findUserByName(context, username);
  if (user === undefined) {
    const failures = state.phantoms.get(username);
    if (failures.lockedUntil !== undefined && failures.lockedUntil > now) throw lockedError(context, failures.lockedUntil);
    await verifyPassword(password, await state.dummyHash);
    const count = failures.count + 1;
    state.phantoms.set(
      username,
      count >= context.limits.lockoutThreshold ? { count: 0, lockedUntil: now + context.limits.lockoutMs } : { count, lockedUntil: undefined },
    );
    throw authErrors.invalidCredentials();
  }
  const lockedUntil = lockedUntilOf(user);
  if (lockedUntil !== undefined && lockedUntil > now) throw lockedError(context, lockedUntil);
  if (!(await verifyPassword(password, user.passwordHash))) {
    await recordFailure(context, user);
    throw authErrors.invalidCredentials();
  }
  if (user.totpSecret !== undefined) {
    // The password alone proves nothing yet: failures and lock stay as they are until the second factor.
    const totpToken = randomToken(32);
    await context.identities.pendingLogins.create(sha256Hex(totpToken), {
      userId: user.id,
      expiresAt: new Date(now + context.limits.pendingLoginTtlMs).toISOString(),
    });
    return { kind: 'second-factor', totpToken };
  }
  await recordSuccess(context, user);
  return { kind: 'session', session: await startSession(context, user, client), user };
}

/** Completes a login with a TOTP code or, once each, a recovery code. */
export async function verifySecondFactor(context: AuthContext, totpToken: unknown, code: unknown, client: ClientInfo): Promise<{ session: IssuedSession; user: UserRecord }> {
  if (typeof totpToken !== 'string' || typeof code !== 'string' || totpToken === '' || code === '') {
    throw authErrors.badRequest('totp_token and code are required');
  }
  const now = context.now();
  const pendingId = sha256Hex(totpToken);
  const pending = await context.identities.pendingLogins.get(pendingId);
  if (pending === undefined || Date.parse(pending.expiresAt) <= now.getTime()) {
    if (pending !== undefined) await context.identities.pendingLogins.delete(pendingId);
    throw authErrors.unauthenticated('the sign-in expired or is unknown: sign in again');
  }
  const user = await context.identities.users.get(pending.userId);
  if (user === undefined || user.totpSecret === undefined) throw authErrors.unauthenticated('the sign-in expired or is unknown: sign in again');
  const lockedUntil = lockedUntilOf(user);
  if (lockedUntil !== undefined && lockedUntil > now.getTime()) throw lockedError(context, lockedUntil);

  const accepted = looksLikeRecoveryCode(code)
    ? await useRecoveryCode(context, user, code)
    : await useTotpCode(context, user, code, now.getTime());
  if (!accepted) {
    await recordFailure(context, user);
    throw authErrors.unauthenticated('invalid code');
  }
  await context.identities.pendingLogins.delete(pendingId);
  await recordSuccess(context, user);
  return { session: await startSession(context, user, client), user };
}

async function useTotpCode(context: AuthContext, user: UserRecord, code: string, nowMs: number): Promise<boolean> {
  const secret = user.totpSecret;
  if (secret === undefined) return false;
  const step = acceptTotp(context.box.open(secret, `totp/${user.id}`), code, nowMs, user.totpLastStep);
  if (step === undefined) return false;
  let fresh = false;
  await context.identities.users.update(user.id, (record) => {
    // Two requests with the same code: only the one that moves the step forward wins.
    fresh = record.totpLastStep === undefined || step > record.totpLastStep;
    return fresh ? { ...record, totpLastStep: step } : record;
  });
  return fresh;
}

async function useRecoveryCode(context: AuthContext, user: UserRecord, code: string): Promise<boolean> {
  const hash = recoveryCodeHash(code);
  let used = false;
  await context.identities.users.update(user.id, (record) => {
    // Compared as hashes of high-entropy codes: equality of hashes leaks nothing useful through timing.
    used = record.recoveryCodeHashes.includes(hash);
    return used ? { ...record, recoveryCodeHashes: record.recoveryCodeHashes.filter((candidate) => candidate !== hash) } : record;
  });
  return used;
}
