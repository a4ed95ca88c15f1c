// From a derived event to the outbox: one delivery for each enabled channel that receives the event's type (spec.events
// empty or absent = all). The caller persists what it has taken in (a status marker) only after this resolves, so a
// crash in between re-derives the event and the outbox's stable ids keep it to one delivery per channel.
import type { NotificationChannel } from '../../../schemas/generated/types.ts';
import type { DerivedEvent } from './update-events.ts';
import { DEFAULT_MAX_PENDING, type Outbox, type PendingDelivery } from './outbox.ts';

export function channelReceives(channel: NotificationChannel, type: DerivedEvent['payload']['type']): boolean {
  if (channel.spec.enabled === false) return false;
  const events: readonly string[] | undefined = channel.spec.events;
  return events === undefined || events.length === 0 || events.includes(type);
}

export interface IntakeResult {
  /** Channel names a new delivery was created for. */
  enqueued: string[];
  /** Deliveries dropped to keep a channel within its bound (to count and report). */
  dropped: PendingDelivery[];
}

export async function takeIn(event: DerivedEvent, channels: readonly NotificationChannel[], outbox: Outbox, maxPending: number = DEFAULT_MAX_PENDING): Promise<IntakeResult> {
  const result: IntakeResult = { enqueued: [], dropped: [] };
  for (const channel of channels) {
    const name = channel.metadata.name;
    if (name === undefined || !channelReceives(channel, event.payload.type)) continue;
    // The channel's own bound (spec.maxPending) over the controller's default.
    const { created, dropped } = await outbox.enqueue(name, event.key, event.payload, channel.spec.maxPending ?? maxPending);
    if (created) result.enqueued.push(name);
    result.dropped.push(...dropped);
  }
  return result;
}
