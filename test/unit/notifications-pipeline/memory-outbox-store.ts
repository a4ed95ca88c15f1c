// A map standing in for the NotificationDelivery resources in the outbox's unit tests.
import type { OutboxStore, PendingDelivery } from '../../../controllers/notifications/pipeline/outbox.ts';

export class MemoryOutboxStore implements OutboxStore {
  readonly deliveries = new Map<string, PendingDelivery>();

  async list(channel: string): Promise<PendingDelivery[]> {
    return [...this.deliveries.values()].filter((delivery) => delivery.channel === channel);
  }

  async create(delivery: PendingDelivery): Promise<boolean> {
    if (this.deliveries.has(delivery.id)) return false;
    this.deliveries.set(delivery.id, delivery);
    return true;
  }

  async update(delivery: PendingDelivery): Promise<void> {
    this.deliveries.set(delivery.id, delivery);
  }

  async delete(id: string): Promise<void> {
    this.deliveries.delete(id);
  }
}
