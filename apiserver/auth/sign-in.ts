// Signing in: password, then the second factor when the user has one. Ten consecutive failures lock the account for
// 30 minutes. A locked account answers 429 with Retry-After before the password is even checked (so a right guess
// during the lock reveals nothing), and so does an unknown username after as many failures: the answer never tells
// whether an account exists. Both counts are in the store, so they hold across replicas.
import type { AuthContext, ClientInfo } from './context.ts';
import type { PhantomRecord, UserRecord } from './identity-store.ts';
import { AuthError, authErrors } from './errors.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { findUserByName } from './accounts.ts';
import { startSession, type IssuedSession } from './sessions.ts';
import { acceptTotp, looksLikeRecoveryCode, recoveryCodeHash } from './totp.ts';
import { randomToken, sha256Hex } from './tokens.ts';

export type LoginResult = { kind: 'session'; session: IssuedSession; user: UserRecord } | { kind: 'second-factor'; totpToken: string };

/**
 * Failure counts of usernames that do not exist, in the store (so they count across replicas, as real accounts'
 * do), one record per name that failed within the lockout period. A record older than that and not locked is
 * forgotten when next read: what a name that is never tried again leaves behind is bounded by the per-address limit.
 */
async function phantomState(context: AuthContext, username: string, now: number): Promise<{ id: string; failures: number; lockedUntil: number | undefined }> {
  const id = sha256Hex(`phantom:${username.toLowerCase()}`);
  const record = await context.identities.phantoms.get(id);
  if (record === undefined) return { id, failures: 0, lockedUntil: undefined };
  const lockedUntil = record.lockedUntil === undefined ? undefined : Date.parse(record.lockedUntil);
  if ((lockedUntil === undefined || lockedUntil <= now) && Date.parse(record.lastFailureAt) + context.limits.lockoutMs <= now) {
    await context.identities.phantoms.delete(id);
    return { id, failures: 0, lockedUntil: undefined };
  }
  return { id, failures: record.failures, lockedUntil };
}

async function recordPhantomFailure(context: AuthContext, id: string, now: number): Promise<void> {
  const next = (failures: number): PhantomRecord => {
    const count = failures + 1;
    return count >= context.limits.lockoutThreshold
      ? { failures: 0, lockedUntil: new Date(now + context.limits.lockoutMs).toISOString(), lastFailureAt: new Date(now).toISOString() }
      : { failures: count, lastFailureAt: new Date(now).toISOString() };
  };
  if (await context.identities.phantoms.create(id, next(0))) return;
  await context.identities.phantoms.update(id, (record) => next(record.lockedUntil !== undefined && Date.parse(record.lockedUntil) <= now ? 0 : record.failures));
}

export interface SignInState {
  /** A hash to verify against when the username is unknown, so both cases take the same time. */
  dummyHash: Promise<string>;
}

export function newSignInState(context: AuthContext): SignInState {
  return { dummyHash: hashPassword(randomToken(16), context.scrypt) };
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
    const phantom = await phantomState(context, username, now);
    if (phantom.lockedUntil !== undefined && phantom.lockedUntil > now) throw lockedError(context, phantom.lockedUntil);
    await verifyPassword(password, await state.dummyHash);
    await recordPhantomFailure(context, phantom.id, now);
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
