// Passkeys (WebAuthn) with @simplewebauthn/server: registration by a signed-in user, usernameless sign-in, list and
// delete. A passkey sign-in replaces the password and the second factor, so it is made as strong as both: the
// credential must be discoverable (residentKey required, so sign-in needs no username and works with security keys)
// and user verification (PIN, biometrics) is required in the options and checked in every response. Docker Sentinel
// asks for neither and still skips TOTP (reference/passkeys-oidc-selfupdate-ghcr.md, its bugs 1 and 3).
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { randomBytes } from 'node:crypto';
import type { AuthContext, ClientInfo } from '../context.ts';
import { AuthError, authErrors } from '../errors.ts';
import { RecordRefused, type PasskeyRecord, type UserRecord } from '../identity-store.ts';
import { startSession, type IssuedSession } from '../sessions.ts';
import { lockedError, lockedUntilOf, recordSuccess } from '../sign-in.ts';
import { randomToken, sha256Hex } from '../tokens.ts';
import { beginCeremony, CEREMONY_TIMEOUT_MS, challengeOf, consumeCeremony } from './ceremonies.ts';
import type { RelyingParty } from './relying-party.ts';
import { authenticationResponseOf, registrationResponseOf } from './responses.ts';

/**
 * One algorithm list for generation and verification: Ed25519, ES256, RS256. The library's default would add ML-DSA-44
 * on Node 24.7+, which no authenticator in use offers yet; pinning keeps what is asked and what is accepted the same.
 */
export const PASSKEY_ALGORITHMS = [-8, -7, -257];

const DEFAULT_NAME = 'Passkey';

export function notConfigured(): AuthError {
  return authErrors.notFound('passkeys not configured');
}

/** What finish answers when the body or ceremony is wrong, or the response fails verification. */
const failed = (): AuthError => authErrors.unauthenticated('passkey authentication failed');

function originOf(clientDataJSON: string): string {
  try {
    const data: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    return typeof data === 'object' && data !== null && 'origin' in data && typeof data.origin === 'string' ? data.origin : '';
  } catch {
    return '';
  }
}

/**
 * A response from another origin is a configuration problem (Vigil opened at another address than its public URL,
 * e.g. past the reverse proxy), so it is named rather than folded into "verification failed".
 */
function checkOrigin(rp: RelyingParty, clientDataJSON: string, status: 400 | 401): void {
  const origin = originOf(clientDataJSON);
  if (origin !== '' && origin !== rp.origin) {
    throw new AuthError(status, `this page's origin ${origin} is not Vigil's public URL ${rp.origin} (Settings spec.passkeys.publicUrl): open Vigil at its public URL to use passkeys`);
  }
}

/** The user's WebAuthn user handle, made (once, even under races) at the first registration. */
async function userHandleOf(context: AuthContext, user: UserRecord): Promise<string> {
  if (user.webauthnUserId !== undefined) return user.webauthnUserId;
  const candidate = randomToken(32);
  const updated = await context.identities.users.update(user.id, (record) => (record.webauthnUserId === undefined ? { ...record, webauthnUserId: candidate } : record));
  if (updated?.webauthnUserId === undefined) throw authErrors.notFound('no such user');
  return updated.webauthnUserId;
}

export async function passkeysOf(context: AuthContext, userId: string): Promise<PasskeyRecord[]> {
  return (await context.identities.passkeys.list()).filter((passkey) => passkey.userId === userId).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Registration options for `user`; only the session or token that asked (`binding`) can finish the ceremony. */
export async function beginRegistration(context: AuthContext, rp: RelyingParty, user: UserRecord, binding: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const handle = await userHandleOf(context, user);
  const existing = await passkeysOf(context, user.id);
  const { challenge } = await beginCeremony(context, 'registration', binding, user.id);
  return await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.username,
    userID: Buffer.from(handle, 'base64url'),
    userDisplayName: user.username,
    // As bytes: a string would be taken as text and encoded once more, and no longer match the stored challenge.
    challenge: Buffer.from(challenge, 'base64url'),
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((passkey) => ({ id: passkey.id, transports: passkey.transports })),
    // A fresh object every call: the library writes into the one it is given.
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
  });
}

function passkeyName(name: unknown): string {
  if (name === undefined || name === '') return DEFAULT_NAME;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 64) throw authErrors.badRequest('a passkey name must be 1 to 64 characters');
  return name.trim();
}

export async function finishRegistration(context: AuthContext, rp: RelyingParty, user: UserRecord, binding: string, body: unknown, name: unknown): Promise<PasskeyRecord> {
  const label = passkeyName(name);
  const parsed = registrationResponseOf(body);
  if (!parsed.ok) throw authErrors.badRequest(`invalid passkey registration: ${parsed.problem}`);
  const response = parsed.value;
  const ceremony = await consumeCeremony(context, challengeOf(response.response.clientDataJSON), 'registration', binding);
  if (!ceremony.ok || ceremony.record.userId !== user.id) throw authErrors.badRequest('no pending registration ceremony');
  checkOrigin(rp, response.response.clientDataJSON, 400);
  const verified = await verifyRegistrationResponse({
    response,
    expectedChallenge: ceremony.record.challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.id,
    requireUserPresence: true,
    requireUserVerification: true,
    supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
  }).catch((error: unknown) => {
    throw authErrors.badRequest(`registration verification failed: ${error instanceof Error ? error.message : String(error)}`);
  });
  if (!verified.verified) throw authErrors.badRequest('registration verification failed');
  const info = verified.registrationInfo;
  const record: PasskeyRecord = {
    id: info.credential.id,
    userId: user.id,
    name: label,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: info.credential.transports ?? response.response.transports ?? [],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    rpId: rp.id,
    createdAt: context.now().toISOString(),
  };
  if (!(await context.identities.passkeys.create(record.id, record))) throw authErrors.conflict('this passkey is registered already');
  // A user deleted meanwhile must not leave an orphan behind.
  if ((await context.identities.users.get(user.id)) === undefined) {
    await context.identities.passkeys.delete(record.id);
    throw authErrors.notFound('no such user');
  }
  context.log?.info({ username: user.username, passkey: label }, 'passkey registered');
  return record;
}

export interface BegunLogin {
  options: PublicKeyCredentialRequestOptionsJSON;
  /** The value of the ceremony cookie: only the browser holding it can finish this login. */
  cookie: string;
}

/** Options for a usernameless sign-in: no allowCredentials, so the authenticator offers its discoverable credentials. */
export async function beginLogin(context: AuthContext, rp: RelyingParty): Promise<BegunLogin> {
  const cookie = randomBytes(32).toString('hex');
  const { challenge } = await beginCeremony(context, 'login', sha256Hex(cookie));
  const options = await generateAuthenticationOptions({ rpID: rp.id, challenge: Buffer.from(challenge, 'base64url'), timeout: CEREMONY_TIMEOUT_MS, userVerification: 'required' });
  return { options, cookie };
}

export async function finishLogin(context: AuthContext, rp: RelyingParty, cookie: string | undefined, body: unknown, client: ClientInfo): Promise<{ session: IssuedSession; user: UserRecord }> {
  if (cookie === undefined || cookie === '' || cookie.length > 128) throw authErrors.badRequest('no pending login ceremony');
  const parsed = authenticationResponseOf(body);
  if (!parsed.ok) throw authErrors.badRequest(`invalid passkey response: ${parsed.problem}`);
  const response = parsed.value;
  const ceremony = await consumeCeremony(context, challengeOf(response.response.clientDataJSON), 'login', sha256Hex(cookie));
  if (!ceremony.ok) throw authErrors.badRequest('login ceremony expired or not found');
  checkOrigin(rp, response.response.clientDataJSON, 401);
  const passkey = await context.identities.passkeys.get(response.id);
  const user = passkey === undefined ? undefined : await context.identities.users.get(passkey.userId);
  // The user handle the authenticator returned must be the owner's: a credential cannot sign in as someone else.
  if (passkey === undefined || user === undefined || user.webauthnUserId !== response.response.userHandle) throw failed();
  const lockedUntil = lockedUntilOf(user);
  if (lockedUntil !== undefined && lockedUntil > context.now().getTime()) throw lockedError(context, lockedUntil);
  const refuse = (reason: string): AuthError => {
    context.log?.warn({ username: user.username, reason }, 'passkey sign-in refused');
    return failed();
  };
  const verified = await verifyAuthenticationResponse({
    response,
    expectedChallenge: ceremony.record.challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.id,
    credential: { id: passkey.id, publicKey: Buffer.from(passkey.publicKey, 'base64url'), counter: passkey.counter, transports: passkey.transports },
    requireUserVerification: true,
  }).catch((error: unknown) => {
    throw refuse(error instanceof Error ? error.message : String(error));
  });
  if (!verified.verified) throw refuse('the signature does not verify with the stored public key');
  if (!verified.authenticationInfo.userVerified) throw refuse('the authenticator did not verify the user');
  await storeUse(context, passkey.id, verified.authenticationInfo);
  await recordSuccess(context, user);
  return { session: await startSession(context, user, client), user };
}

/**
 * Saves the new signature counter and backup state. Compared again inside the store's update: two replicas verifying
 * the same counter at once (a cloned authenticator, a raced replay) cannot both pass.
 */
async function storeUse(context: AuthContext, id: string, info: { newCounter: number; credentialBackedUp: boolean; credentialDeviceType: PasskeyRecord['deviceType'] }): Promise<void> {
  try {
    const updated = await context.identities.passkeys.update(id, (record) => {
      if ((info.newCounter > 0 || record.counter > 0) && info.newCounter <= record.counter) {
        throw new RecordRefused(`signature counter ${info.newCounter} is not above the stored ${record.counter}: a cloned authenticator or a replay`);
      }
      return { ...record, counter: info.newCounter, backedUp: info.credentialBackedUp, deviceType: info.credentialDeviceType, lastUsedAt: context.now().toISOString() };
    });
    if (updated === undefined) throw failed();
  } catch (error) {
    if (error instanceof RecordRefused) {
      context.log?.warn({ passkey: id, reason: error.message }, 'passkey sign-in refused');
      throw failed();
    }
    throw error;
  }
}

/** Deletes one of the user's own passkeys; another user's is "not found" (not theirs to know of). */
export async function deletePasskey(context: AuthContext, user: UserRecord, id: string): Promise<void> {
  const passkey = await context.identities.passkeys.get(id);
  if (passkey === undefined || passkey.userId !== user.id) throw authErrors.notFound('passkey not found');
  await context.identities.passkeys.delete(id);
  context.log?.info({ username: user.username, passkey: passkey.name }, 'passkey deleted');
}

/** Whether any passkey exists (Sentinel's `available`: a sign-in page offers the button only then). */
export async function anyPasskey(context: AuthContext): Promise<boolean> {
  return (await context.identities.passkeys.list()).length > 0;
}
