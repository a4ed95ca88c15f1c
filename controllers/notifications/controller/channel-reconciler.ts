// One pass per channel key: send the channel's outbox in order (delivery-worker.ts with the retry policy, timers on
// the runtime's clock), then write the channel's status once. The head that must wait (backoff, Retry-After) becomes
// the pass's requeueAfter, so the work queue's delayed add is the only timer and a FakeClock drives it in tests.
import type { NotificationChannel, NotificationChannelStatus, Secret, Settings } from '../../../schemas/generated/types.ts';
import type { ResourceClient } from '../../../apiserver/resources/client.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import { statusOf, writeStatus, type Clock, type Lister, type ReconcileContext, type ReconcileResult, type Reconciler } from '../../runtime/index.ts';
import type { Stored } from '../../stored.ts';
import { drainChannel, type DeliveryReport } from '../pipeline/delivery-worker.ts';
import type { NotificationMetrics } from '../pipeline/metrics.ts';
import type { Outbox, PendingDelivery } from '../pipeline/outbox.ts';
import { nextChannelStatus, type PassSummary } from './channel-status.ts';
import { resolveChannel, type ChannelSenders } from './channel-senders.ts';
import { composeMessage, templatesFor } from './messages.ts';
import { batchPolicyOf } from '../pipeline/batch.ts';
import { failureRecord, type NotificationActivity } from './activity-records.ts';

export const SETTINGS_NAME = 'default';

export interface ChannelReconcilerOptions {
  client: ResourceClient;
  channels: Lister<Stored<NotificationChannel>>;
  secrets: Lister<Stored<Secret>>;
  settings: Lister<Stored<Settings>>;
  outbox: Outbox;
  senders: ChannelSenders;
  metrics: NotificationMetrics;
  clock: Clock;
  /** Drops counted by the intake since the channel's last pass; taking them resets the count. */
  takeDropped: (channel: string) => number;
  /** Final failures and drops, for the activity log. */
  activity: NotificationActivity;
}

export class ChannelReconciler implements Reconciler {
  readonly #options: ChannelReconcilerOptions;

  constructor(options: ChannelReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(context: ReconcileContext, key: string): Promise<ReconcileResult | void> {
    const { outbox, senders } = this.#options;
    const channel = this.#options.channels.get(key);
    if (channel === undefined) {
      // Deleted: what it still had pending can never be sent.
      await senders.release(key);
      for (const delivery of await outbox.pending(key)) await outbox.finish(delivery);
      this.#options.metrics.pending(key, 0);
      this.#options.activity.forget(key);
      return;
    }
    const dropped = this.#options.takeDropped(key);
    const channelRef = { name: key, type: channel.spec.type };
    const dropReportIn = await this.#options.activity.dropped(channelRef, dropped, this.#options.clock.now());
    if (channel.spec.enabled === false) {
      await senders.release(key);
      return withRequeue(await this.#finish(channel, { delivered: 0, failed: 0, dropped, pending: (await outbox.pending(key)).length, disabled: true }), dropReportIn);
    }
    const resolved = resolveChannel(channel, this.#options.secrets);
    if (!resolved.ok) {
      await senders.release(key);
      return withRequeue(await this.#finish(channel, { delivered: 0, failed: 0, dropped, pending: (await outbox.pending(key)).length, unusable: { reason: resolved.reason, message: resolved.message } }), dropReportIn);
    }
    const sender = await senders.senderFor(resolved);
    const templates = templatesFor(channel, this.#options.settings.get(SETTINGS_NAME));
    const summary: PassSummary = { delivered: 0, failed: 0, dropped, pending: 0 };
    const finalFailures: Array<{ delivery: PendingDelivery; error: string }> = [];
    const report = (outcome: DeliveryReport): void => {
      this.#options.metrics.delivery(channel.spec.type, outcome.delivery.payload.type, outcome.outcome);
      if (outcome.outcome === 'delivered') {
        summary.delivered++;
        summary.lastSendSucceeded = true;
        return;
      }
      if (outcome.outcome === 'failed') {
        summary.failed++;
        finalFailures.push({ delivery: outcome.delivery, error: outcome.error });
      }
      summary.lastError = outcome.error;
      summary.lastSendSucceeded = false;
      context.logger.warn({ channel: key, delivery: outcome.delivery.id, outcome: outcome.outcome, error: outcome.error }, 'notification not delivered');
    };
    const waitMs = await drainChannel({
      channel: key,
      outbox,
      sender,
      retries: channel.spec.retries ?? 3,
      batch: batchPolicyOf(channel.spec),
      clock: this.#options.clock,
      render: (delivery) => {
        const composed = composeMessage(delivery, templates);
        if (composed.templateError !== undefined) summary.templateError = composed.templateError;
        return composed.message;
      },
      report,
      signal: context.signal,
    });
    for (const failure of finalFailures) await this.#options.activity.write(failureRecord(channelRef, failure.delivery, failure.error, this.#options.clock.now()));
    summary.pending = (await outbox.pending(key)).length;
    return withRequeue(withRequeue(await this.#finish(channel, summary), waitMs), dropReportIn);
  }

  async #finish(channel: Stored<NotificationChannel>, summary: PassSummary): Promise<ReconcileResult> {
    const name = channel.metadata.name;
    this.#options.metrics.pending(name, summary.pending);
    try {
      await writeStatus(this.#options.client, 'NotificationChannel', undefined, name, (current) => {
        const status = statusOf(current) as NotificationChannelStatus;
        return { ...nextChannelStatus(status, summary, current.metadata.generation, this.#options.clock.now()) };
      }, { fieldManager: 'vigil-notifications' });
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error;
    }
    return {};
  }
}

/** The result with its requeueAfter brought forward to `ms` (the earlier of the two; undefined changes nothing). */
function withRequeue(result: ReconcileResult, ms: number | undefined): ReconcileResult {
  if (ms === undefined) return result;
  return { ...result, requeueAfter: result.requeueAfter === undefined ? ms : Math.min(result.requeueAfter, ms) };
}
