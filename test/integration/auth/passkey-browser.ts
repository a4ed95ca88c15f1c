// What the passkey browser test runs inside the page (evaluated over the DevTools protocol, so the dashboard's strict
// CSP stays as it is): the WebAuthn calls a client makes, with the browser's own JSON conversions
// (PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON, credential.toJSON()).
import type { CDPSession } from 'playwright-core';

/** One answer of the server as the page saw it. */
export interface PageAnswer {
  /** Where the script stopped: 'begin', 'get'/'create' (the browser refused), or 'finish'. */
  step: string;
  status: number;
  body: { error?: string; [field: string]: unknown };
  /** The credential JSON that was sent to finish (for a replay). */
  credential?: unknown;
  options?: Record<string, unknown>;
}

const POST = `
  const csrf = (document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith('sentinel_csrf=')) ?? '').slice('sentinel_csrf='.length);
  const post = async (url, body) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body ?? {}) });
    const text = await response.text();
    return { status: response.status, body: text === '' ? {} : JSON.parse(text) };
  };`;

export function registerScript(name: string): string {
  return `(async () => {${POST}
    const begun = await post('api/auth/passkeys/register/begin');
    if (begun.status !== 200) return { step: 'begin', ...begun };
    let credential;
    try {
      credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(begun.body.publicKey) });
    } catch (error) {
      return { step: 'create', status: 0, body: { error: String(error) } };
    }
    const json = credential.toJSON();
    return { step: 'finish', options: begun.body.publicKey, credential: json, ...(await post('api/auth/passkeys/register/finish?name=' + encodeURIComponent(${JSON.stringify(name)}), json)) };
  })()`;
}

export const LOGIN_SCRIPT = `(async () => {${POST}
  const begun = await post('api/auth/passkeys/login/begin');
  if (begun.status !== 200) return { step: 'begin', ...begun };
  let credential;
  try {
    credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begun.body.publicKey) });
  } catch (error) {
    return { step: 'get', status: 0, body: { error: String(error) } };
  }
  const json = credential.toJSON();
  return { step: 'finish', options: begun.body.publicKey, credential: json, ...(await post('api/auth/passkeys/login/finish', json)) };
})()`;

/** A new login ceremony begun by this page, then `credential` (an earlier response) sent to finish it. */
export function replayScript(credential: unknown): string {
  return `(async () => {${POST}
    const begun = await post('api/auth/passkeys/login/begin');
    if (begun.status !== 200) return { step: 'begin', ...begun };
    return { step: 'finish', ...(await post('api/auth/passkeys/login/finish', ${JSON.stringify(credential)})) };
  })()`;
}

export function fetchScript(method: string, url: string): string {
  return `(async () => {${POST}
    const response = await fetch(${JSON.stringify(url)}, { method: ${JSON.stringify(method)}, headers: { 'x-csrf-token': csrf } });
    return { step: 'fetch', status: response.status, body: await response.json() };
  })()`;
}

export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/** A CTAP2 platform authenticator with resident keys and user verification, as a phone or laptop has. */
export async function addAuthenticator(cdp: CDPSession): Promise<string> {
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}

export async function credentialsOf(cdp: CDPSession, authenticatorId: string): Promise<VirtualCredential[]> {
  return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
}

/** The browser's half of a registration begun at this page's server: the credential, not sent anywhere. */
export const CREATE_ONLY_SCRIPT = `(async () => {${POST}
  const begun = await post('api/auth/passkeys/register/begin');
  if (begun.status !== 200) return { step: 'begin', ...begun };
  const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(begun.body.publicKey) });
  return { step: 'create', status: 200, body: {}, credential: credential.toJSON() };
})()`;

/** The browser's half of a login begun at this page's server: the assertion, not sent anywhere. */
export const GET_ONLY_SCRIPT = `(async () => {${POST}
  const begun = await post('api/auth/passkeys/login/begin');
  if (begun.status !== 200) return { step: 'begin', ...begun };
  const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begun.body.publicKey) });
  return { step: 'get', status: 200, body: {}, credential: credential.toJSON() };
})()`;
