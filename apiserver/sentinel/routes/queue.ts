// The approval queue: Containers' status.pendingUpdate (views/queue-view.ts says which entries stand). Approving
// requests an update bound to the queued remote digest and version (spec.update reason Approved: the update controller
// refuses a pull of anything else); rejecting hides this update until something newer appears (spec.rejectedUpdate);
// ignoring adds the top version to spec.ignoredVersions, so that no check offers it again. The lists leave out what
// Settings.showStopped hides (views/container-view.ts isShown). Swarm services are queued too (key `service:NAME`,
// views/service-queue-view.ts; their actions are in service-queue.ts).
import type { FastifyInstance } from 'fastify';
import { describeRef, findContainer, parseQueueKey, type ContainerRef, type StoredContainer } from '../container-key.ts';
import { requestBy, type SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';
import { listShownContainers, readSettings } from '../reads.ts';
import { isSelf } from '../views/container-view.ts';
import { hostNames } from '../views/hosts.ts';
import { queueEntryView, standingUpdate, standingUpdates, type StandingUpdate } from '../views/queue-view.ts';
import { modifyContainer, requestTimes } from '../writes.ts';
import type { SwarmService } from '../../../schemas/generated/types.ts';
import { actOnServiceEntry } from '../service-queue.ts';
import { serviceOfQueueKey, serviceQueueEntryView, standingServiceUpdates } from '../views/service-queue-view.ts';

type KeyParams = { Params: { key: string } };

/** The queue entry standing on the newest state of the container (inside a write: what is bound is what is there). */
function standing(container: StoredContainer, ref: ContainerRef): StandingUpdate {
  const entry = standingUpdate(container);
  if (entry === undefined) throw restErrors.notFound(`no pending update for ${describeRef(ref)}`);
  return entry;
}

function remoteDigest(entry: StandingUpdate, ref: ContainerRef): string {
  const digest = entry.pending.remoteDigest;
  if (digest === undefined || digest === '') throw restErrors.conflict(`the pending update of ${describeRef(ref)} names no remote digest: check it again`);
  return digest;
}

export async function queueRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const { resources } = context;

  const listServices = async (): Promise<SwarmService[]> => (await resources.list('SwarmService')).items as unknown as SwarmService[];

  app.get('/api/queue', async () => {
    const [containers, services, settings, names] = await Promise.all([listShownContainers(resources), listServices(), readSettings(resources), hostNames(resources)]);
    const rows = [
      ...standingUpdates(containers).map((entry) => queueEntryView(entry, settings, names)),
      ...standingServiceUpdates(services).map((entry) => serviceQueueEntryView(entry, settings, names)),
    ];
    // Sentinel's queue order: oldest detection first, then by key.
    return rows.sort((a, b) => (Date.parse(a.detected_at) || 0) - (Date.parse(b.detected_at) || 0) || (a.key < b.key ? -1 : 1));
  });

  app.get('/api/queue/count', async () => {
    const [containers, services] = await Promise.all([listShownContainers(resources), listServices()]);
    return { count: standingUpdates(containers).length + standingServiceUpdates(services).length };
  });

  app.post<KeyParams>('/api/approve/:key', async (request) => {
    const service = serviceOfQueueKey(request.params.key);
    if (service !== undefined) {
      await actOnServiceEntry(resources, 'approve', service, requestBy(request), context.now());
      return { status: 'approved', name: service, message: `update started for ${service}` };
    }
    const ref = parseQueueKey(request.params.key);
    const container = await findContainer(resources, ref);
    if (isSelf(container)) throw restErrors.selfProtected(ref.dockerName, 'approving its update (use POST /api/self-update)');
    standing(container, ref);
    const by = requestBy(request);
    await modifyContainer(resources, ref, by, (current, spec) => {
      const entry = standing(current, ref);
      return {
        ...spec,
        update: {
          requestedAt: requestTimes(current, 'update', context.now()),
          requestedBy: by.requestedBy,
          reason: 'Approved',
          digest: remoteDigest(entry, ref),
          ...(entry.targetVersion === undefined ? {} : { version: entry.targetVersion }),
        },
      };
    });
    return { status: 'approved', name: ref.dockerName, message: `update started for ${ref.dockerName}` };
  });

  app.post<KeyParams>('/api/reject/:key', async (request) => {
    const service = serviceOfQueueKey(request.params.key);
    if (service !== undefined) {
      await actOnServiceEntry(resources, 'reject', service, requestBy(request), context.now());
      return { status: 'rejected', name: service, message: `update rejected for ${service}` };
    }
    const ref = parseQueueKey(request.params.key);
    standing(await findContainer(resources, ref), ref);
    const by = requestBy(request);
    await modifyContainer(resources, ref, by, (current, spec) => {
      const entry = standing(current, ref);
      return {
        ...spec,
        rejectedUpdate: {
          ...(entry.targetVersion === undefined ? {} : { version: entry.targetVersion }),
          digest: remoteDigest(entry, ref),
          rejectedAt: context.now().toISOString(),
          rejectedBy: by.requestedBy,
        },
      };
    });
    return { status: 'rejected', name: ref.dockerName, message: `update rejected for ${ref.dockerName}` };
  });

  app.post<KeyParams>('/api/ignore/:key', async (request) => {
    const service = serviceOfQueueKey(request.params.key);
    if (service !== undefined) {
      const { version } = await actOnServiceEntry(resources, 'ignore', service, requestBy(request), context.now());
      return { status: 'ignored', name: service, version, message: `version ${version ?? ''} ignored for ${service}` };
    }
    const ref = parseQueueKey(request.params.key);
    const entry = standing(await findContainer(resources, ref), ref);
    const version = entry.newerVersions[0];
    if (version === undefined) throw restErrors.badRequest(`the pending update of ${describeRef(ref)} has no version to ignore (only the digest of its tag moved)`);
    const by = requestBy(request);
    await modifyContainer(resources, ref, by, (_current, spec) => ({
      ...spec,
      ignoredVersions: [...new Set([...(spec.ignoredVersions ?? []), version])],
    }));
    return { status: 'ignored', name: ref.dockerName, version, message: `version ${version} ignored for ${ref.dockerName}` };
  });
}
