// The container Config a recreated container gets: what the user set on the old container, and nothing the old image
// supplied. Docker merges an image's defaults into a container's Config at create time (env, labels, CMD, WORKDIR,
// HEALTHCHECK, …), so an inspected container cannot say which values were typed by a person. The one reliable test is
// to compare each field with the old image's Config: a value equal to the image's default came from the image and
// must follow the NEW image; anything else was set on purpose and is kept. (A value the user set to exactly the old
// default is indistinguishable from the default, and follows the new image too: Watchtower and compose do the same.)
import { isDeepStrictEqual } from 'node:util';
import type { ContainerConfig } from '../docker/types.ts';

export interface UserConfigInput {
  /** The old container's Config. */
  container: ContainerConfig;
  /** Its ID: Docker derives the default hostname from it. */
  containerID: string;
  /** The old image's Config: the defaults Docker merged in. */
  oldImage: ContainerConfig;
  /** The HostConfig.NetworkMode the new container gets (host and container: forbid a hostname and a MAC address). */
  networkMode: string;
  /** The image reference the new container is created from. */
  image: string;
}

function list(value: string[] | null | undefined): string[] {
  return Array.isArray(value) ? value : [];
}

function keys(value: Record<string, object> | null | undefined): string[] {
  return value !== null && typeof value === 'object' ? Object.keys(value) : [];
}

/** Env entries minus those the old image supplied with the same value. */
function userEnv(container: ContainerConfig, image: ContainerConfig): string[] {
  const fromImage = new Set(list(image.Env));
  return list(container.Env).filter((entry) => !fromImage.has(entry));
}

/** Labels by which docker compose owns a container (project, service, config-hash, config files …). */
const COMPOSE_LABEL_PREFIX = 'com.docker.compose.';

function userLabels(container: ContainerConfig, image: ContainerConfig): Record<string, string> {
  const imageLabels = image.Labels ?? {};
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(container.Labels ?? {})) {
    // Compose's labels are always the container's own, even if an image happened to carry the same one: a new image
    // dropping or changing it must not take the container away from its compose project.
    if (imageLabels[key] !== value || key.startsWith(COMPOSE_LABEL_PREFIX)) labels[key] = value;
  }
  return labels;
}

/** A set-valued field (ExposedPorts, Volumes) minus the keys the old image declared. */
function userSet(container: Record<string, object> | null | undefined, image: Record<string, object> | null | undefined): Record<string, object> {
  const fromImage = new Set(keys(image));
  const result: Record<string, object> = {};
  for (const key of keys(container)) if (!fromImage.has(key)) result[key] = {};
  return result;
}

function sameList(a: string[] | null | undefined, b: string[] | null | undefined): boolean {
  return isDeepStrictEqual(list(a), list(b));
}

function sameHealthcheck(a: ContainerConfig['Healthcheck'], b: ContainerConfig['Healthcheck']): boolean {
  return isDeepStrictEqual(a ?? null, b ?? null);
}

export function isSharedNetworkMode(networkMode: string): boolean {
  return networkMode === 'host' || networkMode.startsWith('container:');
}

/** The Config of the new container (Config.Image = input.image). */
export function userConfig(input: UserConfigInput): ContainerConfig {
  const { container, oldImage, networkMode } = input;
  const config: ContainerConfig = { Image: input.image };

  const env = userEnv(container, oldImage);
  if (env.length > 0) config.Env = env;

  const entrypointFollowsImage = sameList(container.Entrypoint, oldImage.Entrypoint);
  if (!entrypointFollowsImage) {
    // [] (not null): an explicit empty entrypoint; null would let Docker fill in the new image's ENTRYPOINT.
    config.Entrypoint = list(container.Entrypoint);
  }
  // With an entrypoint of its own, Docker never uses the image's CMD, so the container's CMD is passed as it is.
  if (!entrypointFollowsImage || !sameList(container.Cmd, oldImage.Cmd)) {
    if (list(container.Cmd).length > 0) config.Cmd = list(container.Cmd);
  }

  const labels = userLabels(container, oldImage);
  if (Object.keys(labels).length > 0) config.Labels = labels;

  if (!sameHealthcheck(container.Healthcheck, oldImage.Healthcheck) && container.Healthcheck) config.Healthcheck = container.Healthcheck;
  if ((container.WorkingDir ?? '') !== (oldImage.WorkingDir ?? '') && container.WorkingDir) config.WorkingDir = container.WorkingDir;
  if ((container.User ?? '') !== (oldImage.User ?? '') && container.User) config.User = container.User;
  if ((container.StopSignal ?? '') !== (oldImage.StopSignal ?? '') && container.StopSignal) config.StopSignal = container.StopSignal;
  if (typeof container.StopTimeout === 'number') config.StopTimeout = container.StopTimeout;

  const volumes = userSet(container.Volumes, oldImage.Volumes);
  if (Object.keys(volumes).length > 0) config.Volumes = volumes;
  // In another container's network namespace Docker refuses exposed ports of the container's own.
  const exposed = networkMode.startsWith('container:') ? {} : userSet(container.ExposedPorts, oldImage.ExposedPorts);
  if (Object.keys(exposed).length > 0) config.ExposedPorts = exposed;

  // Docker names a container's host after the first 12 hex digits of its ID unless told otherwise; host and
  // container: modes take the hostname of the namespace they join and refuse one of their own.
  const hostname = container.Hostname ?? '';
  if (hostname !== '' && hostname !== input.containerID.slice(0, 12) && !isSharedNetworkMode(networkMode)) config.Hostname = hostname;
  if (container.Domainname) config.Domainname = container.Domainname;
  if (container.MacAddress && !isSharedNetworkMode(networkMode)) config.MacAddress = container.MacAddress;

  for (const flag of ['Tty', 'OpenStdin', 'StdinOnce', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'NetworkDisabled'] as const) {
    if (container[flag] === true) config[flag] = true;
  }
  return config;
}
