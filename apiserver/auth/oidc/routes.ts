// Docker Sentinel's single sign-on endpoints: /api/auth/oidc/login sends the browser to the provider, the provider
// sends it back to /api/auth/oidc/callback, which signs it in with the same session as POST /login.
// The state, nonce and PKCE verifier are kept server-side (in the store, so any replica can take the callback), found
// by an HttpOnly cookie that only the browser that started has, used once and for ten minutes at most.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { AuthContext } from '../context.ts';
import { AuthError, authErrors } from '../errors.ts';
import { client, setSessionCookies } from '../request-helpers.ts';
import type { AuthService } from '../service.ts';
import { startSession } from '../sessions.ts';
import { lockedError, lockedUntilOf, recordSuccess } from '../sign-in.ts';
import { randomToken, sha256Hex } from '../tokens.ts';
import { accountForIdentity } from './accounts.ts';
import { finishAuthorization, startAuthorization, type OidcClients } from './client.ts';
import type { OidcSettings } from './settings.ts';

export const OIDC_COOKIE = 'vigil_oidc';
const COOKIE_PATH = '/api/auth/oidc';
const LOGIN_TTL_MS = 10 * 60_000;

export interface OidcRoutesOptions {
  auth: AuthService;
  /** Single sign-on as configured now; undefined while off. */
  settings: () => Promise<OidcSettings | undefined>;
  clients: OidcClients;
  /**
   * A budget per address for login and callback each. Not the password budget: nothing is guessable here (the state
   * is single-use and server-side, the code comes from the provider), but each login stores a record.
   */
  loginLimit: onRequestHookHandler;
  callbackLimit: onRequestHookHandler;
  sessionSeconds: number;
  /** The session cookies' Path (the base path Vigil is served under). */
  cookiePath: string;
}

function cookieOptions(request: FastifyRequest): { path: string; httpOnly: true; sameSite: 'lax'; secure: boolean } {
  // Lax, not Strict: the provider's redirect back is a cross-site top-level navigation, which Lax cookies survive.
  return { path: COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https' };
}

async function takePendingLogin(context: AuthContext, cookie: string | undefined): Promise<{ state: string; nonce: string; codeVerifier: string }> {
  if (cookie === undefined || cookie === '' || cookie.length > 128) throw authErrors.badRequest('no single sign-on in progress: start it at /api/auth/oidc/login');
  const id = sha256Hex(cookie);
  const record = await context.identities.oidcLogins.get(id);
  if (record === undefined || !(await context.identities.oidcLogins.delete(id)) || Date.parse(record.expiresAt) <= context.now().getTime()) {
    throw authErrors.badRequest('the single sign-on expired or was used already: start it again at /api/auth/oidc/login');
  }
  return record;
}

async function pruneExpired(context: AuthContext): Promise<void> {
  const now = context.now().getTime();
  for (const record of await context.identities.oidcLogins.list()) {
    if (Date.parse(record.expiresAt) <= now) await context.identities.oidcLogins.delete(record.id);
  }
}

const CALLBACK_PATH = '/api/auth/oidc/callback';

/**
 * Where the browser goes once signed in: the dashboard beside the configured callback, so that Vigil under a reverse
 * proxy's base path (https://example.com/vigil/api/auth/oidc/callback) lands on https://example.com/vigil/.
 */
export function dashboardUrl(redirectUrl: string): string {
  const url = new URL(redirectUrl);
  if (!url.pathname.endsWith(CALLBACK_PATH)) return '/';
  url.pathname = `${url.pathname.slice(0, -CALLBACK_PATH.length)}/`;
  return url.href;
}

/** openid-client's errors say "invalid response encountered" and put what was wrong in their cause. */
function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current instanceof Error; depth += 1) {
    if (!parts.includes(current.message)) parts.push(current.message);
    current = current.cause;
  }
  return parts.length === 0 ? String(error) : parts.join(': ');
}

function queryOf(request: FastifyRequest): string {
  const url = request.raw.url ?? request.url;
  const index = url.indexOf('?');
  return index === -1 ? '' : url.slice(index);
}

export function oidcRoutes(app: FastifyInstance, options: OidcRoutesOptions): void {
  const context = options.auth.context;
  const configured = async (): Promise<OidcSettings> => {
    const settings = await options.settings();
    if (settings === undefined) throw authErrors.notFound('OIDC not configured');
    return settings;
  };

  app.get('/api/auth/oidc/available', async () => ({ available: (await options.settings()) !== undefined }));

  app.get('/api/auth/oidc/login', { onRequest: options.loginLimit }, async (request, reply: FastifyReply) => {
    const settings = await configured();
    let start;
    try {
      start = await startAuthorization(await options.clients.configuration(settings), settings);
    } catch (error) {
      request.log.warn({ err: error, issuer: settings.issuer }, 'single sign-on: the provider cannot be reached');
      throw new AuthError(502, `the identity provider ${settings.issuer} cannot be used: ${error instanceof Error ? error.message : String(error)}`);
    }
    await pruneExpired(context);
    const cookie = randomToken(32);
    const id = sha256Hex(cookie);
    const expiresAt = new Date(context.now().getTime() + LOGIN_TTL_MS).toISOString();
    await context.identities.oidcLogins.create(id, { id, state: start.state, nonce: start.nonce, codeVerifier: start.codeVerifier, expiresAt });
    reply.setCookie(OIDC_COOKIE, cookie, { ...cookieOptions(request), maxAge: LOGIN_TTL_MS / 1000 });
    return reply.redirect(start.url.href, 302);
  });

  app.get('/api/auth/oidc/callback', { onRequest: options.callbackLimit }, async (request, reply) => {
    const settings = await configured();
    reply.clearCookie(OIDC_COOKIE, cookieOptions(request));
    const pending = await takePendingLogin(context, request.cookies[OIDC_COOKIE]);
    const query = queryOf(request);
    const providerError = new URLSearchParams(query).get('error');
    if (providerError !== null) throw authErrors.unauthenticated(`the identity provider refused the sign-in: ${providerError.slice(0, 100)}`);
    let claims;
    try {
      claims = await finishAuthorization(await options.clients.configuration(settings), settings, query, pending);
    } catch (error) {
      const reason = describeError(error);
      request.log.warn({ issuer: settings.issuer, reason }, 'single sign-on refused');
      throw authErrors.unauthenticated(`single sign-on failed: ${reason}`);
    }
    const user = await accountForIdentity(context, claims, settings);
    const lockedUntil = lockedUntilOf(user);
    if (lockedUntil !== undefined && lockedUntil > context.now().getTime()) throw lockedError(context, lockedUntil);
    await recordSuccess(context, user);
    const session = await startSession(context, user, client(request));
    setSessionCookies(request, reply, session, options.sessionSeconds, options.cookiePath);
    return reply.redirect(dashboardUrl(settings.redirectUrl), 302);
  });
}
