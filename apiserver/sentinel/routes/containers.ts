// Containers: the list, one container's detail (with its history and snapshots), versions, tags, logs, the dashboard
// row, the stat cards and the last scan. Everything but logs and tags is read from resources.
import type { FastifyInstance } from 'fastify';
import type { Snapshot } from '../../../schemas/generated/types.ts';
import { MAX_LOG_TAIL_LINES } from '../../../domain/docker/client.ts';
import { containerRefOf, dockerNameOf, findContainer, type StoredContainer } from '../container-key.ts';
import type { SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';
import { countParam } from '../query.ts';
import { belongsTo, listShownContainers, listSnapshots, listUpdateRecords, readSettings } from '../reads.ts';
import { compareContainers, containerSummary } from '../views/container-view.ts';
import { compareRecordsNewestFirst, compareSnapshotsNewestFirst, historyEntry, snapshotView } from '../views/history-view.ts';
import { hostNames } from '../views/hosts.ts';
import { isQueued } from '../views/queue-view.ts';
import { containerRow } from '../views/row.ts';

type NameParams = { Params: { name: string } };

/** How many history rows the detail shows (as Sentinel). */
const DETAIL_HISTORY = 50;
const DEFAULT_LOG_LINES = 50;
/** A tag list request gives up after this long (the registry client has its own timeouts too). */
const TAGS_TIMEOUT_MS = 30_000;

function isSnapshotOf(container: StoredContainer, snapshot: Snapshot, dockerName: string): boolean {
  const owners = snapshot.metadata.ownerReferences ?? [];
  if (owners.length > 0 && container.metadata.uid !== undefined) return owners.some((owner) => owner.uid === container.metadata.uid);
  return snapshot.spec.containerName === dockerName;
}

export async function stats(context: SentinelContext): Promise<{ total: number; running: number; pending: number }> {
  const containers = await listShownContainers(context.resources);
  return {
    total: containers.length,
    running: containers.filter((container) => container.status?.state === 'running').length,
    pending: containers.filter(isQueued).length,
  };
}

export async function containerRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const { resources } = context;

  app.get('/api/containers', async () => {
    const [containers, names] = await Promise.all([listShownContainers(resources), hostNames(resources)]);
    return containers.sort(compareContainers).map((container) => containerSummary(container, names));
  });

  app.get<NameParams>('/api/containers/:name', async (request) => {
    const ref = containerRefOf(request, request.params.name);
    const container = await findContainer(resources, ref);
    const [records, snapshots, names] = await Promise.all([listUpdateRecords(resources, ref.namespace), listSnapshots(resources, ref.namespace), hostNames(resources)]);
    const dockerName = dockerNameOf(container);
    const { stack: _stack, ...summary } = containerSummary(container, names);
    return {
      ...summary,
      history: records
        .filter((record) => belongsTo(container, record.spec, dockerName))
        .sort(compareRecordsNewestFirst)
        .slice(0, DETAIL_HISTORY)
        .map((record) => historyEntry(record, names)),
      snapshots: snapshots
        .filter((snapshot) => isSnapshotOf(container, snapshot, dockerName))
        .sort(compareSnapshotsNewestFirst)
        .map(snapshotView),
    };
  });

  app.get<NameParams>('/api/containers/:name/versions', async (request) => {
    const container = await findContainer(resources, containerRefOf(request, request.params.name));
    return container.status?.registryCheck?.newerVersions ?? [];
  });

  app.get<NameParams>('/api/containers/:name/tags', async (request) => {
    const container = await findContainer(resources, containerRefOf(request, request.params.name));
    const image = container.status?.image;
    if (image === undefined || image === '') throw restErrors.notFound(`the image of ${dockerNameOf(container)} is not known yet`);
    if (context.tags === undefined) throw restErrors.unavailable('the registry client is not running: tags cannot be listed');
    const signal = AbortSignal.timeout(TAGS_TIMEOUT_MS);
    try {
      return [...(await context.tags.listTags(image, signal))];
    } catch (error) {
      throw restErrors.badGateway(`listing the tags of ${image} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  });

  app.get<NameParams & { Querystring: { lines?: string } }>('/api/containers/:name/logs', async (request) => {
    const ref = containerRefOf(request, request.params.name);
    const lines = countParam(request.query.lines, { name: 'lines', default: DEFAULT_LOG_LINES, max: MAX_LOG_TAIL_LINES });
    const container = await findContainer(resources, ref);
    if (context.docker === undefined) throw restErrors.unavailable('the Docker controllers are not running: logs cannot be read');
    const logs = await context.docker.logs(container.metadata.namespace ?? ref.namespace, container.metadata.name ?? ref.name, { tailLines: lines });
    return { logs, lines, remote: ref.namespace !== 'local' };
  });

  app.get<NameParams>('/api/containers/:name/row', async (request) => {
    const container = await findContainer(resources, containerRefOf(request, request.params.name));
    const [names, counts] = await Promise.all([hostNames(resources), stats(context)]);
    return { html: containerRow(containerSummary(container, names), isQueued(container)), stats: counts };
  });

  app.get('/api/stats', async () => await stats(context));

  app.get('/api/last-scan', async () => {
    const settings = await readSettings(resources);
    return { last_scan: settings?.status?.lastScan ?? null };
  });

  // GHCR alternatives: routes/ghcr.ts.
}
