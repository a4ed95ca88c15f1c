// Batching per channel (NotificationChannel spec.batching.window, 0s to 10m; REST notify-batch-window). Sentinel's
// batch is a pure debounce: each event restarts the timer, so a steady stream of events postpones it forever, and the
// flush says "3 containers". Here a batch is flushed at the earlier of
//   - the window after its LAST event (quiet for a window: the burst is over), and
//   - MAX_WAIT_FACTOR windows after its FIRST event (the maximum wait: a stream cannot hold it longer),
// and the flushed message names every container with its versions (one event per type, containers concatenated).
// Failures and state changes (update_failed, rollback_*, container_state) and the digest are never held: an alert that
// waits ten minutes is late, and the digest is already a summary. Pure: the caller keeps the state and the clock.
import type { NotificationChannelSpec } from '../../../schemas/generated/types.ts';
import { parseDuration } from '../../../schemas/duration.ts';
import type { NotificationEventType, NotificationPayload } from '../channels/sender.ts';
import type { DerivedEvent } from './update-events.ts';

/** The maximum wait is this many windows after the first event of a batch (10m window: at most 30m). */
export const MAX_WAIT_FACTOR = 3;

const BATCHED_TYPES: ReadonlySet<NotificationEventType> = new Set(['update_available', 'version_available', 'update_started', 'update_succeeded']);

export interface BatchPolicy {
  windowMs: number;
  maxWaitMs: number;
}

/** A channel's batching; undefined when it sends every event at once (no window, or 0s). */
export function batchPolicyOf(spec: Pick<NotificationChannelSpec, 'batching'>): BatchPolicy | undefined {
  const window = spec.batching?.window;
  const windowMs = window === undefined ? 0 : parseDuration(window);
  return windowMs > 0 ? { windowMs, maxWaitMs: MAX_WAIT_FACTOR * windowMs } : undefined;
}

export interface PendingBatch {
  /** Milliseconds since the epoch of the first and the last event taken in. */
  firstAt: number;
  lastAt: number;
  events: DerivedEvent[];
}

export interface Intake {
  batch: PendingBatch | undefined;
  /** Events to send now, not held. */
  immediate: DerivedEvent[];
}

export function isBatched(type: NotificationEventType): boolean {
  return BATCHED_TYPES.has(type);
}

/** Takes `event` in at `now`: held in the batch, or returned to send at once. */
export function takeIntoBatch(batch: PendingBatch | undefined, event: DerivedEvent, policy: BatchPolicy | undefined, now: number): Intake {
  if (policy === undefined || !isBatched(event.payload.type)) return { batch, immediate: [event] };
  if (batch === undefined) return { batch: { firstAt: now, lastAt: now, events: [event] }, immediate: [] };
  // The same event derived again (a restart, a second watch event) adds nothing.
  if (batch.events.some((held) => held.key === event.key)) return { batch, immediate: [] };
  return { batch: { firstAt: batch.firstAt, lastAt: Math.max(batch.lastAt, now), events: [...batch.events, event] }, immediate: [] };
}

/** When the batch is flushed: a window after its last event, but never later than the maximum wait after its first. */
export function flushAt(batch: PendingBatch, policy: BatchPolicy): number {
  return Math.min(batch.lastAt + policy.windowMs, batch.firstAt + policy.maxWaitMs);
}

/** The batch as the events to send: one per event type, in order of first appearance, naming every container. */
export function flushBatch(batch: PendingBatch): DerivedEvent[] {
  const byType = new Map<NotificationEventType, DerivedEvent[]>();
  for (const event of batch.events) {
    const same = byType.get(event.payload.type);
    if (same === undefined) byType.set(event.payload.type, [event]);
    else same.push(event);
  }
  return [...byType.entries()].map(([type, events]) => {
    // A batch of one is that event, with its own key, as if it had not been held.
    if (events.length === 1 && events[0] !== undefined) return events[0];
    const payload: NotificationPayload = {
      type,
      timestamp: events.map((event) => event.payload.timestamp).reduce((latest, at) => (Date.parse(at) > Date.parse(latest) ? at : latest)),
      containers: events.flatMap((event) => event.payload.containers),
    };
    // Named after its first and last events: the same batch flushed twice (a crash after the enqueue) is one delivery.
    return { key: `batch/${events[0]?.key ?? ''}/${events.length}/${events[events.length - 1]?.key ?? ''}`, payload };
  });
}
