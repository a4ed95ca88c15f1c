// Sentinel's serviceView (internal/web/api_services.go): the struct has no json tags, so the keys are Go field names.
// Built from a SwarmService resource alone (the facade reads resources, never Docker).
import type { SwarmService } from '../../../schemas/generated/types.ts';

export interface ServiceTaskView {
  NodeName: string;
  NodeAddr: string;
  State: string;
  Image: string;
  Tag: string;
  Slot: number;
  Error: string;
}

export interface ServiceView {
  ID: string;
  Name: string;
  Image: string;
  Tag: string;
  ResolvedVersion: string;
  NewestVersion: string;
  Policy: string;
  HasUpdate: boolean;
  Severity: string;
  Replicas: string;
  DesiredReplicas: number;
  RunningReplicas: number;
  PrevReplicas: number;
  Registry: string;
  UpdateStatus: string;
  Tasks: ServiceTaskView[];
}

function withoutDigest(image: string): string {
  const at = image.indexOf('@');
  return at < 0 ? image : image.slice(0, at);
}

/** The tag of a reference (after the last ":" past the last "/"), `latest` when none. */
function tagOf(image: string): string {
  const bare = withoutDigest(image);
  const colon = bare.lastIndexOf(':');
  return colon > bare.lastIndexOf('/') ? bare.slice(colon + 1) : 'latest';
}

/** The registry host of a reference, Docker Hub when its first component is no host. */
function registryOf(image: string): string {
  const bare = withoutDigest(image);
  const slash = bare.indexOf('/');
  const first = slash < 0 ? '' : bare.slice(0, slash);
  return slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

export function serviceView(service: SwarmService): ServiceView {
  const status = service.status ?? {};
  const image = status.image ?? '';
  const desired = status.desiredTasks ?? 0;
  const running = status.runningTasks ?? 0;
  const previous = status.previousReplicas ?? 0;
  return {
    ID: status.serviceID ?? '',
    Name: service.metadata.name ?? '',
    Image: image,
    Tag: tagOf(image),
    ResolvedVersion: tagOf(image),
    // Registry checks of services are not built yet (docs/swarm.md): no newer version is ever claimed.
    NewestVersion: '',
    Policy: status.labels?.['sentinel.policy'] ?? 'manual',
    HasUpdate: false,
    Severity: '',
    // Sentinel shows "0/N" for a service scaled to 0 with the remembered count.
    Replicas: `${running}/${desired === 0 && previous > 0 ? previous : desired}`,
    DesiredReplicas: desired,
    RunningReplicas: running,
    PrevReplicas: previous,
    Registry: registryOf(image),
    UpdateStatus: status.updateStatus?.state ?? '',
    Tasks: (status.tasks ?? []).filter((task) => task.desiredState === 'running').map((task) => ({
      NodeName: task.nodeName ?? '',
      NodeAddr: task.nodeAddr ?? '',
      State: task.state,
      Image: withoutDigest(task.image ?? ''),
      Tag: tagOf(task.image ?? ''),
      Slot: task.slot ?? 0,
      Error: task.error ?? '',
    })),
  };
}
