// The authentication endpoints of docker-sentinel-rest-api.txt: first-run setup, login and logout, the second
// factor, one's own sessions and tokens, users, and the switch for authentication itself. They live in their own
// encapsulated context: form bodies, the sign-in rate limit and the {"error": ...} error format apply to them only.
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, authErrors } from './errors.ts';
import type { UserRecord } from './identity-store.ts';
import { CSRF_COOKIE, SESSION_COOKIE, sendAuthError } from './plugin.ts';
import { PERMISSIONS, permissionsOf } from './permissions.ts';
import { client, field, principalOf, setSessionCookies, userOf } from './request-helpers.ts';
import type { AuthService } from './service.ts';
import { createApiToken, deleteApiToken, endSession, revokeOtherSessions, revokeSession, sessionsOf, tokensOf } from './sessions.ts';
import { changePassword, changeRole, createUser, deleteUser, listUsers } from './accounts.ts';
import { beginTotpSetup, confirmTotp, disableTotp, totpStatus } from './two-factor.ts';
import { passkeyRoutes } from './passkeys/routes.ts';
import type { RelyingParty } from './passkeys/relying-party.ts';
import { oidcRoutes } from './oidc/routes.ts';
import { OidcClients } from './oidc/client.ts';
import type { OidcSettings } from './oidc/settings.ts';
import { linkIdentity, unlinkIdentity } from './oidc/links.ts';

export interface AuthRoutesOptions {
  auth: AuthService;
  /** Sign-in attempts (login, setup, second factor, passkey sign-in) per client address per minute. Default 10. */
  signInLimitPerMinute?: number;
  /** Passkeys' relying party as configured now (Settings spec.passkeys); undefined while off. Default: always off. */
  relyingParty?: () => Promise<RelyingParty | undefined>;
  /** Single sign-on as configured now (Settings spec.oidc and its Secret); undefined while off. Default: always off. */
  oidc?: () => Promise<OidcSettings | undefined>;
  /** The discovered OpenID Providers (shared with the settings routes' check). Default: a cache of its own. */
  oidcClients?: OidcClients;
  /** The cookies' Path: the base path Vigil is served under (default '/'). */
  cookiePath?: string;
}

function clearSessionCookies(request: FastifyRequest, reply: FastifyReply, path: string): void {
  const common = { path, sameSite: 'lax' as const, secure: request.protocol === 'https' };
  reply.clearCookie(SESSION_COOKIE, { ...common, httpOnly: true });
  reply.clearCookie(CSRF_COOKIE, common);
}

function publicUser(user: UserRecord): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    role_id: user.role,
    created_at: user.createdAt,
    totp_enabled: user.totpSecret !== undefined,
    locked: user.lockedUntil !== undefined,
    // Vigil addition: the single sign-on identity linked to the account.
    oidc: user.oidc ?? null,
  };
}

export async function authRoutes(app: FastifyInstance, options: AuthRoutesOptions): Promise<void> {
  const auth = options.auth;
  const cookiePath = options.cookiePath ?? '/';
  const sessionSeconds = Math.floor(auth.context.limits.sessionTtlMs / 1000);
  await app.register(fastifyFormbody);
  await app.register(fastifyRateLimit, {
    global: false,
    max: options.signInLimitPerMinute ?? 10,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) =>
      authErrors.tooManyRequests(`too many attempts from this address: try again in ${context.after}`, Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof AuthError) return sendAuthError(request, reply, error);
    const statusCode = typeof error === 'object' && error !== null && 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (statusCode >= 500) request.log.error({ err: error }, 'auth route failed');
    const message = statusCode >= 500 ? 'internal error' : error instanceof Error ? error.message : String(error);
    return sendAuthError(request, reply, new AuthError(statusCode, message));
  });
  // One budget per address for the three sign-in routes together: ten guesses a minute in all, not ten per route.
  const signIn = { onRequest: app.rateLimit() };

  app.post('/setup', signIn, async (request, reply) => {
    const body = request.body;
    const token = field(body, 'setup_token') ?? request.headers['x-setup-token'];
    const { session } = await auth.setup(token, field(body, 'username'), field(body, 'password'), client(request));
    setSessionCookies(request, reply, session, sessionSeconds, cookiePath);
    return { redirect: '/' };
  });

  app.post('/login', signIn, async (request, reply) => {
    const result = await auth.login(field(request.body, 'username'), field(request.body, 'password'), client(request));
    if (result.kind === 'second-factor') return { totp_required: true, totp_token: result.totpToken };
    setSessionCookies(request, reply, result.session, sessionSeconds, cookiePath);
    return { redirect: '/' };
  });

  app.post('/api/auth/totp/verify', signIn, async (request, reply) => {
    const { session } = await auth.verifySecondFactor(field(request.body, 'totp_token'), field(request.body, 'code'), client(request));
    setSessionCookies(request, reply, session, sessionSeconds, cookiePath);
    return { redirect: '/' };
  });

  passkeyRoutes(app, {
    auth,
    relyingParty: options.relyingParty ?? (async () => undefined),
    signIn: signIn.onRequest,
    // Its own store (options given): beginning a ceremony does not spend the sign-in budget.
    beginLimit: app.rateLimit({ max: options.signInLimitPerMinute ?? 10, timeWindow: 60_000 }),
    sessionSeconds,
    cookiePath,
  });

  oidcRoutes(app, {
    auth,
    settings: options.oidc ?? (async () => undefined),
    clients: options.oidcClients ?? new OidcClients(),
    loginLimit: app.rateLimit({ max: 3 * (options.signInLimitPerMinute ?? 10), timeWindow: 60_000 }),
    callbackLimit: app.rateLimit({ max: 3 * (options.signInLimitPerMinute ?? 10), timeWindow: 60_000 }),
    sessionSeconds,
    cookiePath,
  });

  app.post('/logout', async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token !== undefined) await endSession(auth.context, token);
    clearSessionCookies(request, reply, cookiePath);
    return { redirect: '/login' };
  });

  app.get('/api/auth/me', async (request) => {
    const principal = principalOf(request);
    const enabled = await auth.authEnabled();
    return {
      id: principal.user?.id ?? '',
      username: principal.user?.username ?? '',
      role_id: principal.role,
      permissions: enabled ? permissionsOf(principal.role) : PERMISSIONS,
      auth_enabled: enabled,
    };
  });

  app.post('/api/auth/change-password', async (request) => {
    const revoked = await changePassword(auth.context, userOf(request), field(request.body, 'current_password'), field(request.body, 'new_password'), principalOf(request).session?.id);
    return { status: 'ok', message: 'password changed', sessions_revoked: revoked };
  });

  app.get('/api/auth/sessions', async (request) => {
    const principal = principalOf(request);
    return (await sessionsOf(auth.context, userOf(request).id)).map((session) => ({
      id: session.id,
      created_at: session.createdAt,
      expires_at: session.expiresAt,
      last_seen_at: session.lastSeenAt,
      ip: session.ip,
      user_agent: session.userAgent,
      current: session.id === principal.session?.id,
    }));
  });

  app.delete<{ Params: { token: string } }>('/api/auth/sessions/:token', async (request) => {
    await revokeSession(auth.context, userOf(request).id, request.params.token);
    return { status: 'ok', message: 'session revoked' };
  });

  app.delete('/api/auth/sessions', async (request) => {
    const revoked = await revokeOtherSessions(auth.context, userOf(request).id, principalOf(request).session?.id);
    return { status: 'ok', message: `${revoked} other session(s) revoked`, revoked };
  });

  app.get('/api/auth/tokens', async (request) =>
    (await tokensOf(auth.context, userOf(request).id)).map((token) => ({ id: token.id, name: token.name, created_at: token.createdAt, last_used_at: token.lastUsedAt ?? null })),
  );

  app.post('/api/auth/tokens', async (request, reply) => {
    const issued = await createApiToken(auth.context, userOf(request), field(request.body, 'name'));
    return reply.code(201).send(issued);
  });

  app.delete<{ Params: { id: string } }>('/api/auth/tokens/:id', async (request) => {
    await deleteApiToken(auth.context, userOf(request).id, request.params.id);
    return { status: 'ok', message: 'token deleted' };
  });

  app.post('/api/auth/totp/setup', async (request) => {
    const setup = await beginTotpSetup(auth.context, userOf(request));
    return { secret: setup.secret, uri: setup.uri };
  });

  app.post('/api/auth/totp/confirm', async (request) => {
    const codes = await confirmTotp(auth.context, userOf(request), field(request.body, 'code'));
    return { status: 'ok', recovery_codes: codes };
  });

  app.post('/api/auth/totp/disable', async (request) => {
    await disableTotp(auth.context, userOf(request), field(request.body, 'password'));
    return { status: 'ok', message: 'two-factor authentication disabled' };
  });

  app.get('/api/auth/totp/status', async (request) => totpStatus(userOf(request)));

  app.get('/api/auth/users', async () => (await listUsers(auth.context)).map(publicUser));

  app.post('/api/auth/users', async (request, reply) => {
    const user = await createUser(auth.context, field(request.body, 'username'), field(request.body, 'password'), field(request.body, 'role_id'));
    return reply.code(201).send({ id: user.id, username: user.username });
  });

  app.patch<{ Params: { id: string } }>('/api/auth/users/:id', async (request) =>
    publicUser(await changeRole(auth.context, request.params.id, field(request.body, 'role_id'))),
  );

  app.delete<{ Params: { id: string } }>('/api/auth/users/:id', async (request) => {
    await deleteUser(auth.context, principalOf(request).user?.id, request.params.id);
    return { status: 'ok', message: 'user deleted' };
  });

  app.put<{ Params: { id: string } }>('/api/auth/users/:id/oidc', async (request) =>
    publicUser(await linkIdentity(auth.context, request.params.id, field(request.body, 'issuer'), field(request.body, 'subject'))),
  );

  app.delete<{ Params: { id: string } }>('/api/auth/users/:id/oidc', async (request) => publicUser(await unlinkIdentity(auth.context, request.params.id)));

  app.post('/api/auth/settings', async (request) => {
    await auth.setAuthEnabled(field(request.body, 'auth_enabled'));
    return { status: 'ok', auth_enabled: await auth.authEnabled() };
  });
}
