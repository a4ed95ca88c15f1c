// What the auth routes (routes.ts, passkeys/routes.ts) share: reading a body field, who the client is, the signed-in
// principal and user, and the session cookies a sign-in sets.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ClientInfo } from './context.ts';
import { authErrors } from './errors.ts';
import type { UserRecord } from './identity-store.ts';
import { CSRF_COOKIE, SESSION_COOKIE } from './plugin.ts';
import type { Principal } from './service.ts';
import type { IssuedSession } from './sessions.ts';

export function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null && name in body ? (body as Record<string, unknown>)[name] : undefined;
}

export function client(request: FastifyRequest): ClientInfo {
  const agent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof agent === 'string' ? agent : '' };
}

/**
 * The session cookie is HttpOnly; the CSRF cookie is readable by the dashboard's script, which echoes it. SameSite=Lax
 * rather than Strict: a link from a notification opens the dashboard signed in, and Lax loses no protection here
 * because every state-changing request needs the CSRF header anyway. Secure whenever the request came over TLS. The
 * path is the base path Vigil is served under, so two Vigils behind one host keep their own cookies.
 */
export function setSessionCookies(request: FastifyRequest, reply: FastifyReply, session: IssuedSession, maxAgeSeconds: number, path: string): void {
  const common = { path, sameSite: 'lax' as const, secure: request.protocol === 'https', maxAge: maxAgeSeconds };
  reply.setCookie(SESSION_COOKIE, session.token, { ...common, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, session.csrfToken, { ...common, httpOnly: false });
}

/** The signed-in user; the auth hook has already refused anonymous requests on these routes. */
export function principalOf(request: FastifyRequest): Principal {
  const principal = request.principal;
  if (principal === undefined) throw authErrors.unauthenticated();
  return principal;
}

export function userOf(request: FastifyRequest): UserRecord {
  const user = principalOf(request).user;
  if (user === undefined) throw authErrors.badRequest('authentication is off: there is no signed-in user (switch it on with POST /api/auth/settings)');
  return user;
}
