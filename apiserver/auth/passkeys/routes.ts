// Docker Sentinel's passkey endpoints, in its shapes (options wrapped in {publicKey: ...}, {"error": ...} errors).
// Until Settings spec.passkeys.publicUrl is set they answer as Sentinel's do when passkeys are off: `available`
// false, the list [], everything else 404 "passkeys not configured".
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { authErrors } from '../errors.ts';
import { client, principalOf, setSessionCookies, userOf } from '../request-helpers.ts';
import type { AuthService } from '../service.ts';
import { CEREMONY_TIMEOUT_MS } from './ceremonies.ts';
import { anyPasskey, beginLogin, beginRegistration, deletePasskey, finishLogin, finishRegistration, notConfigured, passkeysOf } from './passkeys.ts';
import type { RelyingParty } from './relying-party.ts';

/** The cookie that ties a login ceremony to the browser that began it (Sentinel's name). */
export const PASSKEY_LOGIN_COOKIE = 'sentinel_webauthn_session';
const LOGIN_COOKIE_PATH = '/api/auth/passkeys/login';

export interface PasskeyRoutesOptions {
  auth: AuthService;
  /** The relying party as Settings say now; undefined while passkeys are off. */
  relyingParty: () => Promise<RelyingParty | undefined>;
  /** The sign-in budget login/finish shares with /login, /setup and the second factor. */
  signIn: onRequestHookHandler;
  /** A budget of its own for login/begin, which stores a ceremony per call. */
  beginLimit: onRequestHookHandler;
  sessionSeconds: number;
  /** The session cookies' Path (the base path Vigil is served under). */
  cookiePath: string;
}

/** What finishes a registration: the session (or API token) that began it, never another. */
function bindingOf(request: FastifyRequest): string {
  const principal = principalOf(request);
  const binding = principal.session?.id ?? principal.token?.id;
  if (binding === undefined) throw authErrors.badRequest('authentication is off: there is no signed-in user to register a passkey for');
  return binding;
}

function clearLoginCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(PASSKEY_LOGIN_COOKIE, { path: LOGIN_COOKIE_PATH, httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' });
}

export function passkeyRoutes(app: FastifyInstance, options: PasskeyRoutesOptions): void {
  const { auth } = options;
  const context = auth.context;
  const configured = async (): Promise<RelyingParty> => {
    const rp = await options.relyingParty();
    if (rp === undefined) throw notConfigured();
    return rp;
  };

  app.get('/api/auth/passkeys/available', async () => {
    const rp = await options.relyingParty();
    return { configured: rp !== undefined, available: rp !== undefined && (await anyPasskey(context)) };
  });

  app.post('/api/auth/passkeys/register/begin', async (request) => {
    const rp = await configured();
    return { publicKey: await beginRegistration(context, rp, userOf(request), bindingOf(request)) };
  });

  app.post<{ Querystring: { name?: string } }>('/api/auth/passkeys/register/finish', async (request) => {
    const rp = await configured();
    const passkey = await finishRegistration(context, rp, userOf(request), bindingOf(request), request.body, request.query.name);
    return { status: 'ok', name: passkey.name };
  });

  app.post('/api/auth/passkeys/login/begin', { onRequest: options.beginLimit }, async (request, reply) => {
    const rp = await configured();
    const begun = await beginLogin(context, rp);
    reply.setCookie(PASSKEY_LOGIN_COOKIE, begun.cookie, {
      path: LOGIN_COOKIE_PATH,
      httpOnly: true,
      sameSite: 'strict',
      secure: request.protocol === 'https',
      maxAge: Math.floor(CEREMONY_TIMEOUT_MS / 1000),
    });
    return { publicKey: begun.options };
  });

  app.post('/api/auth/passkeys/login/finish', { onRequest: options.signIn }, async (request, reply) => {
    const rp = await configured();
    // Used once whatever the outcome: the ceremony it names is consumed by this attempt.
    clearLoginCookie(request, reply);
    const { session } = await finishLogin(context, rp, request.cookies[PASSKEY_LOGIN_COOKIE], request.body, client(request));
    setSessionCookies(request, reply, session, options.sessionSeconds, options.cookiePath);
    return { redirect: '/' };
  });

  app.get('/api/auth/passkeys', async (request) => {
    if ((await options.relyingParty()) === undefined) return [];
    return (await passkeysOf(context, userOf(request).id)).map((passkey) => ({
      id: passkey.id,
      name: passkey.name,
      created_at: passkey.createdAt,
      ...(passkey.transports.length === 0 ? {} : { transport: passkey.transports.join(',') }),
      // Vigil additions.
      last_used_at: passkey.lastUsedAt ?? null,
      backed_up: passkey.backedUp,
    }));
  });

  app.delete<{ Params: { id: string } }>('/api/auth/passkeys/:id', async (request) => {
    await configured();
    await deletePasskey(context, userOf(request), request.params.id);
    return { status: 'ok' };
  });
}
