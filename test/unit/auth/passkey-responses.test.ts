// The browser's WebAuthn answers are checked for shape before the library sees them (apiserver/auth/passkeys/responses.ts):
// a malformed body is a 400 naming what is wrong, and what passes has exactly the fields the library's types promise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authenticationResponseOf, registrationResponseOf } from '../../../apiserver/auth/passkeys/responses.ts';

const ASSERTION = {
  id: 'Y3JlZA',
  rawId: 'Y3JlZA',
  type: 'public-key',
  response: { authenticatorData: 'YXV0aA', clientDataJSON: 'Y2xpZW50', signature: 'c2ln', userHandle: 'dXNlcg' },
};

test('an assertion without a user handle is refused: a discoverable sign-in must say whose credential it is', () => {
  const { userHandle: _userHandle, ...response } = ASSERTION.response;
  assert.deepEqual(authenticationResponseOf({ ...ASSERTION, response }), { ok: false, problem: 'response.userHandle must be a base64url string' });
});

test('malformed bodies are refused with what is wrong; a good one keeps exactly its fields (Sentinel sends no clientExtensionResults)', () => {
  assert.deepEqual(authenticationResponseOf('text'), { ok: false, problem: 'the body must be the credential as JSON' });
  assert.deepEqual(authenticationResponseOf({ ...ASSERTION, type: 'password' }), { ok: false, problem: 'type must be "public-key"' });
  assert.deepEqual(authenticationResponseOf({ ...ASSERTION, response: [] }), { ok: false, problem: 'response must be an object' });
  assert.deepEqual(authenticationResponseOf({ ...ASSERTION, id: 'not base64url!' }), { ok: false, problem: 'id must be a base64url string' });
  assert.deepEqual(authenticationResponseOf({ ...ASSERTION, extra: 1, response: { ...ASSERTION.response, more: 2 } }), {
    ok: true,
    value: { ...ASSERTION, clientExtensionResults: {} },
  });
  assert.deepEqual(registrationResponseOf({ id: 'aWQ', rawId: 'aWQ', type: 'public-key', response: { clientDataJSON: 'Y2xpZW50' } }), {
    ok: false,
    problem: 'response.attestationObject must be a base64url string',
  });
  assert.deepEqual(registrationResponseOf({ id: 'aWQ', rawId: 'aWQ', type: 'public-key', response: { clientDataJSON: 'Y2xpZW50', attestationObject: 'YXR0', transports: ['internal', 'hybrid'] } }), {
    ok: true,
    value: { id: 'aWQ', rawId: 'aWQ', type: 'public-key', response: { attestationObject: 'YXR0', clientDataJSON: 'Y2xpZW50', transports: ['internal', 'hybrid'] }, clientExtensionResults: {} },
  });
});
