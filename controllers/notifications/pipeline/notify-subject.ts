// What the update_available, version_available and update_started rules read, for the two kinds of resource that
// have them: a Container and a Swarm service. Both carry the same registry check, effective settings and dedupe state
// (status.notify) in their statuses, so one set of rules serves both and a service is deduped exactly like a
// container. The `id` is the part of the event keys that names the resource: `NS/NAME` for a container (as before
// services notified, so outbox keys of pending deliveries stay the same), `service:NAME` for a service (a namespace,
// a Host name, never has a colon, so the two cannot collide).
import type { Container, NotifyMode, NotifyState, RegistryCheck, SwarmService } from '../../../schemas/generated/types.ts';

export interface NotifySubject {
  kind: 'container' | 'service';
  /** The resource's part of the event keys. */
  id: string;
  /** Shown in messages: the container's Docker name, the service's name. */
  name: string;
  /** The Host it runs on (a service: the manager Host it is read through). */
  host: string;
  /** Swarm services: the swarm's cluster ID. */
  cluster?: string;
  /** The image reference it runs (a service: its spec's, without the digest pin). */
  image: string;
  /** The registry check that stands for what runs now, if any. */
  check: RegistryCheck | undefined;
  mode: NotifyMode;
  snooze: string | undefined;
  notify: NotifyState | undefined;
}

export function containerSubject(container: Container): NotifySubject {
  const namespace = container.metadata.namespace ?? '';
  const name = container.metadata.name ?? '';
  return {
    kind: 'container',
    id: `${namespace}/${name}`,
    name: container.status?.name ?? name,
    host: namespace,
    image: container.status?.image ?? '',
    check: container.status?.registryCheck,
    mode: container.status?.effective?.notifyMode?.value ?? 'default',
    snooze: container.status?.effective?.notifySnooze?.value,
    notify: container.status?.notify,
  };
}

export function serviceSubject(service: SwarmService): NotifySubject {
  const name = service.metadata.name ?? '';
  const status = service.status;
  // A check made for another digest than the one the spec is pinned to now (the service was updated since, by Vigil
  // or the CLI) says nothing about it: as the REST views (checkStands), no update is offered from it.
  const stands = status?.registryCheck?.lastChecked !== undefined && status.registryCheck.localDigest === status.digest;
  return {
    kind: 'service',
    id: `service:${name}`,
    name,
    host: status?.host ?? '',
    ...(status?.clusterID === undefined ? {} : { cluster: status.clusterID }),
    image: status?.image ?? '',
    check: stands ? status.registryCheck : undefined,
    mode: status?.effective?.notifyMode?.value ?? 'default',
    snooze: status?.effective?.notifySnooze?.value,
    notify: status?.notify,
  };
}

/** The payload fields that say what the subject is (a container's payload stays as it was). */
export function subjectFields(subject: NotifySubject): { kind?: 'service'; cluster?: string } {
  if (subject.kind === 'container') return {};
  return { kind: 'service', ...(subject.cluster === undefined ? {} : { cluster: subject.cluster }) };
}
