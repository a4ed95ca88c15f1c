// Single sign-on settings and the roles groups give (apiserver/auth/oidc/settings.ts, accounts.ts): what Settings
// spec.oidc means, without a provider.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { oidcSettingsOf, type OidcSettings } from '../../../apiserver/auth/oidc/settings.ts';
import { roleFromGroups } from '../../../apiserver/auth/oidc/accounts.ts';
import { issuerProblem } from '../../../apiserver/auth/oidc/client.ts';
import { dashboardUrl } from '../../../apiserver/auth/oidc/routes.ts';

const BASE = { enabled: true, issuerUrl: 'https://idp.example.com', clientId: 'vigil', redirectUrl: 'https://vigil.example.com/api/auth/oidc/callback' };

function settings(overrides: Partial<OidcSettings> = {}): OidcSettings {
  const made = oidcSettingsOf({ oidc: { ...BASE, groupMappings: { admins: 'admin', ops: 'operator', readers: 'viewer' } } }, 'secret');
  assert.ok(made !== undefined);
  return { ...made, ...overrides };
}

const claims = (extra: Record<string, unknown>) => ({ iss: 'https://idp.example.com', sub: 'u1', ...extra });

describe('Settings spec.oidc', () => {
  test('off unless enabled with an issuer, a client id and a redirect URL', () => {
    assert.equal(oidcSettingsOf(undefined, undefined), undefined);
    assert.equal(oidcSettingsOf({ oidc: { ...BASE, enabled: false } }, 'secret'), undefined);
    assert.equal(oidcSettingsOf({ oidc: { ...BASE, clientId: undefined } }, 'secret'), undefined);
    assert.equal(oidcSettingsOf({ oidc: { ...BASE, redirectUrl: undefined } }, 'secret'), undefined);
    assert.deepEqual(oidcSettingsOf({ oidc: BASE }, undefined), {
      issuer: 'https://idp.example.com', clientId: 'vigil', clientSecret: undefined, redirectUrl: BASE.redirectUrl,
      autoCreate: false, defaultRole: 'viewer', groupClaim: 'groups', groupMappings: {}, scopes: ['openid', 'profile', 'email', 'groups'],
    });
  });

  test('scopes are asked for as set, with openid always added', () => {
    assert.deepEqual(oidcSettingsOf({ oidc: { ...BASE, scopes: ['profile', 'email'] } }, undefined)?.scopes, ['openid', 'profile', 'email']);
    assert.deepEqual(oidcSettingsOf({ oidc: { ...BASE, scopes: ['openid', 'roles'] } }, undefined)?.scopes, ['openid', 'roles']);
  });

  test('a signed-in browser goes to the dashboard beside the callback, under a proxy\'s base path too', () => {
    assert.equal(dashboardUrl('https://vigil.example.com/api/auth/oidc/callback'), 'https://vigil.example.com/');
    assert.equal(dashboardUrl('https://example.com/vigil/api/auth/oidc/callback'), 'https://example.com/vigil/');
    assert.equal(dashboardUrl('https://example.com/elsewhere'), '/');
  });

  test('plain http issuers only on loopback', () => {
    assert.equal(issuerProblem('https://idp.example.com'), undefined);
    assert.equal(issuerProblem('http://127.0.0.1:5556'), undefined);
    assert.equal(issuerProblem('http://localhost:5556'), undefined);
    assert.equal(issuerProblem('http://[::1]:5556'), undefined);
    assert.match(issuerProblem('http://idp.example.com') ?? '', /plain http:\/\/ only on a loopback address/);
    assert.match(issuerProblem('http://10.0.0.5') ?? '', /only on a loopback address/);
  });
});

describe('roles from groups', () => {
  test('the highest mapped role wins; no mapped group gives defaultRole; no claim gives nothing (the role stays)', () => {
    assert.equal(roleFromGroups(claims({ groups: ['readers', 'ops'] }), settings()), 'operator');
    assert.equal(roleFromGroups(claims({ groups: ['ops', 'admins'] }), settings()), 'admin');
    assert.equal(roleFromGroups(claims({ groups: ['staff'] }), settings({ defaultRole: 'operator' })), 'operator');
    assert.equal(roleFromGroups(claims({ groups: [] }), settings()), 'viewer');
    assert.equal(roleFromGroups(claims({}), settings({ defaultRole: 'admin' })), undefined);
    // A single group as a string, as some providers send it.
    assert.equal(roleFromGroups(claims({ groups: 'admins' }), settings()), 'admin');
  });

  test('groupClaim names the claim the groups are read from', () => {
    const roles = settings({ groupClaim: 'roles' });
    assert.equal(roleFromGroups(claims({ roles: ['admins'], groups: ['readers'] }), roles), 'admin');
    assert.equal(roleFromGroups(claims({ groups: ['admins'] }), roles), undefined);
  });
});
