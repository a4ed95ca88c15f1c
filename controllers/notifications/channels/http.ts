// The one HTTP step every HTTP channel uses: a timeout joined to the pipeline's AbortSignal, the X-Vigil-Delivery
// header, and the mapping of the answer to a SendResult (2xx delivered; 429/503 retry after Retry-After; other 5xx and
// network errors retry; other 4xx failed with the service's own error text, trimmed and redacted).
import type { SendResult } from './sender.ts';
import type { Redactor } from './redact.ts';
import { trimMiddle } from './text.ts';

/** Every HTTP channel gives up after this long (Sentinel: 10 s; Apprise fans out, so its sender passes 15 s). */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

/** How much of a service's error answer goes into the result: enough to read, small enough for a status field. */
const ERROR_TEXT_MAX = 300;

export interface HTTPDelivery {
  url: string;
  method?: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string;
  deliveryId: string;
  redact: Redactor;
  timeoutMs?: number;
  /** Services that put the wait in the body (Telegram parameters.retry_after, Discord retry_after), in ms. */
  retryAfterFromBody?: (body: string) => number | undefined;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

export async function deliverHTTP(delivery: HTTPDelivery, signal: AbortSignal): Promise<SendResult> {
  const timeoutMs = delivery.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const joined = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  let response: Response;
  try {
    response = await fetch(delivery.url, {
      method: delivery.method ?? 'POST',
      headers: { ...delivery.headers, 'X-Vigil-Delivery': delivery.deliveryId },
      body: delivery.body,
      signal: joined,
      redirect: 'error',
    });
  } catch (error) {
    // fetch's errors quote the URL (a Telegram token sits in its path): redacted before anything sees them.
    const reason = signal.aborted ? 'cancelled' : joined.aborted ? `timed out after ${timeoutMs} ms` : describeError(error);
    const result: SendResult = { outcome: 'retry', error: delivery.redact(`request failed: ${reason}`) };
    // No answer at all (refused, unresolvable): nothing arrived. A timeout may have arrived, so it spends a retry.
    return joined.aborted ? result : { ...result, unreachable: true };
  }
  if (response.status >= 200 && response.status < 300) {
    // Drain the body so the connection goes back to the pool.
    await response.arrayBuffer().catch(() => undefined);
    return { outcome: 'delivered' };
  }
  const text = await response.text().catch(() => '');
  const detail = trimMiddle(text.replace(/\s+/g, ' ').trim(), ERROR_TEXT_MAX);
  const error = delivery.redact(`HTTP ${response.status}${detail ? `: ${detail}` : ''}`);
  if (response.status === 429 || response.status === 503) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after')) ?? delivery.retryAfterFromBody?.(text);
    return retryAfterMs === undefined ? { outcome: 'retry', error } : { outcome: 'retry', error, retryAfterMs };
  }
  if (response.status >= 500) return { outcome: 'retry', error };
  return { outcome: 'failed', error };
}

/** A JSON body's numeric field at `path`, in seconds, as milliseconds (retry_after of Telegram and Discord). */
export function secondsInJSON(body: string, path: readonly string[]): number | undefined {
  let node: unknown;
  try {
    node = JSON.parse(body);
  } catch {
    return undefined;
  }
  for (const key of path) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'number' && Number.isFinite(node) && node >= 0 ? Math.round(node * 1000) : undefined;
}

/** A sender whose HTTP channel holds no connection: close is a no-op. */
export async function noConnectionToClose(): Promise<void> {}
