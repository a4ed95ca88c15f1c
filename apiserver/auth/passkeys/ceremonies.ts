// The state of WebAuthn ceremonies between begin and finish. It lives in the store (not in one process's memory), so
// a ceremony begun on one replica finishes on another and survives a restart in between. Each is keyed by the
// SHA-256 of its challenge: finish reads the challenge the browser signed from clientDataJSON only to find the record,
// and everything it then relies on (the challenge to verify against, who may finish it, until when) comes from the
// record. A ceremony is consumed by deleting its record, which one caller only can do: a replayed or raced finish
// finds nothing. Its lifetime is the timeout the browser was given, so neither side waits for the other in vain.
import type { AuthContext } from '../context.ts';
import type { CeremonyRecord } from '../identity-store.ts';
import { randomToken, sha256Hex } from '../tokens.ts';

/** How long the browser is given (the options' `timeout`) and how long the server keeps the ceremony: the same. */
export const CEREMONY_TIMEOUT_MS = 120_000;

export interface BegunCeremony {
  /** base64url, 32 random bytes: what goes into the options. */
  challenge: string;
  record: CeremonyRecord;
}

export type CeremonyRefusal = 'unknown' | 'expired' | 'wrong-kind' | 'wrong-binding';

export type ConsumedCeremony = { ok: true; record: CeremonyRecord } | { ok: false; refusal: CeremonyRefusal };

/** Stores a new ceremony of `kind`, finishable only by `binding` (and, for a registration, by `userId`). */
export async function beginCeremony(context: AuthContext, kind: CeremonyRecord['kind'], binding: string, userId?: string): Promise<BegunCeremony> {
  await pruneExpiredCeremonies(context);
  const challenge = randomToken(32);
  const record: CeremonyRecord = {
    kind,
    challenge,
    binding,
    ...(userId === undefined ? {} : { userId }),
    expiresAt: new Date(context.now().getTime() + CEREMONY_TIMEOUT_MS).toISOString(),
  };
  await context.identities.ceremonies.create(sha256Hex(challenge), record);
  return { challenge, record };
}

/**
 * Takes the ceremony whose challenge the browser answered, once. It is deleted whatever the outcome, so a refused
 * attempt cannot be retried with the same challenge either.
 */
export async function consumeCeremony(context: AuthContext, challenge: string, kind: CeremonyRecord['kind'], binding: string): Promise<ConsumedCeremony> {
  if (challenge === '' || challenge.length > 512) return { ok: false, refusal: 'unknown' };
  const id = sha256Hex(challenge);
  const record = await context.identities.ceremonies.get(id);
  if (record === undefined || !(await context.identities.ceremonies.delete(id))) return { ok: false, refusal: 'unknown' };
  // The hash matched, so the challenge is the stored one; compare anyway rather than rely on the key alone.
  if (record.challenge !== challenge) return { ok: false, refusal: 'unknown' };
  if (Date.parse(record.expiresAt) <= context.now().getTime()) return { ok: false, refusal: 'expired' };
  if (record.kind !== kind) return { ok: false, refusal: 'wrong-kind' };
  if (record.binding !== binding) return { ok: false, refusal: 'wrong-binding' };
  return { ok: true, record };
}

/** Ceremonies nobody finished: removed when the next one begins, so they cannot pile up. */
async function pruneExpiredCeremonies(context: AuthContext): Promise<void> {
  const now = context.now().getTime();
  for (const record of await context.identities.ceremonies.list()) {
    if (Date.parse(record.expiresAt) <= now) await context.identities.ceremonies.delete(sha256Hex(record.challenge));
  }
}

/** The challenge a WebAuthn response answers, read from its clientDataJSON (base64url JSON); '' when unreadable. */
export function challengeOf(clientDataJSON: unknown): string {
  if (typeof clientDataJSON !== 'string' || clientDataJSON.length > 16_384) return '';
  try {
    const data: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    return typeof data === 'object' && data !== null && 'challenge' in data && typeof data.challenge === 'string' ? data.challenge : '';
  } catch {
    return '';
  }
}
