// First run, signing in and out, cookies, CSRF, API tokens, two-factor, brute force and lockout, security headers,
// and that no password, token or secret ever reaches the store's files or the logs in clear.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { totpCode } from '../../../apiserver/auth/totp.ts';
import { ADMIN, as, cookiesOf, createToken, createUser, login, loginOk, setUp, startVigil, type Credentials, type Harness } from './harness.ts';

describe('first run', () => {
  let vigil: Harness;
  before(async () => {
    vigil = await startVigil();
  });
  after(async () => await vigil.close());

  test('only setup is served, and the setup token is in a 0600 file', async () => {
    const path = join(vigil.dataDir, 'setup-token');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(readFileSync(path, 'utf8').trim(), vigil.setupToken);
    const rest = await vigil.app.inject({ method: 'GET', url: '/api/containers' });
    assert.equal(rest.statusCode, 503);
    assert.match(rest.json<{ error: string }>().error, /not set up yet.*POST \/setup/);
    const login = await vigil.app.inject({ method: 'POST', url: '/login', payload: ADMIN });
    assert.equal(login.statusCode, 503);
    assert.equal((await vigil.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });

  test('setup is refused without the setup token or with a wrong one', async () => {
    for (const payload of [{ ...ADMIN }, { ...ADMIN, setup_token: 'wrong' }]) {
      const response = await vigil.app.inject({ method: 'POST', url: '/setup', payload });
      assert.equal(response.statusCode, 403);
      assert.match(response.json<{ error: string }>().error, /setup token/);
    }
  });

  test('setup with the token creates the admin, signs in, removes the token file, and cannot happen twice', async () => {
    const response = await vigil.app.inject({ method: 'POST', url: '/setup', payload: { ...ADMIN, setup_token: vigil.setupToken } });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { redirect: '/' });
    const admin = cookiesOf(response);
    const me = await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(admin) });
    assert.equal(me.json<{ role_id: string }>().role_id, 'admin');
    assert.equal(existsSync(join(vigil.dataDir, 'setup-token')), false);
    const again = await vigil.app.inject({ method: 'POST', url: '/setup', payload: { username: 'other', password: 'other-pass-1', setup_token: vigil.setupToken } });
    assert.equal(again.statusCode, 409);
    assert.deepEqual(again.json(), { error: 'setup is already complete' });
  });
});

describe('signing in', () => {
  let vigil: Harness;
  let admin: Credentials;
  before(async () => {
    vigil = await startVigil();
    admin = await setUp(vigil);
  });
  after(async () => await vigil.close());

  test('login answers {"redirect":"/"} with an HttpOnly session cookie and a script-readable CSRF cookie', async () => {
    const response = await login(vigil, ADMIN.username, ADMIN.password);
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { redirect: '/' });
    const session = response.cookies.find((cookie) => cookie.name === 'sentinel_session');
    const csrf = response.cookies.find((cookie) => cookie.name === 'sentinel_csrf');
    assert.equal(session?.httpOnly, true);
    assert.equal(session?.sameSite, 'Lax');
    assert.equal(session?.path, '/');
    assert.equal(session?.maxAge, 720 * 3600);
    assert.equal(session?.secure, undefined, 'not Secure over plain HTTP');
    assert.equal(csrf?.httpOnly, undefined);
    assert.equal(csrf?.sameSite, 'Lax');
  });

  test('login accepts a form body, and a wrong password or unknown user gets the same 401', async () => {
    const form = await vigil.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `username=${ADMIN.username}&password=${ADMIN.password}`,
    });
    assert.equal(form.statusCode, 200);
    const wrong = await login(vigil, ADMIN.username, 'not-the-password-1');
    const unknown = await login(vigil, 'nobody', 'not-the-password-1');
    assert.equal(wrong.statusCode, 401);
    assert.deepEqual(wrong.json(), unknown.json());
  });

  test('/api/auth/me tells who is signed in; after logout the session is gone', async () => {
    const mine = await loginOk(vigil, ADMIN.username, ADMIN.password);
    const me = await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(mine) });
    assert.equal(me.statusCode, 200);
    const body = me.json<{ username: string; role_id: string; permissions: string[]; auth_enabled: boolean; id: string }>();
    assert.equal(body.username, 'admin');
    assert.equal(body.permissions.length, 10);
    assert.equal(body.auth_enabled, true);
    assert.match(body.id, /^usr_/);
    const out = await vigil.app.inject({ method: 'POST', url: '/logout', ...as(mine) });
    assert.equal(out.statusCode, 200);
    assert.ok(out.cookies.some((cookie) => cookie.name === 'sentinel_session' && cookie.value === ''));
    const after = await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(mine) });
    assert.equal(after.statusCode, 401);
    assert.match(after.json<{ error: string }>().error, /expired or was revoked/);
    assert.equal((await vigil.app.inject({ method: 'GET', url: '/api/auth/me' })).statusCode, 401);
  });

  test('a state-changing request with a session must echo the CSRF token; a bearer token needs none', async () => {
    const noHeader = await vigil.app.inject({ method: 'POST', url: '/api/auth/tokens', cookies: { sentinel_session: admin.session }, payload: { name: 'x' } });
    assert.equal(noHeader.statusCode, 403);
    assert.match(noHeader.json<{ error: string }>().error, /CSRF/);
    const wrongHeader = await vigil.app.inject({
      method: 'POST',
      url: '/api/auth/tokens',
      cookies: { sentinel_session: admin.session },
      headers: { 'x-csrf-token': `${admin.csrf}x` },
      payload: { name: 'x' },
    });
    assert.equal(wrongHeader.statusCode, 403);
    const other = await loginOk(vigil, ADMIN.username, ADMIN.password);
    const otherSessionsToken = await vigil.app.inject({
      method: 'POST',
      url: '/api/auth/tokens',
      cookies: { sentinel_session: admin.session },
      headers: { 'x-csrf-token': other.csrf },
      payload: { name: 'x' },
    });
    assert.equal(otherSessionsToken.statusCode, 403, "another session's CSRF token does not fit");
    const token = await createToken(vigil, admin, 'ci');
    const withBearer = await vigil.app.inject({ method: 'POST', url: '/api/auth/tokens', ...as(token), payload: { name: 'from-token' } });
    assert.equal(withBearer.statusCode, 201);
    const reads = await vigil.app.inject({ method: 'GET', url: '/api/auth/sessions', cookies: { sentinel_session: admin.session } });
    assert.equal(reads.statusCode, 200, 'reads need no CSRF token');
  });

  test('an API token is shown once, listed without its value, stored only as a hash, and dies when deleted', async () => {
    const created = await vigil.app.inject({ method: 'POST', url: '/api/auth/tokens', ...as(admin), payload: { name: 'once' } });
    const { id, name, token } = created.json<{ id: string; name: string; token: string }>();
    assert.match(id, /^tok_/);
    assert.equal(name, 'once');
    assert.match(token, /^stk_[-\w]{43}$/);
    const listed = await vigil.app.inject({ method: 'GET', url: '/api/auth/tokens', ...as(admin) });
    assert.ok(!listed.body.includes(token));
    assert.ok(listed.json<{ id: string }[]>().some((entry) => entry.id === id));
    const records = await vigil.store.list('/vigil/auth/tokens/');
    assert.ok(!JSON.stringify(records.items).includes(token), 'the store holds no token in clear');
    assert.equal((await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(token) })).statusCode, 200);
    assert.equal((await vigil.app.inject({ method: 'DELETE', url: `/api/auth/tokens/${id}`, ...as(admin) })).statusCode, 200);
    const revoked = await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(token) });
    assert.equal(revoked.statusCode, 401);
    assert.deepEqual(revoked.json(), { error: 'invalid or revoked API token' });
  });

  test('every response carries the security headers, errors and resource API answers too', async () => {
    for (const [url, credentials] of [['/healthz', undefined], ['/api/auth/me', admin], ['/api/auth/me', undefined], ['/apis/vigil.dev/v1alpha1/containers', undefined], ['/nowhere', admin]] as const) {
      const response = await vigil.app.inject({ method: 'GET', url, ...as(credentials) });
      assert.equal(response.headers['x-frame-options'], 'DENY', url);
      assert.equal(response.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(response.headers['referrer-policy'], 'same-origin', url);
      const csp = String(response.headers['content-security-policy']);
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /object-src 'none'/);
      assert.ok(!csp.includes('unsafe-inline'), url);
    }
  });

  test('the resource API answers 401 as a Kubernetes Status kubectl can print', async () => {
    const response = await vigil.app.inject({ method: 'GET', url: '/apis/vigil.dev/v1alpha1/namespaces/local/containers' });
    assert.equal(response.statusCode, 401);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.deepEqual(response.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'authentication required: sign in or send Authorization: Bearer stk_...',
      reason: 'Unauthorized',
      code: 401,
    });
  });
});

describe('two-factor authentication', () => {
  let vigil: Harness;
  let admin: Credentials;
  let secret: string;
  let recoveryCodes: string[];
  before(async () => {
    // More sign-ins than the per-address limit allows in a minute: the limit has its own test below.
    vigil = await startVigil({ signInLimitPerMinute: 1000 });
    admin = await setUp(vigil);
  });
  after(async () => await vigil.close());

  test('setup offers a secret and URI; confirm needs a valid code and returns 8 recovery codes in plain text once', async () => {
    const setup = await vigil.app.inject({ method: 'POST', url: '/api/auth/totp/setup', ...as(admin) });
    assert.equal(setup.statusCode, 200);
    ({ secret } = setup.json<{ secret: string; uri: string }>());
    assert.match(setup.json<{ uri: string }>().uri, /^otpauth:\/\/totp\/Vigil:admin\?/);
    const wrong = await vigil.app.inject({ method: 'POST', url: '/api/auth/totp/confirm', ...as(admin), payload: { code: '000000' } });
    assert.equal(wrong.statusCode, 400);
    const confirm = await vigil.app.inject({ method: 'POST', url: '/api/auth/totp/confirm', ...as(admin), payload: { code: totpCode(secret, vigil.now().getTime()) } });
    assert.equal(confirm.statusCode, 200);
    recoveryCodes = confirm.json<{ recovery_codes: string[] }>().recovery_codes;
    assert.equal(recoveryCodes.length, 8);
    for (const code of recoveryCodes) assert.match(code, /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    const status = await vigil.app.inject({ method: 'GET', url: '/api/auth/totp/status', ...as(admin) });
    assert.deepEqual(status.json(), { enabled: true, recovery_codes_remaining: 8 });
  });

  test('login then asks for the second factor, and a TOTP code completes it once', async () => {
    vigil.advance(60_000);
    const first = await login(vigil, ADMIN.username, ADMIN.password);
    assert.equal(first.statusCode, 200);
    const { totp_required, totp_token } = first.json<{ totp_required: boolean; totp_token: string }>();
    assert.equal(totp_required, true);
    assert.equal(first.cookies.length, 0, 'no session before the second factor');
    const bad = await vigil.app.inject({ method: 'POST', url: '/api/auth/totp/verify', payload: { totp_token, code: '123456' } });
    assert.equal(bad.statusCode, 401);
    const code = totpCode(secret, vigil.now().getTime());
    const good = await vigil.app.inject({ method: 'POST', url: '/api/auth/totp/verify', payload: { totp_token, code } });
    assert.equal(good.statusCode, 200);
    assert.deepEqual(good.json(), { redirect: '/' });
    cookiesOf(good);
    const reused = await vigil.app.inject({ method: 'POST', url: '/api/auth/totp/verify', payload: { totp_token, code } });
    assert.equal(reused.statusCode, 401, 'the pending sign-in is used up');
    const second = (await login(vigil, ADMIN.username, ADMIN.password)).json<{ totp_token: string }>();
    const replay = await vigil.app.inject({ method: 'POST', url: '/api/auth/totp/verify', payload: { totp_token: second.totp_token, code } });
    assert.equal(replay.statusCode, 401, 'the same code is not accepted twice');
  });

  test('a recovery code works instead of a TOTP code, once', async () => {
    const code = recoveryCodes[0] ?? '';
    const first = (await login(vigil, ADMIN.username, ADMIN.password)).json<{ totp_token: string }>();
    const used = await vigil.app.inject({ method: 'POST', url: '/api/auth/totp/verify', payload: { totp_token: first.totp_token, code: code.toUpperCase() } });
    assert.equal(used.statusCode, 200);
    const second = (await login(vigil, ADMIN.username, ADMIN.password)).json<{ totp_token: string }>();
    const again = await vigil.app.inject({ method: 'POST', url: '/api/auth/totp/verify', payload: { totp_token: second.totp_token, code } });
    assert.equal(again.statusCode, 401);
    const status = await vigil.app.inject({ method: 'GET', url: '/api/auth/totp/status', ...as(admin) });
    assert.deepEqual(status.json(), { enabled: true, recovery_codes_remaining: 7 });
  });

  test('disabling needs the password; then login needs no second factor', async () => {
    const wrong = await vigil.app.inject({ method: 'POST', url: '/api/auth/totp/disable', ...as(admin), payload: { password: 'nope-1234' } });
    assert.equal(wrong.statusCode, 403);
    const right = await vigil.app.inject({ method: 'POST', url: '/api/auth/totp/disable', ...as(admin), payload: { password: ADMIN.password } });
    assert.equal(right.statusCode, 200);
    assert.deepEqual((await login(vigil, ADMIN.username, ADMIN.password)).json(), { redirect: '/' });
  });

  test('neither the TOTP secret nor a recovery code is in the store files or the logs', () => {
    const disk = vigil.diskContent();
    const logs = vigil.logs.join('');
    for (const value of [secret, ...recoveryCodes, ADMIN.password, admin.session, admin.csrf]) {
      assert.ok(!disk.includes(value), `${value.slice(0, 4)}… is on disk`);
      assert.ok(!logs.includes(value), `${value.slice(0, 4)}… is in the logs`);
    }
    assert.ok(logs.includes('"url":"/api/auth/totp/verify"'), 'the logs were captured');
  });
});

describe('brute force', () => {
  let vigil: Harness;
  before(async () => {
    vigil = await startVigil();
    await setUp(vigil);
  });
  after(async () => await vigil.close());

  test('the 11th sign-in attempt from one address within a minute gets 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (let attempt = 1; attempt <= 11; attempt += 1) {
      const response = await login(vigil, 'someone', `guess-${attempt}-x`, '10.9.9.1');
      statuses.push(response.statusCode);
      if (attempt === 11) {
        assert.ok(Number(response.headers['retry-after']) > 0);
        assert.match(response.json<{ error: string }>().error, /too many attempts/);
        assert.deepEqual(Object.keys(response.json()), ['error']);
      }
    }
    assert.deepEqual(statuses, [...Array<number>(10).fill(401), 429]);
    const otherAddress = await login(vigil, 'someone-else', 'guess-x-1', '10.9.9.2');
    assert.equal(otherAddress.statusCode, 401, 'the limit is per address');
    const verify = await vigil.app.inject({ method: 'POST', url: '/api/auth/totp/verify', payload: { totp_token: 'x', code: '1' }, remoteAddress: '10.9.9.1' });
    assert.equal(verify.statusCode, 429, 'the second factor shares the limit');
  });

  test('10 failures lock the account for 30 minutes, even for the right password, and unknown names look the same', async () => {
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      assert.equal((await login(vigil, ADMIN.username, `wrong-${attempt}-x`, `10.8.0.${attempt}`)).statusCode, 401);
      assert.equal((await login(vigil, 'ghost', `wrong-${attempt}-x`, `10.7.0.${attempt}`)).statusCode, 401);
    }
    const locked = await login(vigil, ADMIN.username, ADMIN.password, '10.8.1.1');
    assert.equal(locked.statusCode, 429);
    assert.equal(locked.headers['retry-after'], String(30 * 60));
    const ghost = await login(vigil, 'ghost', 'anything-1', '10.8.1.2');
    assert.equal(ghost.statusCode, 429);
    assert.deepEqual(ghost.json(), locked.json(), 'a locked real account and an unknown name answer alike');
    vigil.advance(29 * 60_000);
    assert.equal((await login(vigil, ADMIN.username, ADMIN.password, '10.8.1.3')).statusCode, 429);
    vigil.advance(60_000 + 1);
    assert.equal((await login(vigil, ADMIN.username, ADMIN.password, '10.8.1.4')).statusCode, 200);
  });
});

describe('secrets in the logs', () => {
  test('a full session of use leaves no password or token in the captured pino output or on disk', async () => {
    const vigil = await startVigil();
    try {
      const admin = await setUp(vigil);
      await createUser(vigil, admin, 'ops', 'operator', 'ops-password-77');
      const token = await createToken(vigil, admin);
      await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(token) });
      await vigil.app.inject({ method: 'POST', url: '/api/auth/change-password', ...as(admin), payload: { current_password: ADMIN.password, new_password: 'brand-new-pass-9' } });
      await login(vigil, 'ops', 'ops-wrong-password-1');
      const logs = vigil.logs.join('');
      const disk = vigil.diskContent();
      for (const value of [ADMIN.password, 'ops-password-77', 'brand-new-pass-9', 'ops-wrong-password-1', token, admin.session, admin.csrf, vigil.setupToken ?? 'unset']) {
        assert.ok(!disk.includes(value), `${value.slice(0, 6)}… is on disk`);
        if (value !== vigil.setupToken) assert.ok(!logs.includes(value), `${value.slice(0, 6)}… is in the logs`);
      }
      assert.ok(logs.includes('setup complete'), 'the logs were captured');
    } finally {
      await vigil.close();
    }
  });
});
