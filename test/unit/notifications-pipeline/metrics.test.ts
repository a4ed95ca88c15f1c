import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { NotificationMetrics } from '../../../controllers/notifications/pipeline/metrics.ts';

describe('NotificationMetrics', () => {
  it('counts deliveries by channel type, event type and outcome, and pending per channel', async () => {
    const registry = new Registry();
    const metrics = NotificationMetrics.for(registry);
    assert.equal(NotificationMetrics.for(registry), metrics);
    metrics.delivery('webhook', 'update_failed', 'delivered');
    metrics.delivery('webhook', 'update_failed', 'delivered');
    metrics.delivery('discord', 'update_started', 'dropped');
    metrics.pending('ops-hook', 7);
    const text = await registry.metrics();
    assert.match(text, /vigil_notification_deliveries_total\{channel_type="webhook",event_type="update_failed",outcome="delivered"\} 2/);
    assert.match(text, /vigil_notification_deliveries_total\{channel_type="discord",event_type="update_started",outcome="dropped"\} 1/);
    assert.match(text, /vigil_notification_pending\{channel="ops-hook"\} 7/);
  });
});
