// Registry credentials: from a Docker config.json (`auths`) and from Registry resources (the secret in a Secret),
// plus the masker that keeps every secret out of messages. A secret never appears in an error, a log line or a status.
import { canonicalRegistry } from '../../domain/registry/reference.ts';

export interface Credentials {
  username: string;
  /** A password or an access token. */
  password: string;
}

const MASK = '***';
/** Shorter strings are too common to replace everywhere (a one-letter password would mangle every message). */
const MIN_MASKED_LENGTH = 3;

/** Replaces every known secret (and its Basic-auth encoding) in a text with `***`. */
export class SecretMasker {
  #secrets = new Set<string>();

  add(secret: string): void {
    if (secret.length >= MIN_MASKED_LENGTH) this.#secrets.add(secret);
  }

  addCredentials(credentials: Credentials): void {
    this.add(credentials.password);
    this.add(Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64'));
  }

  mask(text: string): string {
    let masked = text;
    // Longest first, so that a secret containing another is replaced whole.
    for (const secret of [...this.#secrets].sort((a, b) => b.length - a.length)) masked = masked.split(secret).join(MASK);
    return masked;
  }
}

/**
 * Credentials per canonical registry from a Docker config.json: `auths.<server>.auth` (base64 `user:password`) or
 * `username`/`password`. `credsStore`/`credHelpers` need external programs and `identitytoken` an OAuth refresh flow;
 * neither is read (such entries are skipped, not guessed).
 */
export function credentialsFromDockerConfig(config: unknown): Map<string, Credentials> {
  const result = new Map<string, Credentials>();
  if (typeof config !== 'object' || config === null || !('auths' in config)) return result;
  const auths = config.auths;
  if (typeof auths !== 'object' || auths === null) return result;
  for (const [server, entry] of Object.entries(auths)) {
    const credentials = entryCredentials(entry);
    if (credentials !== undefined) result.set(canonicalRegistry(server), credentials);
  }
  return result;
}

function entryCredentials(entry: unknown): Credentials | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  if ('auth' in entry && typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if ('username' in entry && 'password' in entry && typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username !== '') {
    return { username: entry.username, password: entry.password };
  }
  return undefined;
}

/** The `Authorization` value for Basic credentials. */
export function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}
