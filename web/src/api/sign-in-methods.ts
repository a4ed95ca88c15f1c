// The sign-in methods besides the password. Passkeys: the server's options (base64url JSON inside {publicKey}) become
// WebAuthn's binary options through the browser's own PublicKeyCredential.parseRequestOptionsFromJSON, and the
// credential goes back as credential.toJSON(); no WebAuthn library is needed on this side. Single sign-on: whether
// the server offers it (the page then links to it).
import { getJson, postJson } from './http.ts';
import { refreshSession } from './session.ts';

export interface PasskeyAvailability {
  configured: boolean;
  available: boolean;
}

/** Whether the sign-in page should offer a passkey: configured on the server and this browser can do WebAuthn. */
export async function passkeySignInOffered(): Promise<boolean> {
  if (typeof PublicKeyCredential === 'undefined' || typeof PublicKeyCredential.parseRequestOptionsFromJSON !== 'function') return false;
  const availability = await getJson<PasskeyAvailability>('api/auth/passkeys/available');
  return availability.configured && availability.available;
}

export async function signInWithPasskey(): Promise<void> {
  const begun = await postJson<{ publicKey: PublicKeyCredentialRequestOptionsJSON }>('api/auth/passkeys/login/begin');
  const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begun.publicKey) });
  if (!(credential instanceof PublicKeyCredential)) throw new Error('no passkey was chosen');
  await postJson('api/auth/passkeys/login/finish', credential.toJSON());
  await refreshSession();
}

/** Whether single sign-on is configured (the sign-in page then links to /api/auth/oidc/login). */
export async function singleSignOnOffered(): Promise<boolean> {
  return (await getJson<{ available: boolean }>('api/auth/oidc/available')).available;
}
