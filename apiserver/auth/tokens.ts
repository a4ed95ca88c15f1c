// Random credentials and their hashes. Bearer tokens, session tokens and recovery codes carry at least 128 bits of
// randomness, so one SHA-256 is enough to store them: nobody can guess a preimage, and a memory-hard hash would only
// slow every request down. Passwords, chosen by people, are different (passwords.ts).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The prefix of API bearer tokens, as Docker Sentinel's (`stk_` + 32 random bytes, base64url). */
export const API_TOKEN_PREFIX = 'stk_';

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function newApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomToken(32)}`;
}

/** An identifier such as `usr_3f9a…` or `tok_…`: not secret, only unique. */
export function newId(prefix: 'usr' | 'tok'): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Compares two secrets in constant time. Hashing first gives both sides the same length, so neither the content nor
 * the length of the expected value leaks through timing.
 */
export function secretsEqual(provided: string, expected: string): boolean {
  const a = createHash('sha256').update(provided, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * The inbound webhook's check (`POST /api/webhook`): the `X-Webhook-Secret` header against the configured secret, in
 * constant time. An empty or missing secret on either side never matches.
 */
export function verifyWebhookSecret(header: string | string[] | undefined, configured: string | undefined): boolean {
  if (typeof header !== 'string' || header === '' || configured === undefined || configured === '') return false;
  return secretsEqual(header, configured);
}
