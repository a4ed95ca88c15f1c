// Users, sessions, passwords, and authentication switched off.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, as, createToken, createUser, login, loginOk, setUp, startVigil, type Credentials, type Harness } from './harness.ts';

describe('users', () => {
  let vigil: Harness;
  let admin: Credentials;
  let adminId: string;
  before(async () => {
    vigil = await startVigil({ signInLimitPerMinute: 1000 });
    admin = await setUp(vigil);
    adminId = (await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(admin) })).json<{ id: string }>().id;
  });
  after(async () => await vigil.close());

  test('an admin creates users with a role; names are unique; weak passwords and bad roles are refused', async () => {
    const id = await createUser(vigil, admin, 'olivia', 'operator');
    assert.match(id, /^usr_/);
    const duplicate = await vigil.app.inject({ method: 'POST', url: '/api/auth/users', ...as(admin), payload: { username: 'Olivia', password: 'other-pass-1', role_id: 'viewer' } });
    assert.equal(duplicate.statusCode, 409);
    const weak = await vigil.app.inject({ method: 'POST', url: '/api/auth/users', ...as(admin), payload: { username: 'weak', password: 'password', role_id: 'viewer' } });
    assert.equal(weak.statusCode, 400);
    assert.deepEqual(weak.json(), { error: 'the password must contain a digit' });
    const role = await vigil.app.inject({ method: 'POST', url: '/api/auth/users', ...as(admin), payload: { username: 'x', password: 'x-pass-123', role_id: 'root' } });
    assert.equal(role.statusCode, 400);
    const listed = await vigil.app.inject({ method: 'GET', url: '/api/auth/users', ...as(admin) });
    assert.deepEqual(listed.json<{ username: string; role_id: string }[]>().map((user) => [user.username, user.role_id]), [['admin', 'admin'], ['olivia', 'operator']]);
    assert.ok(!listed.body.includes('scrypt'), 'no password hash leaves the server');
  });

  test('only users.manage may manage users', async () => {
    await createUser(vigil, admin, 'victor', 'viewer');
    const operator = await loginOk(vigil, 'olivia', 'olivia-pass-1');
    const viewer = await loginOk(vigil, 'victor', 'victor-pass-1');
    for (const who of [operator, viewer]) {
      const response = await vigil.app.inject({ method: 'GET', url: '/api/auth/users', ...as(who) });
      assert.equal(response.statusCode, 403);
      assert.match(response.json<{ error: string }>().error, /needs users\.manage/);
    }
  });

  test('nobody deletes themselves, and the last admin can be neither removed nor demoted', async () => {
    const self = await vigil.app.inject({ method: 'DELETE', url: `/api/auth/users/${adminId}`, ...as(admin) });
    assert.equal(self.statusCode, 403);
    assert.deepEqual(self.json(), { error: 'you cannot delete your own account' });
    const demote = await vigil.app.inject({ method: 'PATCH', url: `/api/auth/users/${adminId}`, ...as(admin), payload: { role_id: 'viewer' } });
    assert.equal(demote.statusCode, 403);
    assert.deepEqual(demote.json(), { error: 'the last admin cannot be demoted' });
    // With a second admin, either may go, and the remaining one is again the last.
    const secondId = await createUser(vigil, admin, 'ada', 'admin');
    const ada = await loginOk(vigil, 'ada', 'ada-pass-1');
    assert.equal((await vigil.app.inject({ method: 'DELETE', url: `/api/auth/users/${adminId}`, ...as(ada) })).statusCode, 200);
    assert.equal((await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(admin) })).statusCode, 401, 'a deleted user’s session dies');
    const last = await vigil.app.inject({ method: 'PATCH', url: `/api/auth/users/${secondId}`, ...as(ada), payload: { role_id: 'operator' } });
    assert.equal(last.statusCode, 403);
    admin = ada;
    adminId = secondId;
  });

  test('deleting a user revokes their API tokens', async () => {
    const id = await createUser(vigil, admin, 'temp', 'viewer');
    const token = await createToken(vigil, await loginOk(vigil, 'temp', 'temp-pass-1'));
    assert.equal((await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(token) })).statusCode, 200);
    assert.equal((await vigil.app.inject({ method: 'DELETE', url: `/api/auth/users/${id}`, ...as(admin) })).statusCode, 200);
    assert.equal((await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(token) })).statusCode, 401);
    assert.equal((await login(vigil, 'temp', 'temp-pass-1')).statusCode, 401);
  });
});

describe('sessions and passwords', () => {
  let vigil: Harness;
  before(async () => {
    vigil = await startVigil({ signInLimitPerMinute: 1000 });
    await setUp(vigil);
  });
  after(async () => await vigil.close());

  test('one lists and revokes one’s own sessions, one or all others', async () => {
    const a = await loginOk(vigil, ADMIN.username, ADMIN.password);
    const b = await loginOk(vigil, ADMIN.username, ADMIN.password);
    const c = await loginOk(vigil, ADMIN.username, ADMIN.password);
    const listed = (await vigil.app.inject({ method: 'GET', url: '/api/auth/sessions', ...as(a) })).json<{ id: string; current: boolean }[]>();
    assert.ok(listed.length >= 3);
    assert.equal(listed.filter((session) => session.current).length, 1);
    assert.ok(!JSON.stringify(listed).includes(a.session), 'the list shows ids, not the cookies');
    const bId = listed.find((session) => !session.current)?.id ?? '';
    assert.equal((await vigil.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${bId}`, ...as(a) })).statusCode, 200);
    assert.equal((await vigil.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${bId}`, ...as(a) })).statusCode, 404);
    assert.equal((await vigil.app.inject({ method: 'DELETE', url: '/api/auth/sessions', ...as(a) })).statusCode, 200);
    for (const other of [b, c]) assert.equal((await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(other) })).statusCode, 401);
    assert.equal((await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(a) })).statusCode, 200);
  });

  test('changing the password needs the current one and signs out every other session', async () => {
    const mine = await loginOk(vigil, ADMIN.username, ADMIN.password);
    const elsewhere = await loginOk(vigil, ADMIN.username, ADMIN.password);
    const wrong = await vigil.app.inject({ method: 'POST', url: '/api/auth/change-password', ...as(mine), payload: { current_password: 'nope-1234', new_password: 'next-pass-22' } });
    assert.equal(wrong.statusCode, 403);
    const weak = await vigil.app.inject({ method: 'POST', url: '/api/auth/change-password', ...as(mine), payload: { current_password: ADMIN.password, new_password: 'short1' } });
    assert.equal(weak.statusCode, 400);
    const ok = await vigil.app.inject({ method: 'POST', url: '/api/auth/change-password', ...as(mine), payload: { current_password: ADMIN.password, new_password: 'next-pass-22' } });
    assert.equal(ok.statusCode, 200);
    assert.equal((await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(elsewhere) })).statusCode, 401);
    assert.equal((await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(mine) })).statusCode, 200);
    assert.equal((await login(vigil, ADMIN.username, ADMIN.password)).statusCode, 401);
    assert.equal((await login(vigil, ADMIN.username, 'next-pass-22')).statusCode, 200);
  });

  test('a session expires after 720 hours', async () => {
    const fresh = await loginOk(vigil, ADMIN.username, 'next-pass-22');
    vigil.advance(720 * 3600_000 - 1000);
    assert.equal((await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(fresh) })).statusCode, 200);
    vigil.advance(2000);
    assert.equal((await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(fresh) })).statusCode, 401);
  });
});

describe('authentication switched off', () => {
  test('by configuration: everyone is admin, every response says so, and no API call switches it on', async () => {
    const vigil = await startVigil({ mode: 'off' });
    try {
      const me = await vigil.app.inject({ method: 'GET', url: '/api/auth/me' });
      assert.equal(me.statusCode, 200);
      assert.equal(me.headers['x-vigil-auth'], 'disabled');
      assert.deepEqual(me.json<{ role_id: string; auth_enabled: boolean }>().auth_enabled, false);
      assert.equal(me.json<{ role_id: string }>().role_id, 'admin');
      const resource = await vigil.app.inject({ method: 'GET', url: '/apis/vigil.dev/v1alpha1/namespaces/local/containers' });
      assert.equal(resource.headers['x-vigil-auth'], 'disabled');
      assert.notEqual(resource.statusCode, 401);
      const on = await vigil.app.inject({ method: 'POST', url: '/api/auth/settings', payload: { auth_enabled: true } });
      assert.equal(on.statusCode, 409);
      assert.match(on.json<{ error: string }>().error, /--auth=off/);
    } finally {
      await vigil.close();
    }
  });

  test('by an admin: anonymous requests become admin until it is switched back on', async () => {
    const vigil = await startVigil();
    try {
      const admin = await setUp(vigil);
      const adminToken = await createToken(vigil, await loginOk(vigil, 'admin', ADMIN.password));
      await createUser(vigil, admin, 'vera', 'viewer');
      const vera = await loginOk(vigil, 'vera', 'vera-pass-1');
      const refused = await vigil.app.inject({ method: 'POST', url: '/api/auth/settings', ...as(vera), payload: { auth_enabled: false } });
      assert.equal(refused.statusCode, 403);
      const off = await vigil.app.inject({ method: 'POST', url: '/api/auth/settings', ...as(admin), payload: { auth_enabled: false } });
      assert.deepEqual(off.json(), { status: 'ok', auth_enabled: false });
      const anonymous = await vigil.app.inject({ method: 'GET', url: '/api/auth/users' });
      assert.equal(anonymous.statusCode, 200);
      assert.equal(anonymous.headers['x-vigil-auth'], 'disabled');
      assert.ok(vigil.logs.join('').includes('authentication switched OFF'));
      const on = await vigil.app.inject({ method: 'POST', url: '/api/auth/settings', payload: { auth_enabled: true } });
      assert.equal(on.statusCode, 200);
      assert.equal((await vigil.app.inject({ method: 'GET', url: '/api/auth/users' })).statusCode, 401);
      assert.equal((await vigil.app.inject({ method: 'GET', url: '/api/auth/me', ...as(adminToken) })).statusCode, 200);
    } finally {
      await vigil.close();
    }
  });
});
