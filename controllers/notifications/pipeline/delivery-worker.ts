// Sends one channel's outbox, in order, off the scan and update paths: the head delivery is sent, then finished
// (2xx or final failure) or put back with a notBefore from the retry policy; nothing behind it is sent meanwhile.
// What happened goes to `report` (the channel's status and the metrics in the controller).
//
// Batching (a channel's spec.batching.window, batch.ts) works on the outbox itself, so a held batch is as durable as
// any delivery: the batchable deliveries at the head of the queue wait until the batch is due (a window after the
// last, at most the maximum wait after the first), then go as one message per event type naming every container.
// A delivery that is never held (a failure, a rollback, a state change) behind them flushes them at once, so it is
// neither delayed nor sent out of order.
import type { Clock } from '../../runtime/index.ts';
import type { ChannelSender, OutgoingMessage } from '../channels/sender.ts';
import type { Outbox, PendingDelivery } from './outbox.ts';
import { nextStep } from './retry-policy.ts';
import { flushAt, isBatched, type BatchPolicy } from './batch.ts';

export type DeliveryReport =
  | { outcome: 'delivered'; delivery: PendingDelivery }
  | { outcome: 'retry'; delivery: PendingDelivery; error: string; delayMs: number }
  | { outcome: 'failed'; delivery: PendingDelivery; error: string };

export interface ChannelDrainOptions {
  channel: string;
  outbox: Outbox;
  sender: ChannelSender;
  /** The channel's spec.retries (0–3). */
  retries: number;
  /** The channel's batching; undefined sends each delivery on its own. */
  batch?: BatchPolicy | undefined;
  clock: Clock;
  render: (delivery: PendingDelivery) => OutgoingMessage;
  report: (report: DeliveryReport) => void;
  signal: AbortSignal;
}

/**
 * Sends until the channel's outbox is empty or its head must wait. Resolves with how long to wait before the next
 * call (undefined when the outbox is empty).
 */
export async function drainChannel(options: ChannelDrainOptions): Promise<number | undefined> {
  const { outbox, channel, clock } = options;
  for (;;) {
    if (options.signal.aborted) return undefined;
    const pending = await outbox.pending(channel);
    const head = pending[0];
    if (head === undefined) return undefined;
    const now = clock.now();
    if (head.notBefore > now) return head.notBefore - now;
    const group = options.batch === undefined ? [head] : batchGroup(pending, options.batch, now);
    if (typeof group === 'number') return group;
    const sent = group.length === 1 ? head : combined(group);
    const result = await options.sender.send(options.render(sent), options.signal);
    // Stopped mid-send (shutdown, lost leadership): the delivery stays as it was and is sent again by whoever runs
    // next, at least once; a cancelled send is no attempt.
    if (options.signal.aborted) return undefined;
    const step = nextStep(result, head.attempts + 1, options.retries);
    for (const delivery of group) {
      if (step.action === 'retry') {
        await outbox.retryLater(delivery, clock.now() + step.delayMs);
        options.report({ outcome: 'retry', delivery, error: step.error, delayMs: step.delayMs });
        continue;
      }
      await outbox.finish(delivery);
      options.report(step.action === 'done' ? { outcome: 'delivered', delivery } : { outcome: 'failed', delivery, error: step.error });
    }
  }
}

function eventTime(delivery: PendingDelivery): number {
  const at = Date.parse(delivery.payload.timestamp);
  return Number.isNaN(at) ? 0 : at;
}

/**
 * The deliveries to send as one message now: the head and the pending deliveries of its type within the run of
 * batchable deliveries at the head of the queue; or how long to wait while that batch is not due yet.
 */
function batchGroup(pending: readonly PendingDelivery[], policy: BatchPolicy, now: number): PendingDelivery[] | number {
  const head = pending[0];
  if (head === undefined) return [];
  if (!isBatched(head.payload.type)) return [head];
  const end = pending.findIndex((delivery) => !isBatched(delivery.payload.type));
  const run = end === -1 ? pending : pending.slice(0, end);
  const times = run.map(eventTime);
  const due = flushAt({ firstAt: Math.min(...times), lastAt: Math.max(...times), events: [] }, policy);
  // Something that is never held waits behind the batch: flush it now rather than delay the alert.
  if (end === -1 && due > now) return due - now;
  return run.filter((delivery) => delivery.payload.type === head.payload.type && delivery.notBefore <= now);
}

/** One delivery standing for a batch: the first one's id and attempts, every container of the batch. */
function combined(group: readonly PendingDelivery[]): PendingDelivery {
  const [first] = group;
  if (first === undefined) throw new Error('an empty batch');
  const latest = group.map((delivery) => delivery.payload.timestamp).reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
  return {
    ...first,
    // Stable for the same batch, so a receiver that drops duplicates drops a batch sent again after a crash.
    id: `${first.id}+${String(group.length - 1)}`,
    payload: { type: first.payload.type, timestamp: latest, containers: group.flatMap((delivery) => delivery.payload.containers) },
  };
}
