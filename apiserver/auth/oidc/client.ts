// The OpenID Provider as openid-client 6 sees it: discovered once per (issuer, client id, secret) and kept, then the
// authorization URL (PKCE S256, state, nonce) and the code exchange, which checks state, nonce, the ID token's issuer,
// audience and expiry, and the RFC 9207 `iss` parameter when the provider sends one.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import * as oidc from 'openid-client';
import type { OidcSettings } from './settings.ts';

const DISCOVERY_TIMEOUT_SECONDS = 10;

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** Plain HTTP leaks codes and tokens to the network: allowed only on this machine's loopback (a test bed). */
export function issuerProblem(issuer: string): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'the issuer URL is not a URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return undefined;
  return 'the issuer must be https:// (plain http:// only on a loopback address)';
}

export class OidcClients {
  readonly #cache = new Map<string, Promise<oidc.Configuration>>();

  /** The discovered configuration; a failed discovery is not kept, so the next sign-in tries again. */
  async configuration(settings: OidcSettings): Promise<oidc.Configuration> {
    const key = JSON.stringify([settings.issuer, settings.clientId, createHash('sha256').update(settings.clientSecret ?? '').digest('hex')]);
    let found = this.#cache.get(key);
    if (found === undefined) {
      found = discover(settings);
      this.#cache.set(key, found);
      found.catch(() => this.#cache.delete(key));
    }
    return await found;
  }
}

async function discover(settings: OidcSettings): Promise<oidc.Configuration> {
  const problem = issuerProblem(settings.issuer);
  if (problem !== undefined) throw new Error(problem);
  const url = new URL(settings.issuer);
  const auth = settings.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(settings.clientSecret);
  return await oidc.discovery(url, settings.clientId, settings.clientSecret, auth, {
    timeout: DISCOVERY_TIMEOUT_SECONDS,
    ...(url.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
  });
}

export interface AuthorizationStart {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export async function startAuthorization(config: oidc.Configuration, settings: OidcSettings): Promise<AuthorizationStart> {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: settings.redirectUrl,
    scope: settings.scopes.join(' '),
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url, state, nonce, codeVerifier };
}

/** The claims of the signed-in identity: the ID token's, with userinfo's merged in (conforming providers put scope claims only there). */
export type Claims = Record<string, unknown> & { iss: string; sub: string };

export async function finishAuthorization(
  config: oidc.Configuration,
  settings: OidcSettings,
  query: string,
  checks: { state: string; nonce: string; codeVerifier: string },
): Promise<Claims> {
  // The URL the provider redirected to, rebuilt from the configured redirect URL (never from Host): the token
  // request must repeat exactly the redirect_uri that was registered and sent.
  const current = new URL(settings.redirectUrl);
  current.search = query;
  const tokens = await oidc.authorizationCodeGrant(config, current, {
    pkceCodeVerifier: checks.codeVerifier,
    expectedState: checks.state,
    expectedNonce: checks.nonce,
    idTokenExpected: true,
  });
  const idClaims = tokens.claims();
  if (idClaims === undefined) throw new Error('the provider returned no ID token');
  let userinfo: Record<string, unknown> = {};
  if (config.serverMetadata().userinfo_endpoint !== undefined) {
    userinfo = { ...(await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub)) };
  }
  // The ID token decides who it is; userinfo only adds.
  return { ...userinfo, ...idClaims, iss: idClaims.iss, sub: idClaims.sub };
}
