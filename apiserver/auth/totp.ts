// Two-factor authentication: RFC 6238 TOTP through the `otpauth` library (SHA-1, 6 digits, 30 s: what every
// authenticator app supports), and single-use recovery codes.
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { sha256Hex } from './tokens.ts';

const PERIOD_SECONDS = 30;
/** One step either side: a phone clock 30 s off still works. */
const WINDOW = 1;
export const RECOVERY_CODE_COUNT = 8;

function totpFor(secret: string, label = 'user'): TOTP {
  return new TOTP({ issuer: 'Vigil', label, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: Secret.fromBase32(secret) });
}

/** A new shared secret, base32 (160 bits, RFC 4226's recommendation). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI authenticator apps import (as a QR code or by hand). */
export function totpUri(secret: string, username: string): string {
  return totpFor(secret, username).toString();
}

/** The code valid at `nowMs` (for tests and for nothing else). */
export function totpCode(secret: string, nowMs: number): string {
  return totpFor(secret).generate({ timestamp: nowMs });
}

/**
 * The time step `code` belongs to when it is valid at `nowMs` and newer than `lastStep` (a code is accepted once:
 * replaying a code seen over someone's shoulder fails); undefined otherwise.
 */
export function acceptTotp(secret: string, code: string, nowMs: number, lastStep: number | undefined): number | undefined {
  const normalized = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(normalized)) return undefined;
  const delta = totpFor(secret).validate({ token: normalized, timestamp: nowMs, window: WINDOW });
  if (delta === null) return undefined;
  const step = TOTP.counter({ period: PERIOD_SECONDS, timestamp: nowMs }) + delta;
  return lastStep !== undefined && step <= lastStep ? undefined : step;
}

const RECOVERY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** 8 codes like `k3xq-9mzt-a2hp-77dw`: 80 random bits each, so a SHA-256 of each is a safe way to keep them. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(16);
    const chars = Array.from(bytes, (byte) => RECOVERY_ALPHABET[byte % 32] ?? 'a').join('');
    return [chars.slice(0, 4), chars.slice(4, 8), chars.slice(8, 12), chars.slice(12, 16)].join('-');
  });
}

export function recoveryCodeHash(code: string): string {
  return sha256Hex(code.toLowerCase().replace(/[\s-]/g, ''));
}

/** Whether the input looks like a recovery code rather than a 6-digit TOTP code. */
export function looksLikeRecoveryCode(code: string): boolean {
  return code.replace(/[\s-]/g, '').length === 16;
}
