// Approve, reject and ignore of a Swarm service's queue entry (key `service:NAME`, views/service-queue-view.ts), as
// for a container: approving requests an update to the queued target bound to the queued digest (spec.update image
// `repo:tag@sha256:…`, which the swarm-service controller writes as it is), rejecting hides this digest until something newer appears
// (spec.rejectedUpdate), ignoring adds the top version to spec.ignoredVersions.
import type { SwarmService, SwarmServiceSpec } from '../../schemas/generated/types.ts';
import type { ResourceClient, ResourceObject } from '../resources/client.ts';
import { isApiError } from '../resources/errors.ts';
import type { RequestBy } from './context.ts';
import { restErrors } from './errors.ts';
import { standingServiceUpdate, type StandingServiceUpdate } from './views/service-queue-view.ts';
import { nextRequestedAt } from './writes.ts';

export type ServiceQueueAction = 'approve' | 'reject' | 'ignore';

function standing(service: SwarmService, name: string): StandingServiceUpdate {
  const entry = standingServiceUpdate(service);
  if (entry === undefined) throw restErrors.notFound(`no pending update for service "${name}"`);
  return entry;
}

function remoteDigest(entry: StandingServiceUpdate, name: string): string {
  const digest = entry.pending.remoteDigest;
  if (digest === undefined || digest === '') throw restErrors.conflict(`the pending update of service "${name}" names no remote digest: check it again`);
  return digest;
}

/** What each action writes into the spec, from the entry standing on the newest state of the service. */
function change(action: ServiceQueueAction, name: string, service: SwarmService, spec: SwarmServiceSpec, by: RequestBy, now: Date): { spec: SwarmServiceSpec; version?: string } {
  const entry = standing(service, name);
  switch (action) {
    case 'approve':
      return {
        spec: {
          ...spec,
          // Bound to the queued digest: the service gets what was approved, even if the tag moved since.
          update: { requestedAt: nextRequestedAt(now, service.status?.handledRequests?.update, spec.update?.requestedAt), requestedBy: by.requestedBy, image: `${entry.pending.targetImage ?? entry.pending.currentImage}@${remoteDigest(entry, name)}` },
        },
      };
    case 'reject':
      return {
        spec: {
          ...spec,
          rejectedUpdate: { ...(entry.targetVersion === undefined ? {} : { version: entry.targetVersion }), digest: remoteDigest(entry, name), rejectedAt: now.toISOString(), rejectedBy: by.requestedBy },
        },
      };
    case 'ignore': {
      const version = entry.newerVersions[0];
      if (version === undefined) throw restErrors.badRequest(`the pending update of service "${name}" has no version to ignore (only the digest of its tag moved)`);
      return { spec: { ...spec, ignoredVersions: [...new Set([...(spec.ignoredVersions ?? []), version])] }, version };
    }
  }
}

/** Carries out `action` on the queue entry of service `name`; returns the ignored version for ignore. */
export async function actOnServiceEntry(resources: ResourceClient, action: ServiceQueueAction, name: string, by: RequestBy, now: Date): Promise<{ version?: string }> {
  let version: string | undefined;
  try {
    // Refused before the write (an error thrown inside a modify is not the route's own answer).
    standing((await resources.get('SwarmService', undefined, name)) as unknown as SwarmService, name);
    await resources.modify('SwarmService', undefined, name, (current) => {
      const service = current as unknown as SwarmService;
      const result = change(action, name, service, { ...service.spec }, by, now);
      version = result.version;
      return { ...current, spec: result.spec } as ResourceObject;
    }, { fieldManager: by.fieldManager });
  } catch (error) {
    if (isApiError(error, 'NotFound')) throw restErrors.notFound(`service "${name}" not found`);
    throw error;
  }
  return version === undefined ? {} : { version };
}
