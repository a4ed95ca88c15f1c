// From the resources to the outbox (Alertmanager's first stages): each pass reads one UpdateRecord or Container from
// the cache, derives its events with the pipeline's rules, takes each into the outbox (one NotificationDelivery per
// receiving channel, persisted before any attempt) and only then records on the resource that it was emitted: the
// `vigil.dev/notified` annotation of the UpdateRecord, `status.notify` of the Container or SwarmService (a service has
// update_available, version_available and update_started as a container does, by the same rules, and no
// container_state: Swarm restarts its tasks itself). A crash between the two
// re-derives the event after the restart and the outbox's stable ids keep it to one delivery; a restart after both
// finds the marker and sends nothing twice. An event no channel receives is neither sent nor marked.
import type { Container, NotificationChannel, NotifyState, SwarmService, UpdateRecord } from '../../../schemas/generated/types.ts';
import type { ResourceClient } from '../../../apiserver/resources/client.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import { statusOf, writeStatus, type Clock, type Lister, type ReconcileContext, type Reconciler } from '../../runtime/index.ts';
import type { Stored } from '../../stored.ts';
import { badStateOf, containerStateEvent } from '../pipeline/container-state.ts';
import { channelReceives, takeIn, type IntakeResult } from '../pipeline/intake.ts';
import type { Outbox } from '../pipeline/outbox.ts';
import { containerSubject, serviceSubject, type NotifySubject } from '../pipeline/notify-subject.ts';
import { decideUpdateAvailableFor } from '../pipeline/update-available.ts';
import { decideVersionAvailableFor } from '../pipeline/version-available.ts';
import { eventFromRecord, serviceStartedEvent, startedEvent, type DerivedEvent } from '../pipeline/update-events.ts';
import { objectKeyOf, parseEventSourceKey } from './event-keys.ts';

/** Set on an UpdateRecord once its event is in the outbox of every channel that receives it (value: when). */
export const NOTIFIED_ANNOTATION = 'vigil.dev/notified';

/** Default: records that finished longer ago than this are not sent (history from before upgrading). */
export const DEFAULT_RECORD_HORIZON_MS = 6 * 3_600_000;

export interface EventReconcilerOptions {
  client: ResourceClient;
  records: Lister<Stored<UpdateRecord>>;
  containers: Lister<Stored<Container>>;
  services: Lister<Stored<SwarmService>>;
  channels: Lister<Stored<NotificationChannel>>;
  outbox: Outbox;
  clock: Clock;
  maxPending: number;
  recordHorizonMs: number;
  /** What the intake did: new deliveries to drain, drops to count (the controller's wiring). */
  onIntake: (event: DerivedEvent, result: IntakeResult) => void;
}

const FIELD_MANAGER = 'vigil-notifications';

export class EventReconciler implements Reconciler {
  readonly #options: EventReconcilerOptions;

  constructor(options: EventReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(_context: ReconcileContext, key: string): Promise<void> {
    const source = parseEventSourceKey(key);
    if (source.kind === 'UpdateRecord') {
      const record = this.#options.records.get(objectKeyOf(source));
      if (record !== undefined) await this.#record(record);
      return;
    }
    if (source.kind === 'SwarmService') {
      const service = this.#options.services.get(objectKeyOf(source));
      if (service !== undefined) await this.#service(service);
      return;
    }
    const container = this.#options.containers.get(objectKeyOf(source));
    if (container !== undefined) await this.#container(container);
  }

  /**
   * Takes the event into the outbox of every channel that receives it. False when none does: then nothing is marked
   * either, so a Vigil without channels writes nothing, and a pending update or a bad state still notifies a channel
   * added later.
   */
  async #emit(event: DerivedEvent, channels: readonly NotificationChannel[] = this.#options.channels.list()): Promise<boolean> {
    const receivers = channels.filter((channel) => channelReceives(channel, event.payload.type));
    if (receivers.length === 0) return false;
    const result = await takeIn(event, receivers, this.#options.outbox, this.#options.maxPending);
    this.#options.onIntake(event, result);
    return true;
  }

  async #record(record: Stored<UpdateRecord>): Promise<void> {
    if (record.metadata.annotations?.[NOTIFIED_ANNOTATION] !== undefined) return;
    const event = eventFromRecord(record);
    if (event === undefined) return;
    const now = this.#options.clock.now();
    const finished = Date.parse(record.spec.finishedAt);
    // History is not news: records from before notifications ran (an upgrade) and from before a channel existed
    // are not sent; nobody wants 500 old messages.
    if (Number.isNaN(finished) || now - finished > this.#options.recordHorizonMs) return;
    const channels = this.#options.channels.list().filter((channel) => existedAt(channel, finished));
    if (await this.#emit(event, channels)) await this.#mark(record, new Date(now).toISOString());
  }

  async #mark(record: Stored<UpdateRecord>, at: string): Promise<void> {
    try {
      await this.#options.client.patch('UpdateRecord', record.metadata.namespace, record.metadata.name, 'merge', { metadata: { annotations: { [NOTIFIED_ANNOTATION]: at } } }, { fieldManager: FIELD_MANAGER });
    } catch (error) {
      // Removed by retention meanwhile: nothing left to mark.
      if (!isApiError(error, 'NotFound')) throw error;
    }
  }

  /**
   * update_started (once per operation: `startedAt` is its identity), update_available and version_available of a
   * container or service; resolves with its next dedupe state.
   */
  async #updates(subject: NotifySubject, started: DerivedEvent | undefined, startedAt: string | undefined, now: Date): Promise<NotifyState> {
    const previous = subject.notify ?? {};
    let next: NotifyState = { ...previous };
    if (started !== undefined && startedAt !== undefined && previous.updateStartedNotified !== startedAt) {
      if (await this.#emit(started)) next = { ...next, updateStartedNotified: startedAt };
    }

    const available = decideUpdateAvailableFor(subject, now);
    if (available.notify && (await this.#emit(available.event))) next = { ...next, ...available.state };

    const version = decideVersionAvailableFor(subject, now);
    if (version.notify && (await this.#emit(version.event))) next = { ...next, ...version.state };
    return next;
  }

  async #service(service: Stored<SwarmService>): Promise<void> {
    const name = service.metadata.name;
    if (name === undefined || service.metadata.deletionTimestamp !== undefined) return;
    const now = new Date(this.#options.clock.now());
    const previous = service.status?.notify ?? {};
    const next = await this.#updates(serviceSubject(service), serviceStartedEvent(service), service.status?.operation?.startedAt, now);
    if (JSON.stringify(next) === JSON.stringify(previous)) return;
    try {
      await writeStatus(this.#options.client, 'SwarmService', undefined, name, (current) => ({ ...statusOf(current), notify: next }), { fieldManager: FIELD_MANAGER });
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error;
    }
  }

  async #container(container: Stored<Container>): Promise<void> {
    const now = new Date(this.#options.clock.now());
    const previous = container.status?.notify ?? {};
    let next = await this.#updates(containerSubject(container), startedEvent(container), container.status?.operation?.startedAt, now);

    const bad = badStateOf(container);
    const marked = markedState(previous.stateNotified);
    if (bad === undefined) {
      // Healthy again: the next bad state is a new transition. A restart loop runs between its crashes, so it counts
      // as over only once the container was recreated (a new id), or a loop would notify at every crash.
      if (marked !== undefined && (marked.state !== 'restarting' || marked.id !== (container.status?.id ?? ''))) next = withoutStateMarker(next);
    } else if (marked === undefined || marked.state !== bad.state) {
      const state = containerStateEvent(undefined, container, now);
      if (state !== undefined && (await this.#emit(state))) next = { ...next, stateNotified: state.key };
    }
    if (JSON.stringify(next) !== JSON.stringify(previous)) await this.#writeNotifyState(container, next);
  }

  async #writeNotifyState(container: Stored<Container>, notify: NotifyState): Promise<void> {
    try {
      await writeStatus(this.#options.client, 'Container', container.metadata.namespace, container.metadata.name, (current) => {
        const status = statusOf(current);
        // Only what this pass changed: a concurrent reset (DELETE /api/notify-states) or inventory write is kept.
        return { ...status, notify };
      }, { fieldManager: FIELD_MANAGER });
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error;
    }
  }
}

/** Whether the channel existed at `at` (creationTimestamp has second precision: the same second counts). */
function existedAt(channel: NotificationChannel, at: number): boolean {
  const created = Date.parse(channel.metadata.creationTimestamp ?? '');
  return Number.isNaN(created) || created <= at + 1_000;
}

/** The bad state and container id of a container_state key (`state/NS/NAME/STATE/RESTARTS/ID`). */
function markedState(key: string | undefined): { state: string; id: string } | undefined {
  if (key === undefined) return undefined;
  const parts = key.split('/');
  return { state: parts[3] ?? '', id: parts[5] ?? '' };
}

function withoutStateMarker(state: NotifyState): NotifyState {
  const { stateNotified: _cleared, ...rest } = state;
  return rest;
}
