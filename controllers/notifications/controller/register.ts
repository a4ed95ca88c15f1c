// The notification controllers, in one call for `vigil serve` (and for tests), leader-only like every controller:
//   notification-events    UpdateRecords, Containers and SwarmServices → derived events → the outbox (NotificationDelivery
//                          resources), then the emitted marker on the resource (event-reconciler.ts)
//   notification-delivery  one key per NotificationChannel: its outbox sent in order with retries, then its status
//                          (channel-reconciler.ts); woken by new deliveries, channel and Secret changes
//   notification-reset     Settings spec.resetNotifyStates (DELETE /api/notify-states): the dedupe forgotten
//   notification-digest    the digest on its schedule (Settings spec.digest) and on request (spec.sendDigest)
// Off the scan and update paths: nothing here runs inside a scan or an update, they only write resources.
import type { Registry as MetricsRegistry } from 'prom-client';
import type { Container, NotificationChannel, NotificationDelivery, Secret, Settings, SwarmService, UpdateRecord } from '../../../schemas/generated/types.ts';
import { keyOf, type Controller, type Manager, type Runnable } from '../../runtime/index.ts';
import type { Stored } from '../../stored.ts';
import { createSender } from '../channels/index.ts';
import type { SenderFactory } from '../channels/sender.ts';
import { NotificationMetrics } from '../pipeline/metrics.ts';
import { DEFAULT_MAX_PENDING, Outbox } from '../pipeline/outbox.ts';
import type { IntakeResult } from '../pipeline/intake.ts';
import type { DerivedEvent } from '../pipeline/update-events.ts';
import { ResourceOutboxStore } from '../pipeline/resource-outbox-store.ts';
import { ChannelReconciler } from './channel-reconciler.ts';
import { NotificationActivity } from './activity-records.ts';
import { ChannelSenders, secretKeyOf } from './channel-senders.ts';
import { eventSourceKey, objectKeyOf, parseEventSourceKey } from './event-keys.ts';
import { DEFAULT_RECORD_HORIZON_MS, EventReconciler, NOTIFIED_ANNOTATION } from './event-reconciler.ts';
import { ResetReconciler } from './reset-reconciler.ts';
import { DigestReconciler } from './digest-reconciler.ts';
import { SETTINGS_NAME } from './channel-reconciler.ts';

const CHANNEL_LABEL = 'vigil.dev/notification-channel';

export interface NotificationControllersOptions {
  manager: Manager;
  /** The manager's prom registry (where the deliveries and pending metrics go). */
  metricsRegistry: MetricsRegistry;
  /** Default: the ten real senders (channels/index.ts); unit tests pass recording ones. */
  senderFactory?: SenderFactory;
  /** Pending deliveries kept per channel; beyond it the oldest are dropped. Default 1,000. */
  maxPending?: number;
  /** UpdateRecords finished longer ago are not sent. Default 6 h. */
  recordHorizonMs?: number;
  /** Channels drained at once (never one channel twice). Default 4. */
  deliveryWorkers?: number;
}

export interface NotificationControllers {
  events: Controller;
  deliveries: Controller;
  reset: Controller;
  digest: Controller;
  metrics: NotificationMetrics;
}

export function registerNotificationControllers(options: NotificationControllersOptions): NotificationControllers {
  const { manager } = options;
  const records = manager.informers.informerFor<Stored<UpdateRecord>>('UpdateRecord');
  const containers = manager.informers.informerFor<Stored<Container>>('Container');
  const services = manager.informers.informerFor<Stored<SwarmService>>('SwarmService');
  const channels = manager.informers.informerFor<Stored<NotificationChannel>>('NotificationChannel');
  const secrets = manager.informers.informerFor<Stored<Secret>>('Secret');
  const settings = manager.informers.informerFor<Stored<Settings>>('Settings');
  const deliveries = manager.informers.informerFor<Stored<NotificationDelivery>>('NotificationDelivery');
  const outbox = new Outbox(new ResourceOutboxStore(manager.client));
  const senders = new ChannelSenders(options.senderFactory ?? createSender);
  const metrics = NotificationMetrics.for(options.metricsRegistry);
  const dropped = new Map<string, number>();

  // Added first, so that it stops last: the drains end before their connections close.
  manager.add({ name: 'notification-senders', start: () => undefined, stop: async () => await senders.closeAll() } satisfies Runnable);

  const deliveryController = manager.addController({
    name: 'notification-delivery',
    reconciler: new ChannelReconciler({
      client: manager.client,
      channels: channels.lister,
      secrets: secrets.lister,
      settings: settings.lister,
      outbox,
      senders,
      metrics,
      clock: manager.clock,
      takeDropped: (channel) => {
        const count = dropped.get(channel) ?? 0;
        dropped.delete(channel);
        return count;
      },
      activity: new NotificationActivity(manager.client, manager.logger),
    }),
    workers: options.deliveryWorkers ?? 4,
    // A long outbox to a slow service is sent in one pass; each send has its own timeout.
    reconcileTimeoutMs: 10 * 60_000,
  });
  // Its own status writes do not change the generation: they do not wake it up.
  deliveryController.watch(channels, undefined, { updateFilter: (before, after) => before.metadata.generation !== after.metadata.generation });
  deliveryController.watch(secrets, (secret) => channels.lister.list()
    .filter((channel) => secretKeyOf(channel) === keyOf(secret))
    .map((channel) => keyOf(channel)));
  // A new delivery wakes its channel; retry bookkeeping (status writes) does not.
  deliveryController.watch(deliveries, (delivery) => delivery.metadata.labels?.[CHANNEL_LABEL], { updateFilter: () => false });

  const onIntake = (event: DerivedEvent, result: IntakeResult): void => {
    for (const delivery of result.dropped) {
      dropped.set(delivery.channel, (dropped.get(delivery.channel) ?? 0) + 1);
      const type = channels.lister.get(delivery.channel)?.spec.type ?? 'unknown';
      metrics.delivery(type, delivery.payload.type, 'dropped');
      deliveryController.enqueue(delivery.channel);
      manager.logger.warn({ channel: delivery.channel, delivery: delivery.id, event: event.key }, 'notification dropped: the channel\'s outbox is full');
    }
  };

  const eventController = manager.addController({
    name: 'notification-events',
    reconciler: new EventReconciler({
      client: manager.client,
      records: records.lister,
      containers: containers.lister,
      services: services.lister,
      channels: channels.lister,
      outbox,
      clock: manager.clock,
      maxPending: options.maxPending ?? DEFAULT_MAX_PENDING,
      recordHorizonMs: options.recordHorizonMs ?? DEFAULT_RECORD_HORIZON_MS,
      onIntake,
    }),
    // One worker: events enter the outbox in the order their resources changed, which is the order of sending.
    workers: 1,
    exists: (key) => {
      const source = parseEventSourceKey(key);
      const lister = source.kind === 'UpdateRecord' ? records.lister : source.kind === 'SwarmService' ? services.lister : containers.lister;
      return lister.get(objectKeyOf(source)) !== undefined;
    },
  });
  // Records are immutable: only a record not yet marked is worth a pass (the marker's own write is not).
  eventController.watch(records, (record) => (record.metadata.annotations?.[NOTIFIED_ANNOTATION] === undefined ? eventSourceKey('UpdateRecord', record) : undefined));
  eventController.watch(containers, (container) => eventSourceKey('Container', container));
  eventController.watch(services, (service) => eventSourceKey('SwarmService', service));

  const resetController = manager.addController({
    name: 'notification-reset',
    reconciler: new ResetReconciler({ client: manager.client, settings: settings.lister, containers: containers.lister, services: services.lister }),
    exists: () => true,
  });
  resetController.watch(settings, (object) => (object.metadata.name === SETTINGS_NAME ? SETTINGS_NAME : undefined));

  const digestController = manager.addController({
    name: 'notification-digest',
    reconciler: new DigestReconciler({
      client: manager.client,
      settings: settings.lister,
      containers: containers.lister,
      services: services.lister,
      channels: channels.lister,
      outbox,
      clock: manager.clock,
      maxPending: options.maxPending ?? DEFAULT_MAX_PENDING,
      onIntake,
    }),
    exists: () => true,
  });
  digestController.watch(settings, (object) => (object.metadata.name === SETTINGS_NAME ? SETTINGS_NAME : undefined));

  return { events: eventController, deliveries: deliveryController, reset: resetController, digest: digestController, metrics };
}
