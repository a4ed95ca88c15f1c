// Password rules and hashing. scrypt from node:crypto is memory-hard (no native addon needed): with N = 2^15, r = 8,
// p = 1 one hash takes 32 MiB and about 50-100 ms here, which makes offline guessing expensive (OWASP's minimum for
// scrypt is N = 2^17 with r = 8 and p = 1, or an equivalent trade; N = 2^15 keeps a login under 0.1 s on two
// cores). The parameters travel inside each hash, so they can be raised later without invalidating stored hashes.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParameters {
  /** CPU/memory cost, a power of two. Default 32768 (2^15). */
  N: number;
  /** Block size. Default 8. */
  r: number;
  /** Parallelism. Default 1. */
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParameters = { N: 32768, r: 8, p: 1 };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const MIN_LENGTH = 8;
const MAX_LENGTH = 1024;

/** Why a new password is refused, or undefined when it is acceptable (Sentinel's rule: 8+ characters, a letter, a digit). */
export function passwordProblem(password: unknown): string | undefined {
  if (typeof password !== 'string') return 'a password is required';
  if (password.length < MIN_LENGTH) return `the password must be at least ${MIN_LENGTH} characters long`;
  if (password.length > MAX_LENGTH) return `the password must be at most ${MAX_LENGTH} characters long`;
  if (!/\p{L}/u.test(password)) return 'the password must contain a letter';
  if (!/\p{Nd}/u.test(password)) return 'the password must contain a digit';
  return undefined;
}

function derive(password: string, salt: Buffer, parameters: ScryptParameters): Promise<Buffer> {
  // 128 * N * r bytes of memory, plus headroom: node's default maxmem (32 MiB) is exactly too small for N = 2^15.
  const options: ScryptOptions = { ...parameters, maxmem: 256 * parameters.N * parameters.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}

/** `scrypt$N$r$p$salt$hash` (salt and hash base64url). */
export async function hashPassword(password: string, parameters: ScryptParameters = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, parameters);
  return ['scrypt', parameters.N, parameters.r, parameters.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether `password` matches `stored`, compared in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((value) => Number.isSafeInteger(value) && value > 0)) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  const actual = await derive(password, salt, { N, r, p });
  return timingSafeEqual(actual, expected);
}
