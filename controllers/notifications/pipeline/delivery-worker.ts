// Sends one channel's outbox, in order, off the scan and update paths: the head delivery is sent, then finished
// (2xx or final failure) or put back with a notBefore from the retry policy; nothing behind it is sent meanwhile.
// What happened goes to `report` (the channel's status and the metrics in the controller).
import type { Clock } from '../../runtime/index.ts';
import type { ChannelSender, OutgoingMessage } from '../channels/sender.ts';
import type { Outbox, PendingDelivery } from './outbox.ts';
import { nextStep } from './retry-policy.ts';

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
    const result = await options.sender.send(options.render(head), options.signal);
    // Stopped mid-send (shutdown, lost leadership): the delivery stays as it was and is sent again by whoever runs
    // next, at least once; a cancelled send is no attempt.
    if (options.signal.aborted) return undefined;
    const step = nextStep(result, head.attempts + 1, options.retries);
    if (step.action === 'retry') {
      await outbox.retryLater(head, clock.now() + step.delayMs);
      options.report({ outcome: 'retry', delivery: head, error: step.error, delayMs: step.delayMs });
      continue;
    }
    await outbox.finish(head);
    options.report(step.action === 'done' ? { outcome: 'delivered', delivery: head } : { outcome: 'failed', delivery: head, error: step.error });
  }
}
