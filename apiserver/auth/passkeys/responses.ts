// The browser's answers to navigator.credentials.create()/get(), as JSON (PublicKeyCredential.toJSON(), or
// Sentinel's webauthn.js, which sends no clientExtensionResults): checked for shape here, so that the library is only
// ever given what its types promise and a malformed body is a 400 naming the problem.
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

type Fields = Record<string, unknown>;

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

function object(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;
}

function base64url(fields: Fields, name: string, problems: string[], where = ''): string {
  const value = fields[name];
  if (typeof value === 'string' && value !== '' && value.length <= 65_536 && BASE64URL.test(value)) return value;
  problems.push(`${where}${name} must be a base64url string`);
  return '';
}

function common(body: unknown, problems: string[]): { fields: Fields; response: Fields } | undefined {
  const fields = object(body);
  if (fields === undefined) {
    problems.push('the body must be the credential as JSON');
    return undefined;
  }
  if (fields.type !== 'public-key') problems.push('type must be "public-key"');
  const response = object(fields.response);
  if (response === undefined) {
    problems.push('response must be an object');
    return undefined;
  }
  return { fields, response };
}

function transportsOf(response: Fields): string[] | undefined {
  const transports = response.transports;
  return Array.isArray(transports) && transports.every((item) => typeof item === 'string') ? (transports as string[]) : undefined;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

export function registrationResponseOf(body: unknown): Parsed<RegistrationResponseJSON> {
  const problems: string[] = [];
  const parts = common(body, problems);
  if (parts === undefined) return { ok: false, problem: problems.join('; ') };
  const { fields, response } = parts;
  const id = base64url(fields, 'id', problems);
  const rawId = base64url(fields, 'rawId', problems);
  const attestationObject = base64url(response, 'attestationObject', problems, 'response.');
  const clientDataJSON = base64url(response, 'clientDataJSON', problems, 'response.');
  if (problems.length > 0) return { ok: false, problem: problems.join('; ') };
  const transports = transportsOf(response);
  return {
    ok: true,
    value: {
      id,
      rawId,
      type: 'public-key',
      response: { attestationObject, clientDataJSON, ...(transports === undefined ? {} : { transports: transports as NonNullable<RegistrationResponseJSON['response']['transports']> }) },
      clientExtensionResults: {},
    },
  };
}

export function authenticationResponseOf(body: unknown): Parsed<AuthenticationResponseJSON> {
  const problems: string[] = [];
  const parts = common(body, problems);
  if (parts === undefined) return { ok: false, problem: problems.join('; ') };
  const { fields, response } = parts;
  const id = base64url(fields, 'id', problems);
  const rawId = base64url(fields, 'rawId', problems);
  const authenticatorData = base64url(response, 'authenticatorData', problems, 'response.');
  const clientDataJSON = base64url(response, 'clientDataJSON', problems, 'response.');
  const signature = base64url(response, 'signature', problems, 'response.');
  // A discoverable login always returns the user handle: without it the credential cannot be tied to its owner.
  const userHandle = base64url(response, 'userHandle', problems, 'response.');
  if (problems.length > 0) return { ok: false, problem: problems.join('; ') };
  return {
    ok: true,
    value: { id, rawId, type: 'public-key', response: { authenticatorData, clientDataJSON, signature, userHandle }, clientExtensionResults: {} },
  };
}
