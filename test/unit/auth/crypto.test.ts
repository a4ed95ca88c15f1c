// The building blocks of authentication: sealing secrets at rest, password rules and hashes, TOTP codes, recovery
// codes and the constant-time secret comparisons.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyFromText, loadKeyring, SecretBox, SecretBoxError } from '../../../apiserver/auth/secret-box.ts';
import { hashPassword, passwordProblem, verifyPassword } from '../../../apiserver/auth/passwords.ts';
import { acceptTotp, newRecoveryCodes, newTotpSecret, recoveryCodeHash, totpCode, totpUri } from '../../../apiserver/auth/totp.ts';
import { newApiToken, secretsEqual, verifyWebhookSecret } from '../../../apiserver/auth/tokens.ts';

const root = mkdtempSync(join(tmpdir(), 'vigil-auth-crypto-'));
after(() => rmSync(root, { recursive: true, force: true }));
let serial = 0;
const newDir = (): string => mkdtempSync(join(root, `d${++serial}-`));

describe('SecretBox', () => {
  const box = new SecretBox([keyFromText(SecretBox.generateKeyText())]);

  test('opens what it sealed, and the sealed form shows neither the plain text nor the same bytes twice', () => {
    const first = box.seal('hunter2-registry-password', 'v1/Secret/vigil-system/reg');
    const second = box.seal('hunter2-registry-password', 'v1/Secret/vigil-system/reg');
    assert.ok(SecretBox.isSealed(first));
    assert.ok(!first.includes('hunter2'));
    assert.notEqual(first, second, 'a fresh nonce every time');
    assert.equal(box.open(first, 'v1/Secret/vigil-system/reg'), 'hunter2-registry-password');
  });

  test('refuses a value moved to another object or altered', () => {
    const sealed = box.seal('value', 'v1/Secret/a/one');
    assert.throws(() => box.open(sealed, 'v1/Secret/a/two'), SecretBoxError);
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}${sealed.slice(-1)}`;
    assert.throws(() => box.open(tampered, 'v1/Secret/a/one'), SecretBoxError);
  });

  test('rotation: a new first key encrypts, an older listed key still decrypts, an unknown key is named', () => {
    const oldKey = keyFromText(SecretBox.generateKeyText());
    const newKey = keyFromText(SecretBox.generateKeyText());
    const sealedByOld = new SecretBox([oldKey]).seal('x', 'c');
    const rotated = new SecretBox([newKey, oldKey]);
    assert.equal(rotated.open(sealedByOld, 'c'), 'x');
    assert.ok(rotated.seal('x', 'c').includes(`:${newKey.id}:`));
    assert.throws(() => new SecretBox([newKey]).open(sealedByOld, 'c'), new RegExp(`key ${oldKey.id}`));
  });

  test('loadKeyring creates DATA_DIR/encryption.key with mode 0600 once, and the variable wins over the file', () => {
    const dir = newDir();
    const first = loadKeyring({ dataDir: dir, env: {} });
    assert.equal(first.created, true);
    assert.equal(statSync(join(dir, 'encryption.key')).mode & 0o777, 0o600);
    const again = loadKeyring({ dataDir: dir, env: {} });
    assert.equal(again.created, false);
    assert.equal(again.box.primaryKeyId, first.box.primaryKeyId);
    const fromEnv = loadKeyring({ dataDir: dir, env: { VIGIL_ENCRYPTION_KEY: SecretBox.generateKeyText() } });
    assert.notEqual(fromEnv.box.primaryKeyId, first.box.primaryKeyId);
    assert.match(fromEnv.source, /VIGIL_ENCRYPTION_KEY/);
  });

  test('a bad key is refused with a message saying what a key must be', () => {
    assert.throws(() => loadKeyring({ dataDir: newDir(), env: { VIGIL_ENCRYPTION_KEY: 'short' } }), /32 random bytes/);
    const dir = newDir();
    writeFileSync(join(dir, 'encryption.key'), SecretBox.generateKeyText(), { mode: 0o644 });
    assert.match(loadKeyring({ dataDir: dir, env: {} }).warning ?? '', /chmod 600/);
    assert.equal(readFileSync(join(dir, 'encryption.key'), 'utf8').trim().length, 44);
  });
});

describe('passwords', () => {
  test('need 8 characters, a letter and a digit', () => {
    assert.match(passwordProblem('abc123') ?? '', /at least 8/);
    assert.match(passwordProblem('abcdefgh') ?? '', /digit/);
    assert.match(passwordProblem('12345678') ?? '', /letter/);
    assert.equal(passwordProblem('abcdefg1'), undefined);
    assert.match(passwordProblem(undefined) ?? '', /required/);
  });

  test('hash with scrypt, verify the right password only, and carry their parameters', async () => {
    const hash = await hashPassword('correct horse 1');
    assert.match(hash, /^scrypt\$32768\$8\$1\$[-\w]+\$[-\w]+$/);
    assert.ok(!hash.includes('correct'));
    assert.equal(await verifyPassword('correct horse 1', hash), true);
    assert.equal(await verifyPassword('correct horse 2', hash), false);
    assert.equal(await verifyPassword('correct horse 1', 'bcrypt$nope'), false);
    const cheap = await hashPassword('correct horse 1', { N: 1024, r: 8, p: 1 });
    assert.equal(await verifyPassword('correct horse 1', cheap), true, 'parameters are read from the hash');
  });
});

describe('TOTP', () => {
  const secret = newTotpSecret();
  const now = Date.parse('2025-01-15T14:30:00Z');

  test('accepts the current code and one step either side, once each', () => {
    const step = acceptTotp(secret, totpCode(secret, now), now, undefined);
    assert.ok(step !== undefined);
    assert.equal(acceptTotp(secret, totpCode(secret, now), now, step), undefined, 'a code is not accepted twice');
    assert.ok(acceptTotp(secret, totpCode(secret, now - 30_000), now, undefined) !== undefined);
    assert.equal(acceptTotp(secret, totpCode(secret, now - 120_000), now, undefined), undefined);
    assert.equal(acceptTotp(secret, 'abcdef', now, undefined), undefined);
  });

  test('gives an otpauth URI for authenticator apps', () => {
    assert.match(totpUri(secret, 'alice'), new RegExp(`^otpauth://totp/Vigil:alice\\?.*secret=${secret}`));
  });

  test('recovery codes: 8 distinct high-entropy codes, hashed the same however they are typed', () => {
    const codes = newRecoveryCodes();
    assert.equal(new Set(codes).size, 8);
    for (const code of codes) assert.match(code, /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    const code = codes[0] ?? '';
    assert.equal(recoveryCodeHash(code.toUpperCase().replace(/-/g, ' ')), recoveryCodeHash(code));
  });
});

describe('tokens and shared secrets', () => {
  test('API tokens are stk_ and 32 random bytes in base64url', () => {
    assert.match(newApiToken(), /^stk_[-\w]{43}$/);
  });

  test('the webhook secret check matches only the exact configured secret', () => {
    assert.equal(verifyWebhookSecret('s3cret-value', 's3cret-value'), true);
    assert.equal(verifyWebhookSecret('s3cret-valuf', 's3cret-value'), false);
    assert.equal(verifyWebhookSecret(undefined, 's3cret-value'), false);
    assert.equal(verifyWebhookSecret(['s3cret-value'], 's3cret-value'), false);
    assert.equal(verifyWebhookSecret('', ''), false);
    assert.equal(verifyWebhookSecret('x', undefined), false);
    assert.equal(secretsEqual('a', 'a'), true);
  });
});
