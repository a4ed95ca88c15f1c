// Who Vigil is to an authenticator: the relying party, all of it derived from one setting, Settings
// spec.passkeys.publicUrl (the URL in the browser's address bar). The relying-party ID is its host name and the only
// accepted origin is its origin. Nothing is taken from the request (Host, X-Forwarded-*): behind a reverse proxy the
// public URL is the proxy's, and a browser that reaches Vigil by another address gets a refusal naming both origins.
import type { SettingsSpec } from '../../../schemas/generated/types.ts';
import { parsePublicUrl } from '../../../schemas/public-url.ts';
import { settingsDefault } from '../../sentinel/settings/setting-keys.ts';

export interface RelyingParty {
  /** The relying-party ID: the public URL's host name. */
  id: string;
  /** What authenticators show. */
  name: string;
  /** The one origin ceremonies must come from. */
  origin: string;
}

/** Undefined while passkeys are off (no public URL set). The schema has already refused a bad URL on write. */
export function relyingPartyOf(spec: SettingsSpec | undefined): RelyingParty | undefined {
  const passkeys = spec?.passkeys;
  if (passkeys?.publicUrl === undefined) return undefined;
  const url = parsePublicUrl(passkeys.publicUrl);
  const fallbackName = settingsDefault(['passkeys', 'displayName']);
  return { id: url.hostname, name: passkeys.displayName ?? (typeof fallbackName === 'string' ? fallbackName : 'Vigil'), origin: url.origin };
}
