// Where passkeys' relying party comes from: Settings spec.passkeys (publicUrl → origin and relying-party ID,
// displayName → the name authenticators show), checked when written, and Sentinel's SENTINEL_WEBAUTHN_* variables,
// checked at start. An IP address is refused everywhere, saying why.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePublicUrl } from '../../../schemas/public-url.ts';
import { validateResource } from '../../../schemas/validation.ts';
import { relyingPartyOf } from '../../../apiserver/auth/passkeys/relying-party.ts';
import { passkeySettingsFromEnvironment } from '../../../apiserver/auth/passkeys/environment.ts';
import { beginRegistration } from '../../../apiserver/auth/passkeys/passkeys.ts';
import { environmentSettings } from '../../../cli/serve-settings.ts';
import { ConfigError } from '../../../cli/serve-config.ts';
import { findUserByName, deleteUser } from '../../../apiserver/auth/accounts.ts';
import { testAuth, type TestAuth } from '../../testbed/auth.ts';

function settings(passkeys: Record<string, unknown>): unknown {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { passkeys } };
}

describe('the public URL', () => {
  test('gives the origin and the host name as relying-party ID; a path behind a proxy does not matter', () => {
    assert.deepEqual(parsePublicUrl('https://vigil.example.com/'), { origin: 'https://vigil.example.com', hostname: 'vigil.example.com' });
    assert.deepEqual(parsePublicUrl('https://Example.COM:8443/vigil/'), { origin: 'https://example.com:8443', hostname: 'example.com' });
    assert.deepEqual(parsePublicUrl('http://localhost:8080'), { origin: 'http://localhost:8080', hostname: 'localhost' });
  });

  test('refuses what no browser accepts, saying why', () => {
    assert.throws(() => parsePublicUrl('http://127.0.0.1:8080'), /not an IP address: browsers refuse passkeys for an IP address/);
    assert.throws(() => parsePublicUrl('https://[::1]:8080'), /not an IP address/);
    assert.throws(() => parsePublicUrl('http://vigil.example.com'), /must be https:\/\/ unless the host is localhost/);
    assert.throws(() => parsePublicUrl('vigil.example.com'), /absolute URL/);
    assert.throws(() => parsePublicUrl('ftp://vigil.example.com'), /must start with https:\/\//);
    assert.throws(() => parsePublicUrl('https://user:pw@vigil.example.com'), /user name or password/);
    assert.throws(() => parsePublicUrl('https://vigil.example.com/?a=1'), /query or fragment/);
  });

  test('Settings spec.passkeys.publicUrl with an IP address is refused on write (a field error naming it)', () => {
    const refused = validateResource(settings({ publicUrl: 'http://192.168.1.5:8080' }));
    assert.equal(refused.ok, false);
    assert.match(JSON.stringify(refused), /spec\.passkeys\.publicUrl/);
    assert.match(JSON.stringify(refused), /not an IP address/);
    assert.equal(validateResource(settings({ publicUrl: 'https://vigil.example.com', displayName: 'Home lab' })).ok, true);
  });

  test('Settings passkeys: no public URL means off; publicUrl makes the relying party and displayName its name', () => {
    assert.equal(relyingPartyOf(undefined), undefined);
    assert.equal(relyingPartyOf({ passkeys: { displayName: 'Home lab' } }), undefined);
    assert.deepEqual(relyingPartyOf({ passkeys: { publicUrl: 'https://vigil.example.com/' } }), { id: 'vigil.example.com', name: 'Vigil', origin: 'https://vigil.example.com' });
    assert.deepEqual(relyingPartyOf({ passkeys: { publicUrl: 'http://localhost:9000', displayName: 'Home lab' } }), { id: 'localhost', name: 'Home lab', origin: 'http://localhost:9000' });
  });
});

describe('SENTINEL_WEBAUTHN_* at start', () => {
  test('an IP address as SENTINEL_WEBAUTHN_RPID stops the start with why', () => {
    assert.throws(
      () => environmentSettings({ SENTINEL_WEBAUTHN_RPID: '192.168.1.5', SENTINEL_WEBAUTHN_ORIGINS: 'http://192.168.1.5:8080' }),
      (error: unknown) => error instanceof ConfigError && /SENTINEL_WEBAUTHN_RPID="192\.168\.1\.5".*not an IP address: browsers refuse passkeys/.test(error.message),
    );
  });

  test('RPID and ORIGINS seed Settings spec.passkeys.publicUrl, only together and only when they agree', () => {
    assert.deepEqual(passkeySettingsFromEnvironment({}), {});
    assert.deepEqual(
      passkeySettingsFromEnvironment({ SENTINEL_WEBAUTHN_RPID: 'vigil.example.com', SENTINEL_WEBAUTHN_ORIGINS: 'https://vigil.example.com', SENTINEL_WEBAUTHN_DISPLAY_NAME: 'Home lab' }),
      { passkeys: { publicUrl: 'https://vigil.example.com', displayName: 'Home lab' } },
    );
    assert.deepEqual(environmentSettings({ SENTINEL_WEBAUTHN_RPID: 'localhost', SENTINEL_WEBAUTHN_ORIGINS: 'http://localhost:8080' }).seed, { passkeys: { publicUrl: 'http://localhost:8080' } });
    assert.throws(() => passkeySettingsFromEnvironment({ SENTINEL_WEBAUTHN_RPID: 'vigil.example.com' }), /must be set together/);
    assert.throws(() => passkeySettingsFromEnvironment({ SENTINEL_WEBAUTHN_RPID: 'example.com', SENTINEL_WEBAUTHN_ORIGINS: 'https://vigil.example.com' }), /uses the host name of SENTINEL_WEBAUTHN_ORIGINS \(vigil\.example\.com\)/);
    assert.throws(() => passkeySettingsFromEnvironment({ SENTINEL_WEBAUTHN_RPID: 'a.example', SENTINEL_WEBAUTHN_ORIGINS: 'https://a.example,https://b.example' }), /Vigil takes one origin/);
  });
});

describe('registration options', () => {
  let auth: TestAuth;
  before(async () => {
    auth = await testAuth();
  });
  after(async () => await auth.close());

  test('ask for a discoverable credential with user verification, name the relying party by displayName, and exclude the passkeys the user has', async () => {
    const context = auth.auth.context;
    const admin = await findUserByName(context, 'admin');
    assert.ok(admin !== undefined);
    const rp = relyingPartyOf({ passkeys: { publicUrl: 'https://vigil.example.com', displayName: 'Home lab' } });
    assert.ok(rp !== undefined);
    await context.identities.passkeys.create('Y3JlZC0x', {
      id: 'Y3JlZC0x', userId: admin.id, name: 'Key', publicKey: 'AA', counter: 0, transports: ['usb'], deviceType: 'singleDevice', backedUp: false, rpId: rp.id, createdAt: new Date().toISOString(),
    });
    const options = await beginRegistration(context, rp, admin, 'session-1');
    assert.deepEqual(options.rp, { name: 'Home lab', id: 'vigil.example.com' });
    assert.deepEqual(options.authenticatorSelection, { residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
    assert.deepEqual(options.pubKeyCredParams.map((param) => param.alg), [-8, -7, -257]);
    assert.deepEqual(options.excludeCredentials?.map((credential) => credential.id), ['Y3JlZC0x']);
    assert.equal(options.timeout, 120_000);
    // The same user handle every time: it is the user's, kept on the record.
    const handle = (await findUserByName(context, 'admin'))?.webauthnUserId;
    assert.equal(options.user.id, handle);
    assert.equal((await beginRegistration(context, rp, admin, 'session-1')).user.id, handle);
  });

  test('a deleted user\'s passkeys go with them', async () => {
    const context = auth.auth.context;
    const other = await auth.user('viewer');
    const user = await findUserByName(context, other.username);
    assert.ok(user !== undefined);
    await context.identities.passkeys.create('b3RoZXI', {
      id: 'b3RoZXI', userId: user.id, name: 'Key', publicKey: 'AA', counter: 0, transports: [], deviceType: 'singleDevice', backedUp: false, rpId: 'localhost', createdAt: new Date().toISOString(),
    });
    await deleteUser(context, undefined, user.id);
    assert.equal(await context.identities.passkeys.get('b3RoZXI'), undefined);
  });
});
