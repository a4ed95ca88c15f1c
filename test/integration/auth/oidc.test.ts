// Single sign-on end to end: a real `vigil serve` child and a real OpenID Provider (oidc-provider, in this process on
// 127.0.0.1), driven as a browser drives them (redirects, cookies, the provider's login and consent forms).
// Configured through Sentinel's POST /api/settings/oidc; groups mapped to each role; the provider's claims come from
// userinfo (a conforming provider puts none in the ID token). Refused: an identity without an account while
// auto-create is off, a wrong state, a wrong nonce, a code issued to another client, a callback used twice. An
// identity whose provider username is "admin" does not become the local admin; a sign-in without the groups claim
// keeps the role.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { ADMIN_USERNAME, startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { CHROMIUM_FLAGS } from '../dashboard/browser.ts';
import { buildDashboard } from '../../../web/build.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { CookieJar, signInThroughProvider, startOidcProvider, type SignInOutcome, type TestProvider } from '../../testbed/oidc-provider.ts';
import { as, login, setUp, startVigil as startInProcessVigil, type Credentials, type Harness } from './harness.ts';

const ACCOUNTS = {
  'sub-alice': { preferred_username: 'alice', email: 'alice@example.com', email_verified: true, groups: ['vigil-admins', 'staff'] },
  'sub-bob': { preferred_username: 'bob', groups: ['vigil-ops', 'staff'] },
  'sub-carol': { preferred_username: 'carol', groups: ['staff'] },
  'sub-mallory': { preferred_username: 'admin', email: 'admin@example.com', email_verified: false, groups: ['staff'] },
  'sub-dora': { preferred_username: 'dora', groups: ['staff'] },
};

interface Me {
  id: string;
  username: string;
  role_id: string;
}

describe('single sign-on against a real OpenID Provider', () => {
  let vigil: VigilChild;
  let provider: TestProvider;

  async function api(method: string, path: string, json?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${vigil.url}${path}`, {
      method,
      headers: { ...vigil.headers(), ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      signal: AbortSignal.timeout(deadlines.request),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }

  /** Who the browser of `jar` is signed in as at Vigil. */
  async function me(jar: CookieJar): Promise<Me> {
    const url = new URL('/api/auth/me', vigil.url);
    const response = await fetch(url, { headers: { cookie: jar.header(url) }, signal: AbortSignal.timeout(deadlines.request) });
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as Me;
  }

  async function signIn(login: string, options: Parameters<typeof signInThroughProvider>[3] = {}): Promise<{ outcome: SignInOutcome; jar: CookieJar }> {
    const jar = new CookieJar();
    return { outcome: await signInThroughProvider(vigil.url, jar, login, options), jar };
  }

  function assertSignedIn(outcome: SignInOutcome): void {
    // To the dashboard beside the configured callback.
    assert.deepEqual({ status: outcome.status, location: outcome.location }, { status: 302, location: `${vigil.url}/` }, outcome.body);
  }

  function settingsBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      enabled: true,
      issuer_url: provider.issuer,
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
      redirect_url: `${vigil.url}/api/auth/oidc/callback`,
      auto_create: false,
      default_role: 'viewer',
      group_claim: 'groups',
      group_mappings: { 'vigil-admins': 'admin', 'vigil-ops': 'operator' },
      ...overrides,
    };
  }

  before(async () => {
    await buildDashboard();
    vigil = await startVigil();
    provider = await startOidcProvider({ redirectUri: `${vigil.url}/api/auth/oidc/callback`, accounts: ACCOUNTS });
  });

  after(async () => {
    await provider?.stop();
    await vigil?.stop();
  });

  test('until configured, available is false and login answers 404', async () => {
    assert.deepEqual(await api('GET', '/api/auth/oidc/available'), { status: 200, body: { available: false } });
    assert.deepEqual(await api('GET', '/api/auth/oidc/login'), { status: 404, body: { error: 'OIDC not configured' } });
  });

  test('POST /api/settings/oidc saves; the secret is masked fully, kept when sent back masked, and bad values are 400s', async () => {
    assert.deepEqual(await api('POST', '/api/settings/oidc', settingsBody()), { status: 200, body: { status: 'ok' } });
    const shown = await api('GET', '/api/settings/oidc');
    assert.deepEqual(shown.body, {
      enabled: true,
      issuer_url: provider.issuer,
      client_id: 'vigil',
      client_secret: '****',
      redirect_url: `${vigil.url}/api/auth/oidc/callback`,
      auto_create: false,
      default_role: 'viewer',
      group_claim: 'groups',
      group_mappings: { 'vigil-admins': 'admin', 'vigil-ops': 'operator' },
      scopes: ['openid', 'profile', 'email', 'groups'],
    });
    // Sent back as shown: the stored secret stays (the sign-ins below prove it still works).
    assert.equal((await api('POST', '/api/settings/oidc', { ...shown.body, client_secret: '****' })).status, 200);
    const secret = await api('GET', '/api/v1/namespaces/vigil-system/secrets/vigil-oidc');
    assert.deepEqual(Object.keys(secret.body.data as Record<string, string>), ['clientSecret']);
    assert.ok(!JSON.stringify((await api('GET', '/api/settings/oidc')).body).includes(provider.clientSecret), 'the secret is never shown');
    assert.deepEqual(await api('POST', '/api/settings/oidc', { default_role: 'owner' }), { status: 400, body: { error: 'default_role must be admin, operator or viewer' } });
    assert.deepEqual(await api('POST', '/api/settings/oidc', { issuer_url: 'http://idp.example.com' }), { status: 400, body: { error: 'issuer_url: the issuer must be https:// (plain http:// only on a loopback address)' } });
    assert.deepEqual(await api('GET', '/api/auth/oidc/available'), { status: 200, body: { available: true } });
  });

  test('auto-create off: an identity with no linked account is refused', async () => {
    const { outcome } = await signIn('sub-alice');
    assert.equal(outcome.status, 403);
    assert.deepEqual(JSON.parse(outcome.body), { error: 'no Vigil account is linked to this identity and automatic account creation is off: ask an admin' });
  });

  test('auto-create on: groups from userinfo map to each role, the highest wins, no mapped group gives the default role', async () => {
    assert.equal((await api('POST', '/api/settings/oidc', { auto_create: true })).status, 200);
    const expected = { 'sub-alice': ['alice', 'admin'], 'sub-bob': ['bob', 'operator'], 'sub-carol': ['carol', 'viewer'] } as const;
    for (const [login, [username, role]] of Object.entries(expected)) {
      const { outcome, jar } = await signIn(login);
      assertSignedIn(outcome);
      const who = await me(jar);
      assert.deepEqual({ username: who.username, role_id: who.role_id }, { username, role_id: role }, login);
    }
    // The same identity signs in to the same account again.
    const first = await signIn('sub-bob');
    assertSignedIn(first.outcome);
    assert.equal((await me(first.jar)).username, 'bob');
  });

  test('in Chromium, the sign-in page links to single sign-on, and the provider\'s pages send the browser back signed in', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
    try {
      const page = await browser.newPage();
      // Every wait of the page (navigations, locators) by the test bed's deadline rather than Playwright's 30 s.
      page.setDefaultTimeout(deadlines.request);
      await page.goto(`${vigil.url}/`);
      await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
      // oidc-provider's development login and consent pages.
      await page.locator('input[name="login"]').fill('sub-carol', { timeout: deadlines.request });
      await page.locator('input[name="password"]').fill('any-password');
      await page.getByRole('button', { name: 'Sign-in' }).click();
      await page.getByRole('button', { name: 'Continue' }).click({ timeout: deadlines.request });
      await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: deadlines.request });
      await page.getByText('carol (viewer)').waitFor({ timeout: deadlines.request });
    } finally {
      await browser.close();
    }
  });

  test('an identity whose provider username is "admin" does not become the local admin', async () => {
    const local = (await api('GET', '/api/auth/me')).body;
    assert.equal(local.username, ADMIN_USERNAME);
    const { outcome, jar } = await signIn('sub-mallory');
    assertSignedIn(outcome);
    const who = await me(jar);
    assert.notEqual(who.id, local.id);
    assert.deepEqual({ username: who.username, role_id: who.role_id }, { username: 'admin@127.0.0.1', role_id: 'viewer' });
  });

  test('a sign-in without the groups claim keeps the role (no demotion to the default); with the claim the mapping applies', async () => {
    // bob's groups now map to nothing, so a groups claim would give him the default role, viewer. Without the groups
    // scope the provider releases no groups claim at all, and his role stays.
    assert.equal((await api('POST', '/api/settings/oidc', { scopes: ['openid', 'profile', 'email'], group_mappings: { 'vigil-admins': 'admin' } })).status, 200);
    const without = await signIn('sub-bob');
    assertSignedIn(without.outcome);
    assert.deepEqual((({ username, role_id }) => ({ username, role_id }))(await me(without.jar)), { username: 'bob', role_id: 'operator' });
    assert.equal((await api('POST', '/api/settings/oidc', { scopes: ['openid', 'profile', 'email', 'groups'] })).status, 200);
    const withClaim = await signIn('sub-bob');
    assertSignedIn(withClaim.outcome);
    assert.equal((await me(withClaim.jar)).role_id, 'viewer');
    assert.equal((await api('POST', '/api/settings/oidc', { group_mappings: { 'vigil-admins': 'admin', 'vigil-ops': 'operator' } })).status, 200);
  });

  test('a sign-in never takes over a local account by name; an admin links one explicitly (one identity, one account)', async () => {
    await vigil.createUser('viewer', 'dora');
    const byName = await signIn('sub-dora');
    assertSignedIn(byName.outcome);
    const created = await me(byName.jar);
    assert.equal(created.username, 'dora@127.0.0.1');
    const users = (await fetch(`${vigil.url}/api/auth/users`, { headers: vigil.headers(), signal: AbortSignal.timeout(deadlines.request) }).then(async (r) => await r.json())) as Array<{ id: string; username: string; oidc: unknown }>;
    const local = users.find((user) => user.username === 'dora');
    assert.ok(local !== undefined && local.oidc === null);
    const identity = { issuer: provider.issuer, subject: 'sub-dora' };
    const taken = await api('PUT', `/api/auth/users/${local.id}/oidc`, identity);
    assert.deepEqual(taken, { status: 409, body: { error: 'this identity is linked to another account: unlink it there first' } });
    assert.equal((await api('DELETE', `/api/auth/users/${created.id}/oidc`)).status, 200);
    const linked = await api('PUT', `/api/auth/users/${local.id}/oidc`, identity);
    assert.deepEqual({ status: linked.status, oidc: linked.body.oidc }, { status: 200, oidc: identity });
    const again = await signIn('sub-dora');
    assertSignedIn(again.outcome);
    assert.deepEqual((({ id, username }) => ({ id, username }))(await me(again.jar)), { id: local.id, username: 'dora' });
  });

  test('enabled false switches single sign-on off and keeps the rest; true switches it back on', async () => {
    assert.equal((await api('POST', '/api/settings/oidc', { enabled: false })).status, 200);
    assert.deepEqual(await api('GET', '/api/auth/oidc/available'), { status: 200, body: { available: false } });
    assert.deepEqual(await api('GET', '/api/auth/oidc/login'), { status: 404, body: { error: 'OIDC not configured' } });
    assert.equal((await api('GET', '/api/settings/oidc')).body.client_id, 'vigil');
    assert.equal((await api('POST', '/api/settings/oidc', { enabled: true })).status, 200);
    const { outcome } = await signIn('sub-carol');
    assertSignedIn(outcome);
  });

  test('a wrong state, a wrong nonce, a code issued to another client and a callback used twice are refused', async () => {
    const wrongState = await signIn('sub-bob', { tamper: (url) => url.searchParams.set('state', 'not-the-state') });
    assert.equal(wrongState.outcome.status, 401);
    assert.match(JSON.parse(wrongState.outcome.body).error, /^single sign-on failed: .*state/);

    const wrongNonce = await signIn('sub-bob', { tamper: (url) => url.searchParams.set('nonce', 'not-the-nonce') });
    assert.equal(wrongNonce.outcome.status, 401);
    assert.match(JSON.parse(wrongNonce.outcome.body).error, /^single sign-on failed: .*nonce/);

    const otherClient = await signIn('sub-bob', { tamper: (url) => url.searchParams.set('client_id', provider.otherClientId) });
    assert.equal(otherClient.outcome.status, 401);
    assert.match(JSON.parse(otherClient.outcome.body).error, /^single sign-on failed: /);

    let callback: URL | undefined;
    const jar = new CookieJar();
    const once = await signInThroughProvider(vigil.url, jar, 'sub-bob', { tamperCallback: (url) => (callback = new URL(url)) });
    assertSignedIn(once);
    assert.ok(callback !== undefined);
    const cookie = jar.header(callback);
    const again = await fetch(callback, { headers: { cookie }, redirect: 'manual', signal: AbortSignal.timeout(deadlines.request) });
    assert.equal(again.status, 400);
    assert.match(((await again.json()) as { error: string }).error, /^no single sign-on in progress|expired or was used already/);
  });
});

describe('single sign-on and the account lock', () => {
  let vigil: Harness;
  let provider: TestProvider;
  let admin: Credentials;

  before(async () => {
    // In process, for its clock and a sign-in budget that lets ten wrong passwords through.
    vigil = await startInProcessVigil({ signInLimitPerMinute: 1000 });
    admin = await setUp(vigil);
    provider = await startOidcProvider({ redirectUri: `${vigil.url}/api/auth/oidc/callback`, accounts: ACCOUNTS });
    const saved = await vigil.app.inject({
      method: 'POST',
      url: '/api/settings/oidc',
      ...as(admin),
      payload: { enabled: true, issuer_url: provider.issuer, client_id: provider.clientId, client_secret: provider.clientSecret, redirect_url: `${vigil.url}/api/auth/oidc/callback`, auto_create: true },
    });
    assert.equal(saved.statusCode, 200, saved.body);
  });

  after(async () => {
    await provider?.stop();
    await vigil?.close();
  });

  test('a locked account stays locked through single sign-on until the lock ends', async () => {
    const first = await signInThroughProvider(vigil.url, new CookieJar(), 'sub-carol');
    assert.equal(first.status, 302, first.body);
    for (let attempt = 0; attempt < 10; attempt += 1) assert.equal((await login(vigil, 'carol', 'wrong-password-1')).statusCode, 401);
    const locked = await signInThroughProvider(vigil.url, new CookieJar(), 'sub-carol');
    assert.equal(locked.status, 429, locked.body);
    assert.match((JSON.parse(locked.body) as { error: string }).error, /this account is locked/);
    vigil.advance(31 * 60_000);
    const after = await signInThroughProvider(vigil.url, new CookieJar(), 'sub-carol');
    assert.equal(after.status, 302, after.body);
  });
});
