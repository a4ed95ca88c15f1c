// The Docker Engine API shapes the update reads and writes, as the engine really sends them: every field may be
// absent and many are `null` rather than empty (Env, Cmd, Entrypoint, Links, Networks …). They come from outside, so
// `parseContainerInspect`/`parseImageInspect` check what the update relies on before anything trusts them.
import { isObject } from '../../../schemas/json.ts';
import type { DockerContainerConfig, DockerEndpointIPAMConfig, DockerEndpointSettings, DockerHealthcheck, DockerMountPoint } from '../../../domain/docker/api-types.ts';

// The leaf shapes are the Docker client's (controllers/docker/api-types.ts), under the names the update code uses.
export type HealthConfig = DockerHealthcheck;
/** `Config` of a container or of an image (an image's is the defaults a container inherits). */
export type ContainerConfig = DockerContainerConfig;
export type IpamConfig = DockerEndpointIPAMConfig;
/** One network of a container: what `NetworkSettings.Networks[name]` shows and what create/connect accept. */
export type EndpointSettings = DockerEndpointSettings;
export type MountPoint = DockerMountPoint;

export interface ContainerState {
  Status: string;
  Running: boolean;
  Restarting: boolean;
  Paused?: boolean;
  ExitCode?: number;
  Error?: string;
  StartedAt?: string;
  FinishedAt?: string;
  Health?: { Status?: string; FailingStreak?: number } | null;
}

/** `docker inspect CONTAINER`. HostConfig is kept as the engine sent it: the update copies every field of it. */
export interface ContainerInspect {
  Id: string;
  /** With Docker's leading '/'. */
  Name: string;
  /** The image ID (sha256:…) the container runs. */
  Image: string;
  Created?: string;
  State: ContainerState;
  RestartCount: number;
  Config: ContainerConfig;
  HostConfig: Record<string, unknown>;
  NetworkSettings: { Networks?: Record<string, EndpointSettings> | null };
  Mounts?: MountPoint[] | null;
}

/** `docker image inspect`. */
export interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Config?: ContainerConfig | null;
  Created?: string;
}

/** What `createContainer` sends: POST /containers/create?name=NAME with Config, HostConfig and NetworkingConfig. */
export interface CreateContainerRequest {
  name: string;
  config: ContainerConfig;
  hostConfig: Record<string, unknown>;
  /** Only one network may be given at create time on API < 1.44; the others are connected afterwards. */
  networkingConfig: { EndpointsConfig: Record<string, EndpointSettings> };
}

/** One row of GET /containers/json?all=1, reduced to what the update needs. */
export interface ContainerSummary {
  id: string;
  /** Without the leading '/'. */
  name: string;
  imageID: string;
  state: string;
  networkMode: string;
}

export function parseContainerInspect(value: unknown, what: string): ContainerInspect {
  if (!isObject(value)) throw new Error(`docker inspect ${what}: not an object`);
  const { Id, Name, Image, State, Config, HostConfig, NetworkSettings } = value;
  if (typeof Id !== 'string' || typeof Name !== 'string' || typeof Image !== 'string') {
    throw new Error(`docker inspect ${what}: Id, Name or Image missing`);
  }
  if (!isObject(State) || typeof State.Status !== 'string' || typeof State.Running !== 'boolean') {
    throw new Error(`docker inspect ${what}: State missing`);
  }
  if (!isObject(Config) || !isObject(HostConfig)) throw new Error(`docker inspect ${what}: Config or HostConfig missing`);
  const restartCount = typeof value.RestartCount === 'number' ? value.RestartCount : 0;
  return {
    ...(value as Omit<ContainerInspect, 'State' | 'RestartCount' | 'NetworkSettings'>),
    State: { ...(State as unknown as ContainerState), Restarting: State.Restarting === true },
    RestartCount: restartCount,
    NetworkSettings: isObject(NetworkSettings) ? (NetworkSettings as ContainerInspect['NetworkSettings']) : {},
  };
}

export function parseImageInspect(value: unknown, what: string): ImageInspect {
  if (!isObject(value) || typeof value.Id !== 'string') throw new Error(`docker image inspect ${what}: Id missing`);
  return value as unknown as ImageInspect;
}

/** The container's name without Docker's leading '/'. */
export function containerName(inspect: Pick<ContainerInspect, 'Name'>): string {
  return inspect.Name.replace(/^\//, '');
}
