// A real OpenID Provider for single sign-on tests: panva's oidc-provider (OpenID Certified) in this process on
// 127.0.0.1, with one confidential client for Vigil and one other client, PKCE required, accounts given by the test,
// and the development interactions (any password is accepted for an account that exists). Scope claims go only to
// userinfo (its default, conformIdTokenClaims), as conforming providers do.
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';
import { deadlines } from './deadlines.ts';

export interface TestAccount {
  preferred_username?: string;
  email?: string;
  email_verified?: boolean;
  /** Absent: the account has no groups claim at all. */
  groups?: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** A second client registered for the same redirect URL. */
  otherClientId: string;
  stop(): Promise<void>;
}

export async function startOidcProvider(options: { redirectUri: string; accounts: Record<string, TestAccount> }): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('the provider is not listening on a TCP port');
  const issuer = `http://127.0.0.1:${address.port}`;
  const client = { client_id: 'vigil', client_secret: 'vigil-client-secret-1' };
  const common = { redirect_uris: [options.redirectUri], response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic' };
  const provider = new Provider(issuer, {
    clients: [{ ...client, ...common }, { client_id: 'other-client', client_secret: 'other-client-secret-1', ...common }],
    claims: { openid: ['sub'], profile: ['preferred_username', 'name'], email: ['email', 'email_verified'], groups: ['groups'] },
    findAccount: (_ctx: unknown, sub: string) => {
      const account = options.accounts[sub];
      if (account === undefined) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...account }) };
    },
    pkce: { required: () => true },
    cookies: { keys: ['vigil-test-provider-cookie-key'] },
    // Generous, so that a slow machine never sees a code or session expire in the middle of a sign-in.
    ttl: { Session: 600, Interaction: 600, Grant: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 600 },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId: client.client_id,
    clientSecret: client.client_secret,
    otherClientId: 'other-client',
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Cookies per origin, as a browser keeps them (paths ignored: each test origin serves one application). */
export class CookieJar {
  readonly #jars = new Map<string, Map<string, string>>();

  header(url: URL): string {
    return [...(this.#jars.get(url.origin) ?? new Map<string, string>())].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  store(url: URL, response: Response): void {
    const jar = this.#jars.get(url.origin) ?? new Map<string, string>();
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute) || /^\s*expires=Thu, 01 Jan 1970/i.test(attribute));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.#jars.set(url.origin, jar);
  }

  get(origin: string, name: string): string | undefined {
    return this.#jars.get(origin)?.get(name);
  }
}

export interface SignInOutcome {
  /** Vigil's answer to the callback. */
  status: number;
  body: string;
  location: string | null;
}

/**
 * A browser's single sign-on: Vigil's /api/auth/oidc/login, the provider's login and consent pages (submitted as
 * their forms would be, as `login`), back to Vigil's callback. `tamper` may change the authorization URL Vigil sent
 * (a wrong state, nonce or client), `tamperCallback` the callback URL.
 */
export async function signInThroughProvider(
  vigilUrl: string,
  jar: CookieJar,
  login: string,
  options: { tamper?: (url: URL) => void; tamperCallback?: (url: URL) => void } = {},
): Promise<SignInOutcome> {
  const send = async (url: URL, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    const cookie = jar.header(url);
    if (cookie !== '') headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(deadlines.request) });
    jar.store(url, response);
    return response;
  };
  const vigilOrigin = new URL(vigilUrl).origin;
  let response = await send(new URL('/api/auth/oidc/login', vigilUrl));
  if (response.status !== 302) return { status: response.status, body: await response.text(), location: response.headers.get('location') };
  let next = new URL(response.headers.get('location') ?? '', vigilUrl);
  options.tamper?.(next);
  for (let step = 0; step < 20; step += 1) {
    if (next.origin === vigilOrigin) {
      options.tamperCallback?.(next);
      const answer = await send(next);
      return { status: answer.status, body: await answer.text(), location: answer.headers.get('location') };
    }
    response = await send(next);
    const location = response.headers.get('location');
    if (location !== null && response.status >= 300 && response.status < 400) {
      await response.text();
      next = new URL(location, next);
      continue;
    }
    const page = await response.text();
    if (response.status !== 200) throw new Error(`the provider answered ${response.status} at ${next.pathname}: ${page.slice(0, 500)}`);
    const form = /<form[^>]*action="([^"]+)"/.exec(page);
    if (form?.[1] === undefined) throw new Error(`no form on the provider's page ${next.pathname}: ${page.slice(0, 500)}`);
    const fields: Record<string, string> = page.includes('name="prompt" value="consent"') ? { prompt: 'consent' } : { prompt: 'login', login, password: 'any-password' };
    response = await send(new URL(form[1], next), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    await response.text();
    next = new URL(response.headers.get('location') ?? '', next);
  }
  throw new Error('the sign-in did not come back to Vigil in 20 steps');
}
