// What every part of the auth service shares: the records, the sealing key, the clock and the limits.
import type { Logger } from 'pino';
import type { IdentityStore } from './identity-store.ts';
import type { SecretBox } from './secret-box.ts';
import type { ScryptParameters } from './passwords.ts';

export interface AuthLimits {
  /** How long a session lasts. Default 720 h (Sentinel's SENTINEL_SESSION_EXPIRY). */
  sessionTtlMs: number;
  /** How long a password-accepted login waits for its second factor. Default 5 min. */
  pendingLoginTtlMs: number;
  /** Consecutive failures that lock an account. Default 10. */
  lockoutThreshold: number;
  /** How long a locked account stays locked. Default 30 min. */
  lockoutMs: number;
  /** Only write a session's or token's "last used" time when it moved by more than this. Default 60 s. */
  lastUsedResolutionMs: number;
}

export const DEFAULT_LIMITS: AuthLimits = {
  sessionTtlMs: 720 * 3600_000,
  pendingLoginTtlMs: 5 * 60_000,
  lockoutThreshold: 10,
  lockoutMs: 30 * 60_000,
  lastUsedResolutionMs: 60_000,
};

export interface AuthContext {
  identities: IdentityStore;
  box: SecretBox;
  now: () => Date;
  limits: AuthLimits;
  scrypt: ScryptParameters;
  log: Logger | undefined;
}

/** Who made a request: recorded on sessions, shown in the session list. */
export interface ClientInfo {
  ip: string;
  userAgent: string;
}
