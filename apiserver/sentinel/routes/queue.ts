// The approval queue: Containers' status.pendingUpdate (views/queue-view.ts says which entries stand). Approving
// requests an update bound to the queued remote digest and version (spec.update reason Approved: the update controller
// refuses a pull of anything else); rejecting hides this update until something newer appears (spec.rejectedUpdate);
// ignoring adds the top version to spec.ignoredVersions, so that no check offers it again. The lists leave out what
// Settings.showStopped hides (views/container-view.ts isShown).
import type { FastifyInstance } from 'fastify';
import { describeRef, findContainer, parseQueueKey, type ContainerRef, type StoredContainer } from '../container-key.ts';
import { requestBy, type SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';
import { listShownContainers, readSettings } from '../reads.ts';
import { isSelf } from '../views/container-view.ts';
import { hostNames } from '../views/hosts.ts';
import { queueEntryView, standingUpdate, standingUpdates, type StandingUpdate } from '../views/queue-view.ts';
import { modifyContainer, requestTimes } from '../writes.ts';

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

  app.get('/api/queue', async () => {
    const [containers, settings, names] = await Promise.all([listShownContainers(resources), readSettings(resources), hostNames(resources)]);
    return standingUpdates(containers).map((entry) => queueEntryView(entry, settings, names));
  });

  app.get('/api/queue/count', async () => ({ count: standingUpdates(await listShownContainers(resources)).length }));

  app.post<KeyParams>('/api/approve/:key', async (request) => {
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
