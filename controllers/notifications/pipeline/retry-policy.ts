// What the delivery worker does after a send: the channel's retries (0–3) with doubling backoff from 2 s (cap 30 s),
// the service's Retry-After when it sent one on 429/503 (never earlier than it asked), no retry of a final failure
// (other 4xx, a refused login, a misconfigured channel). Pure, so the worker and its tests share one rule.
import type { SendResult } from '../channels/sender.ts';

export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_CAP_MS = 30_000;

export type NextStep =
  | { action: 'done' }
  | { action: 'retry'; delayMs: number; error: string }
  | { action: 'give_up'; error: string };

/** attempt: how many sends have been made for this delivery, this one included (1 after the first). */
export function nextStep(result: SendResult, attempt: number, retries: number): NextStep {
  if (result.outcome === 'delivered') return { action: 'done' };
  if (result.outcome === 'failed') return { action: 'give_up', error: result.error };
  // A service that cannot be reached never got the message: it is kept (the outbox's bound limits how many) and
  // retried with the capped backoff until the service is back, so a receiver down for an hour loses nothing.
  if (attempt > retries && result.unreachable !== true) return { action: 'give_up', error: result.error };
  const backoff = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt - 1, 16));
  // Retry-After is a floor: sending before it would only earn another 429.
  const delayMs = Math.max(backoff, result.retryAfterMs ?? 0);
  return { action: 'retry', delayMs, error: result.error };
}
