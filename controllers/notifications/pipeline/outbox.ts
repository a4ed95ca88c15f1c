// The outbox's rules, over a store interface (the NotificationDelivery resources in `vigil serve`, a map in the unit
// tests): one delivery per (event, channel) named after the event's stable key, so deriving an event again after a
// restart finds it instead of adding a second; a per-channel sequence that fixes the order of sending; a bound per
// channel beyond which the oldest are dropped and counted, never unbounded growth.
import type { NotificationPayload } from '../channels/sender.ts';

export const DEFAULT_MAX_PENDING = 1_000;

export interface PendingDelivery {
  /** Stable: `${channel}/${eventKey}`; sent as X-Vigil-Delivery. */
  id: string;
  channel: string;
  sequence: number;
  payload: NotificationPayload;
  attempts: number;
  /** Epoch ms before which the worker must not send again (Retry-After, backoff). */
  notBefore: number;
}

export interface OutboxStore {
  list(channel: string): Promise<PendingDelivery[]>;
  /** Resolves false when a delivery with this id exists already (an event derived twice). */
  create(delivery: PendingDelivery): Promise<boolean>;
  update(delivery: PendingDelivery): Promise<void>;
  delete(id: string): Promise<void>;
}

export interface EnqueueResult {
  created: boolean;
  /** Deliveries dropped to keep the channel within its bound, oldest first. */
  dropped: PendingDelivery[];
}

export function deliveryId(channel: string, eventKey: string): string {
  return `${channel}/${eventKey}`;
}

export class Outbox {
  readonly #store: OutboxStore;

  constructor(store: OutboxStore) {
    this.#store = store;
  }

  /** Persists the delivery before any attempt; the caller sends only what `next` hands out. */
  async enqueue(channel: string, eventKey: string, payload: NotificationPayload, maxPending: number = DEFAULT_MAX_PENDING): Promise<EnqueueResult> {
    const pending = await this.pending(channel);
    const id = deliveryId(channel, eventKey);
    if (pending.some((delivery) => delivery.id === id)) return { created: false, dropped: [] };
    const sequence = (pending.at(-1)?.sequence ?? 0) + 1;
    const created = await this.#store.create({ id, channel, sequence, payload, attempts: 0, notBefore: 0 });
    if (!created) return { created: false, dropped: [] };
    const excess = pending.length + 1 - maxPending;
    const dropped = excess > 0 ? pending.slice(0, excess) : [];
    for (const delivery of dropped) await this.#store.delete(delivery.id);
    return { created: true, dropped };
  }

  /** The channel's deliveries in sending order. */
  async pending(channel: string): Promise<PendingDelivery[]> {
    const deliveries = await this.#store.list(channel);
    return deliveries.sort((a, b) => a.sequence - b.sequence);
  }

  /**
   * The head of the channel's queue when it may be sent at `now`. Only the head: a later delivery never overtakes
   * one that waits for its retry, so the order per channel holds.
   */
  async next(channel: string, now: number): Promise<PendingDelivery | undefined> {
    const head = (await this.pending(channel))[0];
    return head !== undefined && head.notBefore <= now ? head : undefined;
  }

  async retryLater(delivery: PendingDelivery, notBefore: number): Promise<void> {
    await this.#store.update({ ...delivery, attempts: delivery.attempts + 1, notBefore });
  }

  /** After a 2xx or the final failure (recorded by the caller on the channel's status). */
  async finish(delivery: PendingDelivery): Promise<void> {
    await this.#store.delete(delivery.id);
  }
}
