// Docker Sentinel's passkey variables, read by `vigil serve` to seed Settings spec.passkeys when Settings `default`
// is first created: SENTINEL_WEBAUTHN_ORIGINS (Vigil takes exactly one: its public URL), SENTINEL_WEBAUTHN_RPID (set
// together with it, as Sentinel requires; Vigil derives the ID from the URL, so it must be that URL's host name) and
// SENTINEL_WEBAUTHN_DISPLAY_NAME. A value that cannot work stops the start with a message saying why; above all an
// IP address, which Sentinel's own example suggests and every browser refuses.
import { isIP } from 'node:net';
import { parsePublicUrl } from '../../../schemas/public-url.ts';
import type { SpecPatch } from '../../sentinel/settings/setting-keys.ts';

export class PasskeyEnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PasskeyEnvironmentError';
  }
}

function text(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function passkeySettingsFromEnvironment(env: NodeJS.ProcessEnv): SpecPatch {
  const rpId = text(env, 'SENTINEL_WEBAUTHN_RPID');
  const origins = text(env, 'SENTINEL_WEBAUTHN_ORIGINS');
  const displayName = text(env, 'SENTINEL_WEBAUTHN_DISPLAY_NAME');
  const passkeys: SpecPatch = {};
  if (rpId !== undefined && isIP(rpId.replace(/^\[(.*)\]$/, '$1')) !== 0) {
    throw new PasskeyEnvironmentError(`invalid SENTINEL_WEBAUTHN_RPID=${JSON.stringify(rpId)}: a relying-party ID must be a domain name, not an IP address: browsers refuse passkeys for an IP address (use localhost on this machine, or a DNS name)`);
  }
  if ((rpId === undefined) !== (origins === undefined)) {
    throw new PasskeyEnvironmentError('SENTINEL_WEBAUTHN_RPID and SENTINEL_WEBAUTHN_ORIGINS must be set together (or neither)');
  }
  if (rpId !== undefined && origins !== undefined) {
    const list = origins.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
    if (list.length !== 1) throw new PasskeyEnvironmentError(`invalid SENTINEL_WEBAUTHN_ORIGINS=${JSON.stringify(origins)}: Vigil takes one origin, the URL users open it at`);
    const origin = list[0] ?? '';
    let hostname: string;
    try {
      hostname = parsePublicUrl(origin).hostname;
    } catch (error) {
      throw new PasskeyEnvironmentError(`invalid SENTINEL_WEBAUTHN_ORIGINS=${JSON.stringify(origins)}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (hostname !== rpId.toLowerCase()) {
      throw new PasskeyEnvironmentError(`invalid SENTINEL_WEBAUTHN_RPID=${JSON.stringify(rpId)}: Vigil uses the host name of SENTINEL_WEBAUTHN_ORIGINS (${hostname}) as relying-party ID`);
    }
    passkeys.publicUrl = origin;
  }
  if (displayName !== undefined) passkeys.displayName = displayName;
  return Object.keys(passkeys).length === 0 ? {} : { passkeys };
}
