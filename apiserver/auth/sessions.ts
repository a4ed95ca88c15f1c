// Sessions (browser sign-ins, cookie `sentinel_session`) and API tokens (`Authorization: Bearer stk_...`). Only hashes
// of both are stored; the token itself exists only in the client's hands, shown once.
import type { AuthContext, ClientInfo } from './context.ts';
import type { SessionRecord, TokenRecord, UserRecord } from './identity-store.ts';
import { authErrors } from './errors.ts';
import { isStorageError } from '../storage/errors.ts';
import { API_TOKEN_PREFIX, newApiToken, newId, randomToken, sha256Hex } from './tokens.ts';

export interface IssuedSession {
  /** The cookie value: shown once, stored only as its hash. */
  token: string;
  /** The CSRF token the browser echoes in X-CSRF-Token (cookie `sentinel_csrf`). */
  csrfToken: string;
  record: SessionRecord;
}

export async function startSession(context: AuthContext, user: UserRecord, client: ClientInfo): Promise<IssuedSession> {
  const token = randomToken(32);
  const csrfToken = randomToken(32);
  const now = context.now();
  const record: SessionRecord = {
    id: sha256Hex(token),
    userId: user.id,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + context.limits.sessionTtlMs).toISOString(),
    lastSeenAt: now.toISOString(),
    ip: client.ip,
    userAgent: client.userAgent.slice(0, 256),
    csrfHash: sha256Hex(csrfToken),
  };
  await context.identities.sessions.create(record.id, record);
  await pruneExpiredSessions(context, user.id);
  return { token, csrfToken, record };
}

async function pruneExpiredSessions(context: AuthContext, userId: string): Promise<void> {
  const now = context.now().getTime();
  for (const session of await context.identities.sessions.list()) {
    if (session.userId === userId && Date.parse(session.expiresAt) <= now) await context.identities.sessions.delete(session.id);
  }
}

export interface SessionPrincipal {
  user: UserRecord;
  session: SessionRecord;
}

/** The session and its user for a cookie value; undefined when unknown, expired or its user is gone. */
export async function resolveSession(context: AuthContext, token: string): Promise<SessionPrincipal | undefined> {
  if (token === '' || token.length > 256) return undefined;
  const id = sha256Hex(token);
  const session = await context.identities.sessions.get(id);
  if (session === undefined) return undefined;
  const now = context.now();
  if (Date.parse(session.expiresAt) <= now.getTime()) {
    await context.identities.sessions.delete(id);
    return undefined;
  }
  const user = await context.identities.users.get(session.userId);
  if (user === undefined) return undefined;
  if (now.getTime() - Date.parse(session.lastSeenAt) > context.limits.lastUsedResolutionMs) {
    await bestEffort(context, context.identities.sessions.update(id, (record) => ({ ...record, lastSeenAt: now.toISOString() })));
  }
  return { user, session };
}

export async function endSession(context: AuthContext, token: string): Promise<void> {
  if (token !== '' && token.length <= 256) await context.identities.sessions.delete(sha256Hex(token));
}

export async function sessionsOf(context: AuthContext, userId: string): Promise<SessionRecord[]> {
  const now = context.now().getTime();
  return (await context.identities.sessions.list()).filter((session) => session.userId === userId && Date.parse(session.expiresAt) > now);
}

/** Revokes one of the user's own sessions by its id; NotFound for another user's (which is not theirs to see). */
export async function revokeSession(context: AuthContext, userId: string, sessionId: string): Promise<void> {
  const session = await context.identities.sessions.get(sessionId);
  if (session === undefined || session.userId !== userId) throw authErrors.notFound('no such session');
  await context.identities.sessions.delete(sessionId);
}

/** Revokes every session of the user but `keepId` (the caller's own, when signed in by a session); returns how many. */
export async function revokeOtherSessions(context: AuthContext, userId: string, keepId: string | undefined): Promise<number> {
  let count = 0;
  for (const session of await context.identities.sessions.list()) {
    if (session.userId === userId && session.id !== keepId && (await context.identities.sessions.delete(session.id))) count += 1;
  }
  return count;
}

export interface IssuedToken {
  id: string;
  name: string;
  /** Shown once. */
  token: string;
}

export async function createApiToken(context: AuthContext, user: UserRecord, name: unknown): Promise<IssuedToken> {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100) throw authErrors.badRequest('a token name of 1 to 100 characters is required');
  const token = newApiToken();
  const record: TokenRecord = { id: newId('tok'), hash: sha256Hex(token), name: name.trim(), userId: user.id, createdAt: context.now().toISOString() };
  await context.identities.tokens.create(record.hash, record);
  return { id: record.id, name: record.name, token };
}

export interface TokenPrincipal {
  user: UserRecord;
  token: TokenRecord;
}

export async function resolveApiToken(context: AuthContext, token: string): Promise<TokenPrincipal | undefined> {
  if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 256) return undefined;
  const hash = sha256Hex(token);
  const record = await context.identities.tokens.get(hash);
  if (record === undefined) return undefined;
  const user = await context.identities.users.get(record.userId);
  if (user === undefined) return undefined;
  const now = context.now();
  if (record.lastUsedAt === undefined || now.getTime() - Date.parse(record.lastUsedAt) > context.limits.lastUsedResolutionMs) {
    await bestEffort(context, context.identities.tokens.update(hash, (current) => ({ ...current, lastUsedAt: now.toISOString() })));
  }
  return { user, token: record };
}

export async function tokensOf(context: AuthContext, userId: string): Promise<TokenRecord[]> {
  return (await context.identities.tokens.list()).filter((token) => token.userId === userId);
}

export async function deleteApiToken(context: AuthContext, userId: string, id: string): Promise<void> {
  const record = (await tokensOf(context, userId)).find((token) => token.id === id);
  if (record === undefined) throw authErrors.notFound('no such token');
  await context.identities.tokens.delete(record.hash);
}

/** Removes everything that lets a deleted user back in (pending second-factor logins resolve to no user). */
export async function forgetUserCredentials(context: AuthContext, userId: string): Promise<void> {
  await revokeOtherSessions(context, userId, undefined);
  for (const token of await tokensOf(context, userId)) await context.identities.tokens.delete(token.hash);
  // Passkeys too (Sentinel keeps them, so `available` stays true for a user who is gone).
  for (const passkey of await context.identities.passkeys.list()) {
    if (passkey.userId === userId) await context.identities.passkeys.delete(passkey.id);
  }
}

/**
 * "Last used" bookkeeping must not fail the request it notes: while the store refuses writes (etcd without quorum)
 * a valid session or token still authenticates reads. Only the store being unreachable is forgiven.
 */
async function bestEffort(context: AuthContext, write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (error) {
    if (!(isStorageError(error, 'Unreachable') || isStorageError(error, 'Timeout'))) throw error;
    context.log?.warn({ err: error }, 'could not record when a session or token was last used');
  }
}
