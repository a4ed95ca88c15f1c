// The NotificationChannel status after one drain pass, computed once from what the pass did (STYLE.md: one status
// write per pass): counts, the last success and the last (redacted) error, what is still pending, and the
// conditions Ready, DeliveriesDropped and TemplateFallback.
import type { NotificationChannelStatus } from '../../../schemas/generated/types.ts';
import { setCondition, timestamp, type Condition } from '../../runtime/index.ts';

export interface PassSummary {
  delivered: number;
  failed: number;
  /** The last send that did not succeed (a retry or the final failure), redacted by the sender. */
  lastError?: string;
  /** Whether the pass's last send succeeded (undefined: nothing was sent). */
  lastSendSucceeded?: boolean;
  /** Dropped by the intake since the last pass (bound exceeded). */
  dropped: number;
  pending: number;
  /** Set when a template failed and the default was sent. */
  templateError?: string;
  /** The channel cannot be used as configured (a missing Secret): Ready False with this reason. */
  unusable?: { reason: string; message: string };
  /** The channel is disabled (spec.enabled false): nothing is sent. */
  disabled?: boolean;
}

function readyCondition(conditions: Condition[] | undefined, summary: PassSummary, generation: number | undefined, now: number): Condition[] {
  const base = { type: 'Ready', observedGeneration: generation };
  if (summary.unusable !== undefined) return setCondition(conditions, { ...base, status: 'False', ...summary.unusable }, now);
  if (summary.disabled === true) return setCondition(conditions, { ...base, status: 'False', reason: 'Disabled', message: 'spec.enabled is false: nothing is sent' }, now);
  if (summary.lastSendSucceeded === false) {
    return setCondition(conditions, { ...base, status: 'False', reason: 'DeliveryFailing', message: summary.lastError ?? 'the last send failed' }, now);
  }
  if (summary.lastSendSucceeded === true) return setCondition(conditions, { ...base, status: 'True', reason: 'Delivering', message: '' }, now);
  // Nothing sent this pass: an earlier verdict stands; a new channel is ready once resolved.
  const known = conditions?.find((condition) => condition.type === 'Ready');
  if (known !== undefined && (known.reason === 'DeliveryFailing' || known.reason === 'Delivering')) return conditions ?? [];
  return setCondition(conditions, { ...base, status: 'True', reason: 'Resolved', message: 'settings and Secret resolved' }, now);
}

export function nextChannelStatus(current: NotificationChannelStatus, summary: PassSummary, generation: number | undefined, now: number): NotificationChannelStatus {
  let conditions = readyCondition(current.conditions, summary, generation, now);
  const droppedCount = (current.droppedCount ?? 0) + summary.dropped;
  if (summary.dropped > 0) {
    conditions = setCondition(conditions, {
      type: 'DeliveriesDropped',
      status: 'True',
      reason: 'OutboxBoundExceeded',
      message: `${droppedCount} deliveries dropped so far, oldest first: more were pending than the outbox bound allows`,
      observedGeneration: generation,
    }, now);
  } else if (summary.pending === 0 && conditions.some((condition) => condition.type === 'DeliveriesDropped' && condition.status === 'True')) {
    // The outbox has drained: nothing is being dropped any more (the count keeps the history).
    conditions = setCondition(conditions, { type: 'DeliveriesDropped', status: 'False', reason: 'OutboxDrained', message: `${droppedCount} dropped before`, observedGeneration: generation }, now);
  }
  if (summary.templateError !== undefined) {
    conditions = setCondition(conditions, { type: 'TemplateFallback', status: 'True', reason: 'TemplateFailed', message: summary.templateError, observedGeneration: generation }, now);
  } else if (summary.delivered > 0 && conditions.some((condition) => condition.type === 'TemplateFallback' && condition.status === 'True')) {
    conditions = setCondition(conditions, { type: 'TemplateFallback', status: 'False', reason: 'TemplatesRendered', message: '', observedGeneration: generation }, now);
  }
  const status: NotificationChannelStatus = {
    ...current,
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    pending: summary.pending,
    sentCount: (current.sentCount ?? 0) + summary.delivered,
    failedCount: (current.failedCount ?? 0) + summary.failed,
    droppedCount,
    conditions,
  };
  if (summary.delivered > 0) status.lastSuccess = timestamp(now);
  if (summary.lastError !== undefined) {
    status.lastError = summary.lastError;
    status.lastErrorAt = timestamp(now);
  }
  return status;
}
