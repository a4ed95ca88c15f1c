// The notification metrics on the process's prom registry: deliveries by channel type, event type and outcome
// (delivered, retry, failed, dropped), and what is pending per channel. One set per registry, as ControllerMetrics.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { NotificationEventType } from '../channels/sender.ts';

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed' | 'dropped';

const byRegistry = new WeakMap<Registry, NotificationMetrics>();

export class NotificationMetrics {
  readonly #deliveries: Counter<'channel_type' | 'event_type' | 'outcome'>;
  readonly #pending: Gauge<'channel'>;

  static for(registry: Registry): NotificationMetrics {
    let metrics = byRegistry.get(registry);
    if (metrics === undefined) {
      metrics = new NotificationMetrics(registry);
      byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(registry: Registry) {
    this.#deliveries = new Counter({
      name: 'vigil_notification_deliveries_total',
      help: 'Notification send attempts and drops by channel type, event type and outcome (delivered, retry, failed, dropped).',
      labelNames: ['channel_type', 'event_type', 'outcome'],
      registers: [registry],
    });
    this.#pending = new Gauge({
      name: 'vigil_notification_pending',
      help: 'Deliveries waiting in a channel\'s outbox.',
      labelNames: ['channel'],
      registers: [registry],
    });
  }

  delivery(channelType: string, eventType: NotificationEventType, outcome: DeliveryOutcome): void {
    this.#deliveries.inc({ channel_type: channelType, event_type: eventType, outcome });
  }

  pending(channel: string, count: number): void {
    this.#pending.set({ channel }, count);
  }
}
