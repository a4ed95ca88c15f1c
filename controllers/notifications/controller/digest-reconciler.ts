// The digest: on its schedule (Settings spec.digest, slots from digest-schedule.ts) and on request (Settings
// spec.sendDigest, POST /api/digest/trigger) every pending container goes to the channels that receive `digest`, as
// one message naming them all (digest-message.ts). Then Settings status records it: lastDigest (the schedule's
// reference), lastDigestContainers (the REST banner) and handledRequests.sendDigest.
//
// The event is keyed by the slot or the request it is for, not by the time it was sent, so a crash between the
// outbox and the status write re-derives the same key and the outbox keeps it to one delivery per channel.
import type { Container, NotificationChannel, Settings, SettingsStatus, SwarmService } from '../../../schemas/generated/types.ts';
import type { ResourceClient } from '../../../apiserver/resources/client.ts';
import { statusOf, writeStatus, type Clock, type Lister, type ReconcileContext, type ReconcileResult, type Reconciler } from '../../runtime/index.ts';
import type { Stored } from '../../stored.ts';
import { isPending } from '../../update/controller/desired.ts';
import { digestSchedule } from '../pipeline/digest-schedule.ts';
import { buildDigest } from '../pipeline/digest-message.ts';
import { channelReceives, takeIn, type IntakeResult } from '../pipeline/intake.ts';
import type { Outbox } from '../pipeline/outbox.ts';
import type { DerivedEvent } from '../pipeline/update-events.ts';
import { SETTINGS_NAME } from './channel-reconciler.ts';

const FIELD_MANAGER = 'vigil-notifications';

export interface DigestReconcilerOptions {
  client: ResourceClient;
  settings: Lister<Stored<Settings>>;
  containers: Lister<Stored<Container>>;
  services: Lister<Stored<SwarmService>>;
  channels: Lister<Stored<NotificationChannel>>;
  outbox: Outbox;
  clock: Clock;
  maxPending: number;
  onIntake: (event: DerivedEvent, result: IntakeResult) => void;
}

export class DigestReconciler implements Reconciler {
  readonly #options: DigestReconcilerOptions;
  /** Before any digest was sent, the schedule counts from here: enabling the digest sends none at once. */
  readonly #since: Date;

  constructor(options: DigestReconcilerOptions) {
    this.#options = options;
    this.#since = new Date(options.clock.now());
  }

  async reconcile(context: ReconcileContext): Promise<ReconcileResult | void> {
    const settings = this.#options.settings.get(SETTINGS_NAME);
    if (settings === undefined) return;
    const now = new Date(this.#options.clock.now());
    const request = settings.spec?.sendDigest;
    const requested = request !== undefined && isPending(request, settings.status?.handledRequests?.sendDigest);
    const schedule = digestSchedule({ digest: settings.spec?.digest, lastDigest: settings.status?.lastDigest, since: this.#since, now });
    const due = schedule.enabled && schedule.dueAt.getTime() <= now.getTime();
    if (!requested && !due) return schedule.enabled ? { requeueAfter: schedule.dueAt.getTime() - now.getTime() } : undefined;

    // A request is keyed by its requestedAt, a scheduled digest by its slot (a missed slot is sent once, now).
    const forTime = requested ? new Date(request.requestedAt) : schedule.enabled ? schedule.dueAt : now;
    const digest = buildDigest(this.#options.containers.list(), Number.isNaN(forTime.getTime()) ? now : forTime, this.#options.services.list());
    if (digest !== undefined) {
      const receivers = this.#options.channels.list().filter((channel) => channelReceives(channel, 'digest'));
      const result = await takeIn(digest.event, receivers, this.#options.outbox, this.#options.maxPending);
      this.#options.onIntake(digest.event, result);
    }
    await writeStatus(this.#options.client, 'Settings', undefined, SETTINGS_NAME, (current) => {
      const status = statusOf(current) as SettingsStatus;
      return {
        ...status,
        lastDigest: now.toISOString(),
        lastDigestContainers: digest?.listed ?? [],
        ...(requested ? { handledRequests: { ...status.handledRequests, sendDigest: request.requestedAt } } : {}),
      };
    }, { fieldManager: FIELD_MANAGER });
    context.logger.info({ containers: digest?.listed.length ?? 0, requested, requestedBy: requested ? request.requestedBy : undefined }, 'digest sent');
    // The status write wakes this controller again through the Settings watch, which computes the next slot.
  }
}
