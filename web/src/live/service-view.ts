// What the pages show of a SwarmService, derived from its status in one place so that the list and the detail page
// agree (and agree with REST GET /api/services, apiserver/sentinel/views/service-view.ts: a check stands only while
// it was of the digest the service runs now).
import type { SwarmService } from '../../../schemas/generated/types.ts';
import { severityOf, type Severity } from '../components/severity.ts';

export interface ServiceRow {
  name: string;
  cluster: string;
  image: string;
  tag: string;
  mode: string;
  replicated: boolean;
  running: number;
  desired: number;
  /** The replica count in the spec (replicated), and the one a scale to 0 remembered. */
  replicas: number | undefined;
  previousReplicas: number | undefined;
  updateState: string;
  updateMessage: string | undefined;
  update: { target: string; severity: Severity } | undefined;
  policy: string;
  policySource: string;
  versionScope: string;
  versionScopeSource: string;
  rollingOut: boolean;
}

/** The cluster ID shortened as docker shows IDs (12 characters); the full one is in the title. */
export const shortId = (id: string): string => id.slice(0, 12);

function tagOf(image: string): string {
  const bare = image.split('@')[0] ?? '';
  const slash = bare.lastIndexOf('/');
  const colon = bare.lastIndexOf(':');
  return colon > slash ? bare.slice(colon + 1) : 'latest';
}

function targetOf(service: SwarmService, current: string): string | undefined {
  const status = service.status ?? {};
  const check = status.registryCheck;
  const stands = check?.lastChecked !== undefined && check.localDigest === status.digest;
  if (stands && check.updateAvailable === true) return check.target?.version ?? check.newerVersions?.[0] ?? check.target?.tag ?? current;
  const pending = status.pendingUpdate;
  if (pending !== undefined) return pending.resolvedTargetVersion ?? pending.newerVersions?.[0] ?? current;
  return undefined;
}

export function serviceRowOf(service: SwarmService): ServiceRow {
  const status = service.status ?? {};
  const image = status.image ?? '';
  const tag = tagOf(image);
  const current = status.registryCheck?.resolvedCurrentVersion ?? tag;
  const target = targetOf(service, current);
  const mode = status.mode ?? 'unknown';
  return {
    name: service.metadata.name ?? '',
    cluster: status.clusterID ?? '',
    image: image.split('@')[0] ?? image,
    tag,
    mode,
    replicated: mode === 'replicated',
    running: status.runningTasks ?? 0,
    desired: status.desiredTasks ?? 0,
    replicas: status.replicas,
    previousReplicas: status.previousReplicas,
    updateState: status.updateStatus?.state ?? 'none',
    updateMessage: status.updateStatus?.message,
    update: target === undefined ? undefined : { target, severity: severityOf(current, target) },
    policy: status.effective?.policy?.value ?? service.spec?.policy ?? 'manual',
    policySource: status.effective?.policy?.source ?? (service.spec?.policy === undefined ? 'default' : 'spec'),
    versionScope: status.effective?.versionScope?.value ?? service.spec?.versionScope ?? 'default',
    versionScopeSource: status.effective?.versionScope?.source ?? (service.spec?.versionScope === undefined ? 'default' : 'spec'),
    rollingOut: status.operation !== undefined,
  };
}
