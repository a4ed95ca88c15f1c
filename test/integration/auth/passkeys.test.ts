// Passkeys end to end: a real `vigil serve` child, Debian's Chromium through playwright-core, and the DevTools virtual
// authenticator (CTAP2, resident keys, user verification) on http://localhost:PORT (browsers refuse an IP address as
// relying-party ID). Registered after a password sign-in; signed in without a username from the sign-in page's
// button; listed and deleted; kept across a restart (they are in the store). Refused: a replayed response, a forged
// signature, a response without user verification, a signature counter that went back, a page at another origin
// than the public URL, and another user's delete. The sign-in budget (10 a minute per address) is shared with
// /login, so the refusals run after a restart, which starts a new budget. And `vigil serve` refuses an IP address
// as SENTINEL_WEBAUTHN_RPID at start.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { ADMIN_PASSWORD, ADMIN_USERNAME, startVigil, vigilCommand, type VigilChild } from '../../testbed/vigil.ts';
import { freePort, makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { CHROMIUM_FLAGS } from '../dashboard/browser.ts';
import { buildDashboard } from '../../../web/build.ts';
import { totpCode } from '../../../apiserver/auth/totp.ts';
import { addAuthenticator, credentialsOf, fetchScript, LOGIN_SCRIPT, registerScript, replayScript, type PageAnswer } from './passkey-browser.ts';

function portOf(vigil: VigilChild): string {
  return new URL(vigil.url).port;
}

async function api(vigil: VigilChild, method: string, path: string, options: { token?: string; json?: unknown; contentType?: string } = {}): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { ...vigil.headers(options.token) };
  if (options.json !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${vigil.url}${path}`, {
    method,
    headers,
    ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
    signal: AbortSignal.timeout(deadlines.request),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** Settings spec.passkeys.publicUrl, as an admin sets it with kubectl (a merge patch on the resource API). */
async function setPublicUrl(vigil: VigilChild, publicUrl: string): Promise<{ status: number; body: unknown }> {
  return await api(vigil, 'PATCH', '/apis/vigil.dev/v1alpha1/settings/default', {
    json: { spec: { passkeys: { publicUrl } } },
    contentType: 'application/merge-patch+json',
  });
}

async function run(page: Page, script: string): Promise<PageAnswer> {
  return await page.evaluate<PageAnswer>(script);
}

test('vigil serve refuses an IP address as relying-party ID at start, saying why', async () => {
  const dataDir = makeTempDir('passkeys-ip');
  try {
    const { command, args } = vigilCommand(['serve', '--listen', '127.0.0.1', '--port', String(await freePort()), '--data-dir', dataDir]);
    const result = spawnSync(command, args, {
      env: { ...process.env, SENTINEL_WEBAUTHN_RPID: '192.168.1.5', SENTINEL_WEBAUTHN_ORIGINS: 'https://192.168.1.5:8080' },
      encoding: 'utf8',
      timeout: deadlines.cliRun,
    });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /invalid SENTINEL_WEBAUTHN_RPID="192\.168\.1\.5": a relying-party ID must be a domain name, not an IP address: browsers refuse passkeys for an IP address/);
  } finally {
    removeTempDir(dataDir);
  }
});

describe('passkeys in Chromium with a virtual authenticator', () => {
  const dataDir = makeTempDir('passkeys');
  let vigil: VigilChild;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let registered: PageAnswer;
  let captured: PageAnswer;

  before(async () => {
    await buildDashboard();
    vigil = await startVigil({ dataDir });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Every wait of the page (navigations, locators) by the test bed's deadline rather than Playwright's 30 s.
    context.setDefaultTimeout(deadlines.request);
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    authenticatorId = await addAuthenticator(cdp);
  });

  after(async () => {
    await browser?.close();
    await vigil?.stop();
    removeTempDir(dataDir);
  });

  test('until a public URL is set, the routes answer as Sentinel does when passkeys are off', async () => {
    assert.deepEqual(await api(vigil, 'GET', '/api/auth/passkeys/available'), { status: 200, body: { configured: false, available: false } });
    assert.deepEqual(await api(vigil, 'GET', '/api/auth/passkeys'), { status: 200, body: [] });
    assert.deepEqual(await api(vigil, 'POST', '/api/auth/passkeys/login/begin', { json: {} }), { status: 404, body: { error: 'passkeys not configured' } });
    assert.deepEqual(await api(vigil, 'POST', '/api/auth/passkeys/register/begin', { json: {} }), { status: 404, body: { error: 'passkeys not configured' } });
    // An IP address can never work in a browser: the setting refuses it, saying why.
    const refused = await setPublicUrl(vigil, `http://127.0.0.1:${portOf(vigil)}`);
    assert.equal(refused.status, 422);
    assert.match(JSON.stringify(refused.body), /not an IP address: browsers refuse passkeys for an IP address/);
    assert.equal((await setPublicUrl(vigil, `http://localhost:${portOf(vigil)}`)).status, 200);
    assert.deepEqual(await api(vigil, 'GET', '/api/auth/passkeys/available'), { status: 200, body: { configured: true, available: false } });
  });

  test('register a passkey after a password sign-in: discoverable, user verification required', async () => {
    await page.goto(`http://localhost:${portOf(vigil)}/`);
    await page.getByLabel('Username').fill(ADMIN_USERNAME);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: deadlines.request });

    registered = await run(page, registerScript('Laptop'));
    assert.deepEqual({ step: registered.step, status: registered.status, body: registered.body }, { step: 'finish', status: 200, body: { status: 'ok', name: 'Laptop' } });
    const selection = registered.options?.authenticatorSelection;
    assert.deepEqual(selection, { residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
    assert.deepEqual((registered.options?.pubKeyCredParams as Array<{ alg: number }>).map((param) => param.alg), [-8, -7, -257]);
    assert.equal((registered.options?.rp as { id: string }).id, 'localhost');
    const [credential, ...others] = await credentialsOf(cdp, authenticatorId);
    assert.equal(others.length, 0);
    assert.equal(credential?.isResidentCredential, true, 'the credential is discoverable (resident)');
    assert.equal(credential?.rpId, 'localhost');

    const list = await run(page, fetchScript('GET', 'api/auth/passkeys'));
    assert.equal(list.status, 200);
    const listed = list.body as unknown as Array<{ id: string; name: string; created_at: string }>;
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.name, 'Laptop');
    assert.equal(Buffer.from(listed[0]?.id ?? '', 'base64url').toString('base64'), credential?.credentialId);
    // The same ceremony cannot register twice.
    const again = await run(page, `(async () => { const csrf = (document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith('sentinel_csrf=')) ?? '').slice(14);
      const r = await fetch('api/auth/passkeys/register/finish', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: ${JSON.stringify(JSON.stringify(registered.credential))} });
      return { step: 'finish', status: r.status, body: await r.json() }; })()`);
    assert.deepEqual({ status: again.status, body: again.body }, { status: 400, body: { error: 'no pending registration ceremony' } });
  });

  test('sign out, then sign in without a username with the sign-in page\'s passkey button', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Vigil' }).waitFor({ timeout: deadlines.request });
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: deadlines.request });
    const me = await run(page, fetchScript('GET', 'api/auth/me'));
    assert.equal(me.status, 200);
    assert.equal(me.body.username, ADMIN_USERNAME);
    const [credential] = await credentialsOf(cdp, authenticatorId);
    assert.ok((credential?.signCount ?? 0) >= 2, 'the authenticator signed a second time');
  });

  test('a replayed login response is refused: its ceremony was used', async () => {
    captured = await run(page, LOGIN_SCRIPT);
    assert.deepEqual({ step: captured.step, status: captured.status, body: captured.body }, { step: 'finish', status: 200, body: { redirect: '/' } });
    const replayed = await run(page, replayScript(captured.credential));
    assert.deepEqual({ status: replayed.status, body: replayed.body }, { status: 400, body: { error: 'login ceremony expired or not found' } });
  });

  test('after a restart the passkey still signs in; a page at another origin than the public URL is told why', async () => {
    // Closing the page first ends its event stream, which would hold up the server's shutdown.
    await page.goto('about:blank');
    await vigil.stop();
    vigil = await startVigil({ dataDir });
    // The public URL names another address than the one the browser opened (as for a browser that bypasses the
    // reverse proxy): the same relying-party ID, so the authenticator signs, and Vigil says what is wrong.
    assert.equal((await setPublicUrl(vigil, 'http://localhost:1')).status, 200);
    await page.goto(`http://localhost:${portOf(vigil)}/`);
    await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: deadlines.request });
    const elsewhere = await run(page, LOGIN_SCRIPT);
    assert.equal(elsewhere.status, 401);
    assert.equal(elsewhere.body.error, `this page's origin http://localhost:${portOf(vigil)} is not Vigil's public URL http://localhost:1 (Settings spec.passkeys.publicUrl): open Vigil at its public URL to use passkeys`);
    assert.equal((await setPublicUrl(vigil, `http://localhost:${portOf(vigil)}`)).status, 200);
    const signedIn = await run(page, LOGIN_SCRIPT);
    assert.deepEqual({ status: signedIn.status, body: signedIn.body }, { status: 200, body: { redirect: '/' } });
  });

  test('with two-factor on, a passkey alone signs in: its required user verification is the second factor', async () => {
    const setup = await api(vigil, 'POST', '/api/auth/totp/setup', { json: {} });
    assert.equal(setup.status, 200);
    const secret = (setup.body as { secret: string }).secret;
    const confirmed = await api(vigil, 'POST', '/api/auth/totp/confirm', { json: { code: totpCode(secret, Date.now()) } });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    const signedIn = await run(page, LOGIN_SCRIPT);
    assert.deepEqual({ status: signedIn.status, body: signedIn.body }, { status: 200, body: { redirect: '/' } });
    assert.equal((await run(page, fetchScript('GET', 'api/auth/me'))).body.username, ADMIN_USERNAME);
  });

  test('a forged signature, a response without user verification and a counter that went back are refused', async () => {
    await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBogusSignature: true });
    const forged = await run(page, LOGIN_SCRIPT);
    assert.deepEqual({ step: forged.step, status: forged.status, body: forged.body }, { step: 'finish', status: 401, body: { error: 'passkey authentication failed' } });

    await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBogusSignature: false, isBadUV: true });
    const unverified = await run(page, LOGIN_SCRIPT);
    assert.deepEqual({ step: unverified.step, status: unverified.status, body: unverified.body }, { step: 'finish', status: 401, body: { error: 'passkey authentication failed' } });
    await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId, isBadUV: false });

    // A clone of the authenticator: same key, its counter behind the one Vigil saw last.
    const [credential] = await credentialsOf(cdp, authenticatorId);
    assert.ok(credential !== undefined);
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: credential.credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...credential, signCount: 0 } });
    const cloned = await run(page, LOGIN_SCRIPT);
    assert.deepEqual({ step: cloned.step, status: cloned.status, body: cloned.body }, { step: 'finish', status: 401, body: { error: 'passkey authentication failed' } });

    // The answers are alike on purpose; the log says which check refused each (the library's own words).
    // The log is written asynchronously: on a loaded machine the last refusal's line can lag its answer.
    const refusals = (): string[] => readFileSync(join(dataDir, 'vigil.log'), 'utf8').split('\n').filter((line) => line.includes('passkey sign-in refused')).map((line) => (JSON.parse(line) as { reason: string }).reason);
    const deadline = Date.now() + deadlines.condition;
    while (refusals().length < 3 && Date.now() < deadline) await sleep(100);
    const reasons = refusals();
    assert.equal(reasons.length, 3, reasons.join(' / '));
    assert.match(reasons[0] ?? '', /signature/i);
    assert.match(reasons[1] ?? '', /user could not be verified/);
    assert.match(reasons[2] ?? '', /counter/i);
  });

  test('another user cannot delete the passkey (404); its owner deletes it, and then none is available', async () => {
    const list = await run(page, fetchScript('GET', 'api/auth/passkeys'));
    const id = (list.body as unknown as Array<{ id: string }>)[0]?.id ?? '';
    assert.notEqual(id, '');
    const operator = await vigil.createUser('operator');
    assert.deepEqual(await api(vigil, 'DELETE', `/api/auth/passkeys/${id}`, { token: operator.token }), { status: 404, body: { error: 'passkey not found' } });
    assert.deepEqual(await api(vigil, 'GET', '/api/auth/passkeys', { token: operator.token }), { status: 200, body: [] });

    const deleted = await run(page, fetchScript('DELETE', `api/auth/passkeys/${id}`));
    assert.deepEqual({ status: deleted.status, body: deleted.body }, { status: 200, body: { status: 'ok' } });
    assert.deepEqual((await run(page, fetchScript('GET', 'api/auth/passkeys'))).body, []);
    assert.deepEqual(await api(vigil, 'GET', '/api/auth/passkeys/available'), { status: 200, body: { configured: true, available: false } });
    // The authenticator still has the credential; Vigil no longer accepts it.
    const gone = await run(page, LOGIN_SCRIPT);
    assert.deepEqual({ status: gone.status, body: gone.body }, { status: 401, body: { error: 'passkey authentication failed' } });
  });
});
