// Actions on one container, each a request in its spec (docs/resources.md "Requests"), carried out by a controller:
// restart/stop/start → spec.lifecycle (inventory), update and update-to-version → spec.update (update controller),
// rollback → spec.rollback, check → spec.check and a wait for the registry-check controller's answer, scan → Settings
// spec.scan. Answers come at once (Sentinel runs them asynchronously too), except the check, which is synchronous.
// Vigil's own container (label sentinel.self or vigil.self) refuses all but the check: 403, as Sentinel.
import type { FastifyInstance } from 'fastify';
import { parseImageReference, withTag } from '../../../domain/registry/reference.ts';
import { isApiError } from '../../resources/errors.ts';
import { containerRefOf, describeRef, dockerNameOf, findContainer, type ContainerRef, type StoredContainer } from '../container-key.ts';
import { requestBy, type SentinelContext } from '../context.ts';
import { RestError, restErrors } from '../errors.ts';
import { listSnapshots } from '../reads.ts';
import { compareSnapshotsNewestFirst } from '../views/history-view.ts';
import { isSelf } from '../views/container-view.ts';
import { ensureSettings, modifyContainer, requestTimes } from '../writes.ts';
import type { BodySchema } from '../validation.ts';

type NameParams = { Params: { name: string } };

/** Docker's tag grammar (distribution/reference): what update-to-version accepts. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const tagBody: BodySchema = {
  $id: 'sentinel-update-to-version-body',
  type: 'object',
  required: ['tag'],
  properties: { tag: { type: 'string' } },
};

const LIFECYCLE = {
  restart: { status: 'restarting' },
  stop: { status: 'stopping' },
  start: { status: 'starting' },
} as const;

type LifecycleAction = keyof typeof LIFECYCLE;

/** The Container, refusing Vigil's own (403). */
async function actionTarget(context: SentinelContext, ref: ContainerRef, action: string, allowGone = false): Promise<StoredContainer> {
  const container = await findContainer(context.resources, ref, { allowGone });
  if (isSelf(container)) throw restErrors.selfProtected(ref.dockerName, action);
  return container;
}

/** How long POST /api/check waits for the registry-check controller (Sentinel's check is synchronous). */
const CHECK_TIMEOUT_MS = 60_000;

export async function actionRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const { resources } = context;

  for (const action of Object.keys(LIFECYCLE) as LifecycleAction[]) {
    app.post<NameParams>(`/api/containers/:name/${action}`, async (request) => {
      const ref = containerRefOf(request, request.params.name);
      await actionTarget(context, ref, action);
      const by = requestBy(request);
      await modifyContainer(resources, ref, by, (container, spec) => ({
        ...spec,
        lifecycle: { action, requestedAt: requestTimes(container, 'lifecycle', context.now()), requestedBy: by.requestedBy },
      }));
      return { status: LIFECYCLE[action].status, name: ref.dockerName, message: `${action} initiated for ${ref.dockerName}` };
    });
  }

  app.post<NameParams>('/api/update/:name', async (request) => {
    const ref = containerRefOf(request, request.params.name);
    await actionTarget(context, ref, 'an update through the dashboard (use POST /api/self-update)');
    const by = requestBy(request);
    await modifyContainer(resources, ref, by, (container, spec) => ({
      ...spec,
      update: { requestedAt: requestTimes(container, 'update', context.now()), requestedBy: by.requestedBy, reason: 'Manual' },
    }));
    return { status: 'started', name: ref.dockerName, message: `update started for ${ref.dockerName}` };
  });

  app.post<NameParams & { Body: { tag: string } }>('/api/containers/:name/update-to-version', { schema: { body: tagBody } }, async (request) => {
    const ref = containerRefOf(request, request.params.name);
    const tag = request.body.tag;
    if (!TAG.test(tag)) {
      throw restErrors.badRequest(`tag: ${JSON.stringify(tag)} is not a valid image tag (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`);
    }
    const container = await findContainer(resources, ref);
    if (isSelf(container)) throw restErrors.notImplemented(`updating ${ref.dockerName}, Vigil's own container, to a chosen version (self-update)`);
    const image = container.status?.image ?? '';
    let target: string;
    try {
      target = withTag(parseImageReference(image), tag);
    } catch (error) {
      throw restErrors.conflict(`the image of ${ref.dockerName} (${JSON.stringify(image)}) cannot take another tag: ${error instanceof Error ? error.message : String(error)}`);
    }
    const by = requestBy(request);
    await modifyContainer(resources, ref, by, (current, spec) => ({
      ...spec,
      update: { requestedAt: requestTimes(current, 'update', context.now()), requestedBy: by.requestedBy, reason: 'ChosenTag', tag },
    }));
    return { status: 'started', name: ref.dockerName, message: `Updating ${ref.dockerName} to ${target}` };
  });

  app.post<NameParams>('/api/containers/:name/rollback', async (request) => {
    const ref = containerRefOf(request, request.params.name);
    const container = await actionTarget(context, ref, 'a rollback', true);
    const snapshots = (await listSnapshots(resources, ref.namespace))
      .filter((snapshot) => (snapshot.metadata.ownerReferences ?? []).some((owner) => owner.uid === container.metadata.uid) || snapshot.spec.containerName === dockerNameOf(container))
      .sort(compareSnapshotsNewestFirst);
    const newest = snapshots[0]?.metadata.name;
    if (newest === undefined) throw restErrors.notFound(`no snapshot of ${describeRef(ref)} to roll back to (a snapshot is taken before every update)`);
    const by = requestBy(request);
    // The snapshot is named, so that the rollback goes back to what existed when it was asked for.
    await modifyContainer(resources, ref, by, (current, spec) => ({
      ...spec,
      rollback: { requestedAt: requestTimes(current, 'rollback', context.now()), requestedBy: by.requestedBy, snapshot: newest },
    }));
    return { status: 'started', name: ref.dockerName, message: `rollback started for ${ref.dockerName}` };
  });

  app.post<NameParams>('/api/check/:name', async (request) => {
    const ref = containerRefOf(request, request.params.name);
    await findContainer(resources, ref);
    if (context.checks === undefined) throw restErrors.unavailable('registry checks are not running');
    let answer;
    try {
      answer = await context.checks.checkNow(ref, { ...requestBy(request), signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    } catch (error) {
      if (error instanceof RestError || isApiError(error)) throw error;
      // A timeout (no controller answered: no leader, or a registry slower than the wait): the request stays pending.
      throw restErrors.unavailable(`the registry check of ${ref.dockerName} did not finish: ${error instanceof Error ? error.message : String(error)}; it stays requested`);
    }
    if (answer.outcome === 'check_failed' || answer.outcome === 'rate_limited') {
      throw restErrors.badGateway(`registry check failed: ${answer.error ?? answer.outcome}`);
    }
    if (answer.outcome === 'update_available') {
      return { status: 'update_available', name: ref.dockerName, message: `Update available for ${ref.dockerName}`, newer_versions: answer.newerVersions };
    }
    return { status: 'up_to_date', name: ref.dockerName, message: `${ref.dockerName} is up to date` };
  });

  app.post('/api/scan', async (request) => {
    if (context.checks === undefined) throw restErrors.unavailable('registry checks are not running');
    const by = requestBy(request);
    await ensureSettings(resources, by);
    await context.checks.scan(by);
    return { message: 'Scan started' };
  });

  app.post('/api/self-update', async () => {
    throw restErrors.notImplemented('self-update');
  });
}
