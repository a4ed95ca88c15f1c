// The public URL of Vigil: the address in the browser's address bar, which passkeys are bound to. WebAuthn derives
// everything from it: the origin the browser reports in every ceremony and the relying-party ID (its host name).
// Browsers refuse an IP address as relying-party ID ("This is an invalid domain") and offer WebAuthn only in a secure
// context, which plain HTTP is only on localhost; both are refused here, when the setting is written, rather than
// failing later in the browser with a message that names neither.
import { isIP } from 'node:net';

export interface PublicUrl {
  /** scheme://host[:port], as the browser reports it in clientDataJSON. */
  origin: string;
  /** The host name without port: the relying-party ID. */
  hostname: string;
}

function isLocalhost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost');
}

/** Parses and checks a public URL; throws an Error saying what is wrong. */
export function parsePublicUrl(text: string): PublicUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('must be an absolute URL such as https://vigil.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('must start with https:// (or http:// for localhost)');
  if (url.username !== '' || url.password !== '') throw new Error('must not contain a user name or password');
  if (url.search !== '' || url.hash !== '') throw new Error('must not have a query or fragment');
  // URL keeps IPv6 hosts in brackets.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(hostname) !== 0) {
    throw new Error('must name the host by a domain name, not an IP address: browsers refuse passkeys for an IP address (use localhost on this machine, or a DNS name)');
  }
  if (url.protocol === 'http:' && !isLocalhost(hostname)) {
    throw new Error('must be https:// unless the host is localhost: browsers offer passkeys only on secure pages');
  }
  return { origin: url.origin, hostname };
}
