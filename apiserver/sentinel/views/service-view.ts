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

/** Whether the last registry check still stands: it was of the digest the service's spec is pinned to now. */
export function checkStands(service: SwarmService): boolean {
  const status = service.status;
  return status?.registryCheck?.lastChecked !== undefined && status.registryCheck.localDigest === status.digest;
}

/** The numeric parts of a version tag (`v1.2.3-alpine` → [1, 2, 3]); undefined for a tag that is no version. */
function versionParts(tag: string): number[] | undefined {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?/.exec(tag);
  return match === null ? undefined : match.slice(1).filter((part) => part !== undefined).map(Number);
}

/** Sentinel's Severity: the first version part that moved (major, minor, patch, build), or "". */
export function severityOf(current: string, newest: string): string {
  const from = versionParts(current);
  const to = versionParts(newest);
  if (from === undefined || to === undefined) return '';
  const names = ['major', 'minor', 'patch', 'build'];
  for (let index = 0; index < names.length; index += 1) {
    if ((from[index] ?? 0) !== (to[index] ?? 0)) return names[index] ?? '';
  }
  return '';
}

export function serviceView(service: SwarmService): ServiceView {
  const status = service.status ?? {};
  const image = status.image ?? '';
  const desired = status.desiredTasks ?? 0;
  const running = status.runningTasks ?? 0;
  const previous = status.previousReplicas ?? 0;
  // A check of a digest the service no longer runs (updated since) claims nothing.
  const check = checkStands(service) ? status.registryCheck : undefined;
  const hasUpdate = check?.updateAvailable === true;
  const newest = hasUpdate ? (check?.target?.version ?? check?.newerVersions?.[0] ?? check?.target?.tag ?? '') : '';
  return {
    ID: status.serviceID ?? '',
    Name: service.metadata.name ?? '',
    Image: image,
    Tag: tagOf(image),
    ResolvedVersion: check?.resolvedCurrentVersion ?? tagOf(image),
    NewestVersion: newest,
    Policy: status.effective?.policy?.value ?? service.spec?.policy ?? status.labels?.['sentinel.policy'] ?? 'manual',
    HasUpdate: hasUpdate,
    Severity: hasUpdate ? severityOf(check?.resolvedCurrentVersion ?? tagOf(image), newest) : '',
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
