// The create request for the container that replaces an old one, keeping everything the user set on it: a pure
// function of the old container's inspect and the old and new images' Config. Config follows config.ts (user values
// kept, image defaults follow the new image); HostConfig is copied field by field as the engine reported it, so that
// every setting (binds, mounts, ports, restart policy, resources, devices, capabilities, security options, log config,
// DNS, extra hosts, tmpfs, ulimits, sysctls, init, privileged, …, and fields newer engines add) survives without this
// code having to know it; networks follow networking.ts; anonymous volumes are mounted again (volumes.ts).
import type { ContainerConfig, ContainerInspect, CreateContainerRequest } from '../docker/types.ts';
import { containerName } from '../docker/types.ts';
import { userConfig } from './config.ts';
import { applyLabelChanges, type LabelChanges } from './labels.ts';
import { normalizeLinks, planNetworks, type NetworkAttachment } from './networking.ts';
import { carriedOverVolumes } from './volumes.ts';

export interface RecreateInput {
  /** `docker inspect` of the old container. */
  container: ContainerInspect;
  /** Config of the image the old container was created from (its defaults). */
  oldImage: ContainerConfig;
  /** Config of the image the new container runs. */
  newImage: ContainerConfig;
  /** Config.Image of the new container: the reference the user sees (a tag), or an image ID for a rollback. */
  image: string;
  /** Do not mount the old anonymous volumes again (they are removed with the old container). Default false. */
  removeVolumes?: boolean;
  /** Name of the new container; default the old container's name. */
  name?: string;
  /** Replaces HostConfig.NetworkMode, e.g. `container:NEWID` when the namespace's owner was recreated. */
  networkMode?: string;
  /** Labels set and removed on top of the ones kept (labels.ts). */
  labels?: LabelChanges;
}

export interface RecreatePlan {
  request: CreateContainerRequest;
  /** Networks to connect after create, in order. */
  connect: NetworkAttachment[];
  /** Networks to disconnect after create. */
  disconnect: string[];
}

export function buildRecreatePlan(input: RecreateInput): RecreatePlan {
  const { container } = input;
  const original = container.HostConfig;
  const networkMode = input.networkMode ?? (typeof original.NetworkMode === 'string' ? original.NetworkMode : 'default');
  const config = userConfig({ container: container.Config, containerID: container.Id, oldImage: input.oldImage, networkMode, image: input.image });
  if (input.labels !== undefined) {
    const labels = applyLabelChanges(config.Labels, input.labels);
    if (Object.keys(labels).length > 0) config.Labels = labels;
    else delete config.Labels;
  }

  const hostConfig: Record<string, unknown> = structuredClone(original);
  hostConfig.NetworkMode = networkMode;
  if (original.Links !== undefined) hostConfig.Links = normalizeLinks(original.Links);

  if (input.removeVolumes !== true) {
    const newVolumePaths = new Set([...Object.keys(input.newImage.Volumes ?? {}), ...Object.keys(config.Volumes ?? {})]);
    const carried = carriedOverVolumes(container, newVolumePaths);
    if (carried.length > 0) hostConfig.Mounts = [...(Array.isArray(original.Mounts) ? original.Mounts : []), ...carried];
  }

  const networks = planNetworks(container, networkMode);
  const endpoints = networks.atCreate === undefined ? {} : { [networks.atCreate.network]: networks.atCreate.endpoint };
  return {
    request: { name: input.name ?? containerName(container), config, hostConfig, networkingConfig: { EndpointsConfig: endpoints } },
    connect: networks.connect,
    disconnect: networks.disconnect,
  };
}
