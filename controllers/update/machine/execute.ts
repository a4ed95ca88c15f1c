// Performs one action of the update machine through UpdateDocker and reports what it produced. A Docker failure
// becomes `{error}` for the machine to retry or fail over; only the caller's own abort propagates as an exception.
import type { ContainerConfig } from '../docker/types.ts';
import type { RegistryAuth, UpdateDocker } from '../docker/update-docker.ts';
import { buildRecreatePlan } from '../recreate/create-request.ts';
import type { Action, ActionResult } from './actions.ts';
import type { OperationJournal, SnapshotRecord } from './journal.ts';
import type { UpdateOperation } from './operation.ts';

export interface ExecuteContext {
  docker: UpdateDocker;
  journal: OperationJournal;
  /** The operation the action belongs to (names the snapshots). */
  operation: UpdateOperation;
  /** Credentials for pulling `reference`; undefined pulls anonymously. Never persisted. */
  credentialsFor?: (reference: string) => RegistryAuth | undefined | Promise<RegistryAuth | undefined>;
  now: () => number;
  signal: AbortSignal;
}

async function imageConfig(docker: UpdateDocker, imageID: string, signal: AbortSignal): Promise<ContainerConfig | undefined> {
  const image = await docker.inspectImage(imageID, signal);
  return image === undefined ? undefined : (image.Config ?? {});
}

async function snapshotOf(containerID: string, context: ExecuteContext): Promise<ActionResult & { snapshot: string }> {
  const { docker, journal, signal } = context;
  const inspect = await docker.inspectContainer(containerID, signal);
  if (inspect === undefined) throw new Error(`container ${containerID} no longer exists`);
  const name = inspect.Name.replace(/^\//, '');
  // The image's digests say how to pull it again once image cleanup removed it (a later rollback request).
  const repoDigests = (await docker.inspectImage(inspect.Image, signal))?.RepoDigests ?? [];
  const reason: SnapshotRecord['reason'] = context.operation.type === 'rollback' ? 'pre-rollback' : 'pre-update';
  const record: SnapshotRecord = { containerName: name, containerID: inspect.Id, imageID: inspect.Image, takenAt: new Date(context.now()).toISOString(), reason, operation: context.operation.startedAt, inspect };
  if (inspect.Config.Image !== undefined) record.image = inspect.Config.Image;
  if (repoDigests.length > 0) record.repoDigests = [...repoDigests];
  const snapshot = await journal.saveSnapshot(record);
  const result: ActionResult & { snapshot: string } = { snapshot, imageID: inspect.Image, running: inspect.State.Running || inspect.State.Restarting };
  if (inspect.Config.Image !== undefined) result.image = inspect.Config.Image;
  return result;
}

async function create(action: Extract<Action, { kind: 'create' }>, context: ExecuteContext): Promise<ActionResult> {
  const { docker, signal } = context;
  const snapshot = await context.journal.loadSnapshot(action.snapshot);
  if (snapshot === undefined) throw new Error(`snapshot ${action.snapshot} is missing`);
  const container = snapshot.inspect;
  const imageID = action.imageID ?? container.Image;
  let image = action.image ?? container.Config.Image ?? imageID;
  for (const reference of action.preferReferences ?? []) {
    if ((await docker.inspectImage(reference, signal))?.Id !== imageID) continue;
    image = reference;
    break;
  }
  // Without the old image's defaults every value counts as the user's: the container comes back the same, only
  // with the defaults written out.
  const oldImage = (await imageConfig(docker, container.Image, signal)) ?? {};
  const newImage = imageID === container.Image ? oldImage : await imageConfig(docker, imageID, signal);
  if (newImage === undefined) throw new Error(`image ${imageID} is not on the engine`);
  const input: Parameters<typeof buildRecreatePlan>[0] = { container, oldImage, newImage, image, removeVolumes: action.removeVolumes, name: action.name };
  if (action.labels !== undefined) input.labels = action.labels;
  if (action.networkMode !== undefined) input.networkMode = action.networkMode;
  const plan = buildRecreatePlan(input);
  const { renameLinks } = action;
  if (renameLinks !== undefined && Array.isArray(plan.request.hostConfig.Links)) {
    // The dependent was snapshotted after the container it links to was renamed aside: link the new one instead.
    plan.request.hostConfig.Links = plan.request.hostConfig.Links.map((link: unknown) => {
      const text = String(link);
      return text.startsWith(`${renameLinks.from}:`) ? `${renameLinks.to}:${text.slice(renameLinks.from.length + 1)}` : text;
    });
  }
  return { containerID: await docker.createContainer(plan.request, signal) };
}

async function ensureImage(action: Extract<Action, { kind: 'ensureImage' }>, context: ExecuteContext): Promise<ActionResult> {
  const { docker, signal } = context;
  let image = await docker.inspectImage(action.imageID, signal);
  if (image === undefined && action.pullReference !== undefined) {
    await docker.pullImage(action.pullReference, await context.credentialsFor?.(action.pullReference), signal);
    image = await docker.inspectImage(action.imageID, signal);
    if (image === undefined) throw new Error(`pulled ${action.pullReference}, but image ${action.imageID} is still not on the engine`);
  }
  if (image === undefined) throw new Error(`image ${action.imageID} is no longer on the engine and no registry digest of it is known`);
  if (action.tag !== undefined) await docker.tagImage(image.Id, action.tag.repository, action.tag.tag, signal);
  return { imageID: image.Id, repoDigests: image.RepoDigests ?? [] };
}

async function perform(action: Action, context: ExecuteContext): Promise<ActionResult> {
  const { docker, signal } = context;
  switch (action.kind) {
    case 'done':
    case 'wait':
      return {};
    case 'exec': {
      const result = await docker.exec(action.containerID, action.command, action.timeoutMs, signal);
      return result.exitCode === undefined ? { timedOut: true, output: result.output } : { exitCode: result.exitCode, timedOut: false, output: result.output };
    }
    case 'snapshot': {
      const result = await snapshotOf(action.containerID, context);
      const dependents = await docker.listDependents(action.containerID, signal);
      const running = (state: string): boolean => state === 'running' || state === 'restarting';
      return { ...result, dependents: dependents.map((dependent) => ({ id: dependent.id, name: dependent.name, running: running(dependent.state), kind: dependent.kind })) };
    }
    case 'snapshotDependent':
      return { snapshot: (await snapshotOf(action.dependent, context)).snapshot };
    case 'ensureImage':
      return await ensureImage(action, context);
    case 'tag':
      await docker.tagImage(action.imageID, action.repository, action.tag, signal);
      return {};
    case 'pull': {
      await docker.pullImage(action.reference, await context.credentialsFor?.(action.reference), signal);
      const image = await docker.inspectImage(action.reference, signal);
      if (image === undefined) throw new Error(`${action.reference} is not on the engine after the pull`);
      return { imageID: image.Id, repoDigests: image.RepoDigests ?? [] };
    }
    case 'stop':
      await docker.stopContainer(action.containerID, signal);
      return {};
    case 'rename':
      await docker.renameContainer(action.containerID, action.name, signal);
      return {};
    case 'create':
      return await create(action, context);
    case 'connect':
      await docker.connectNetwork(action.network, action.containerID, action.endpoint, signal);
      return {};
    case 'disconnect':
      await docker.disconnectNetwork(action.network, action.containerID, signal);
      return {};
    case 'start':
      await docker.startContainer(action.containerID, signal);
      return {};
    case 'restart':
      await docker.stopContainer(action.containerID, signal);
      await docker.startContainer(action.containerID, signal);
      return {};
    case 'remove':
      await docker.removeContainer(action.containerID, { removeVolumes: action.removeVolumes, force: true }, signal);
      return {};
    case 'removeImage':
      return { removal: await docker.removeImageIfUnused(action.imageID, signal) };
  }
}

export async function execute(action: Action, context: ExecuteContext): Promise<ActionResult> {
  try {
    return await perform(action, context);
  } catch (error) {
    if (context.signal.aborted) throw error;
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
