// The state of passkey ceremonies between begin and finish (apiserver/auth/passkeys/ceremonies.ts): kept in the store
// under the hash of the challenge, used once, only by who began it, only until the timeout the browser was given.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { beginCeremony, CEREMONY_TIMEOUT_MS, challengeOf, consumeCeremony } from '../../../apiserver/auth/passkeys/ceremonies.ts';
import { testAuth, type TestAuth } from '../../testbed/auth.ts';

describe('passkey ceremonies', () => {
  let nowMs = Date.parse('2026-03-01T10:00:00Z');
  let auth: TestAuth;
  before(async () => {
    auth = await testAuth({ now: () => new Date(nowMs) });
  });
  after(async () => await auth.close());

  test('a ceremony is consumed once: a second finish with the same challenge finds nothing', async () => {
    const context = auth.auth.context;
    const { challenge } = await beginCeremony(context, 'login', 'cookie-hash');
    const first = await consumeCeremony(context, challenge, 'login', 'cookie-hash');
    assert.equal(first.ok, true);
    assert.deepEqual(await consumeCeremony(context, challenge, 'login', 'cookie-hash'), { ok: false, refusal: 'unknown' });
  });

  test('two finishes at once: exactly one gets the ceremony', async () => {
    const context = auth.auth.context;
    const { challenge } = await beginCeremony(context, 'login', 'cookie-hash');
    const results = await Promise.all([1, 2, 3].map(async () => await consumeCeremony(context, challenge, 'login', 'cookie-hash')));
    assert.equal(results.filter((result) => result.ok).length, 1);
  });

  test('it expires with the timeout sent to the browser, not later', async () => {
    const context = auth.auth.context;
    const early = await beginCeremony(context, 'registration', 'session-1', 'usr_1');
    const late = await beginCeremony(context, 'registration', 'session-1', 'usr_1');
    nowMs += CEREMONY_TIMEOUT_MS - 1;
    assert.equal((await consumeCeremony(context, early.challenge, 'registration', 'session-1')).ok, true);
    nowMs += 1;
    assert.deepEqual(await consumeCeremony(context, late.challenge, 'registration', 'session-1'), { ok: false, refusal: 'expired' });
  });

  test('only who began it can finish it, and only as the same kind of ceremony; a refused attempt uses it up', async () => {
    const context = auth.auth.context;
    const registration = await beginCeremony(context, 'registration', 'session-1', 'usr_1');
    assert.deepEqual(await consumeCeremony(context, registration.challenge, 'registration', 'session-2'), { ok: false, refusal: 'wrong-binding' });
    assert.deepEqual(await consumeCeremony(context, registration.challenge, 'registration', 'session-1'), { ok: false, refusal: 'unknown' });
    const login = await beginCeremony(context, 'login', 'cookie-hash');
    assert.deepEqual(await consumeCeremony(context, login.challenge, 'registration', 'cookie-hash'), { ok: false, refusal: 'wrong-kind' });
  });

  test('a challenge nobody issued is unknown, and expired ceremonies are pruned when the next begins', async () => {
    const context = auth.auth.context;
    assert.deepEqual(await consumeCeremony(context, 'bm90LWlzc3VlZA', 'login', 'cookie-hash'), { ok: false, refusal: 'unknown' });
    assert.deepEqual(await consumeCeremony(context, '', 'login', 'cookie-hash'), { ok: false, refusal: 'unknown' });
    await beginCeremony(context, 'login', 'a');
    nowMs += CEREMONY_TIMEOUT_MS;
    await beginCeremony(context, 'login', 'b');
    const left = await context.identities.ceremonies.list();
    assert.deepEqual(left.map((record) => record.binding), ['b']);
  });

  test('the challenge of a response is read from its clientDataJSON; anything unreadable gives none', () => {
    const data = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: 'abc_-1', origin: 'http://localhost:1' })).toString('base64url');
    assert.equal(challengeOf(data), 'abc_-1');
    assert.equal(challengeOf('not base64 json'), '');
    assert.equal(challengeOf(Buffer.from('{"challenge": 5}').toString('base64url')), '');
    assert.equal(challengeOf(undefined), '');
  });
});
