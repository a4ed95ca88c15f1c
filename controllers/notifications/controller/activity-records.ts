// What the activity log (GET /api/logs, read from UpdateRecords) says about notifications: a delivery that failed for
// good, and deliveries dropped over a channel's outbox bound, each one UpdateRecord of type `notification`, outcome
// `failed`, in vigil-system (a channel belongs to no Host), labelled `vigil.dev/record-type: notification`. The
// error is the sender's, already redacted. Drops are counted together: the first drop is reported at once, the ones
// after it at most once per DROP_REPORT_INTERVAL_MS per channel with their count (the channel's status.droppedCount
// stays the exact total), so a channel that is down for a day adds a row a minute at most, not one per event. Kept
// to the newest MAX_NOTIFICATION_RECORDS: notification records alone are pruned here, oldest first. Writing the
// activity log is never worth failing a delivery pass: a failure to write is logged.
import type { Logger } from 'pino';
import type { ResourceClient } from '../../../apiserver/resources/client.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import { DEFAULT_SECRET_NAMESPACE } from '../../../schemas/index.ts';
import type { UpdateRecord } from '../../../schemas/generated/types.ts';
import { timestamp } from '../../runtime/index.ts';
import type { PendingDelivery } from '../pipeline/outbox.ts';

export const NOTIFICATION_RECORD_NAMESPACE = DEFAULT_SECRET_NAMESPACE;
const RECORD_TYPE_LABEL = 'vigil.dev/record-type';
const CHANNEL_LABEL = 'vigil.dev/notification-channel';
export const MAX_NOTIFICATION_RECORDS = 500;
export const DROP_REPORT_INTERVAL_MS = 60_000;
const FIELD_MANAGER = 'vigil-notifications';

export interface ChannelRef {
  name: string;
  type: string;
}

export function failureRecord(channel: ChannelRef, delivery: PendingDelivery, error: string, at: number): UpdateRecord {
  const container = delivery.payload.containers[0];
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'UpdateRecord',
    metadata: { generateName: 'notify-', namespace: NOTIFICATION_RECORD_NAMESPACE, labels: { [RECORD_TYPE_LABEL]: 'notification', [CHANNEL_LABEL]: channel.name } },
    spec: {
      type: 'notification',
      outcome: 'failed',
      finishedAt: timestamp(at),
      ...(container === undefined ? {} : { containerName: container.name }),
      error,
      notification: { channel: channel.name, channelType: channel.type, eventType: delivery.payload.type, delivery: delivery.id },
    },
  };
}

export function droppedRecord(channel: ChannelRef, dropped: number, at: number): UpdateRecord {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'UpdateRecord',
    metadata: { generateName: 'notify-', namespace: NOTIFICATION_RECORD_NAMESPACE, labels: { [RECORD_TYPE_LABEL]: 'notification', [CHANNEL_LABEL]: channel.name } },
    spec: {
      type: 'notification',
      outcome: 'failed',
      finishedAt: timestamp(at),
      error: `${dropped} ${dropped === 1 ? 'delivery' : 'deliveries'} dropped, oldest first: the outbox of the channel was full`,
      notification: { channel: channel.name, channelType: channel.type, dropped },
    },
  };
}

export class NotificationActivity {
  readonly #client: ResourceClient;
  readonly #logger: Logger;
  /** Per channel: drops not reported yet, and when drops were last reported. */
  readonly #drops = new Map<string, { unreported: number; reportedAt: number }>();

  constructor(client: ResourceClient, logger: Logger) {
    this.#client = client;
    this.#logger = logger;
  }

  /**
   * Counts `count` new drops of the channel (0 on a pass without any) and writes what is unreported when the channel
   * has not had a drop record within the interval. Resolves with how long until the rest is due (undefined: nothing
   * left to report), for the caller's requeue.
   */
  async dropped(channel: ChannelRef, count: number, now: number): Promise<number | undefined> {
    const known = this.#drops.get(channel.name) ?? { unreported: 0, reportedAt: Number.NEGATIVE_INFINITY };
    const unreported = known.unreported + count;
    if (unreported === 0) return undefined;
    const wait = known.reportedAt + DROP_REPORT_INTERVAL_MS - now;
    if (wait > 0) {
      this.#drops.set(channel.name, { ...known, unreported });
      return wait;
    }
    this.#drops.set(channel.name, { unreported: 0, reportedAt: now });
    await this.write(droppedRecord(channel, unreported, now));
    return undefined;
  }

  /** The channel is gone: nothing of it is reported any more. */
  forget(channel: string): void {
    this.#drops.delete(channel);
  }

  async write(record: UpdateRecord): Promise<void> {
    try {
      await this.#client.create(record, { fieldManager: FIELD_MANAGER });
      await this.#prune();
    } catch (error) {
      this.#logger.warn({ err: error }, 'could not record the notification failure in the activity log');
    }
  }

  async #prune(): Promise<void> {
    const list = await this.#client.list('UpdateRecord', { namespace: NOTIFICATION_RECORD_NAMESPACE, labelSelector: `${RECORD_TYPE_LABEL}=notification` });
    if (list.items.length <= MAX_NOTIFICATION_RECORDS) return;
    const oldestFirst = list.items
      .map((item) => ({ name: item.metadata.name ?? '', at: Date.parse(String((item as unknown as UpdateRecord).spec.finishedAt)) }))
      .sort((a, b) => a.at - b.at);
    for (const { name } of oldestFirst.slice(0, list.items.length - MAX_NOTIFICATION_RECORDS)) {
      try {
        await this.#client.delete('UpdateRecord', NOTIFICATION_RECORD_NAMESPACE, name);
      } catch (error) {
        if (!isApiError(error, 'NotFound')) throw error;
      }
    }
  }
}
