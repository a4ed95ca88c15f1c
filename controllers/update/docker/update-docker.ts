// The Docker operations an update needs, and nothing else: a narrow, domain-shaped interface with an AbortSignal on
// every call, implemented over dockerode (dockerode-update-docker.ts) and by a fake that keeps state (test/fakes).
// Every method is idempotent where Docker allows it, because the update machine repeats a step after a crash:
// stopping a stopped container, starting a running one, removing a missing one succeed.
import type { ContainerInspect, ContainerSummary, CreateContainerRequest, EndpointSettings, ImageInspect } from './types.ts';

/** Credentials for a pull, sent as X-Registry-Auth. */
export interface RegistryAuth {
  serveraddress: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

export interface ExecResult {
  /** Undefined when the command did not finish in time (the process may go on running: Docker cannot kill an exec). */
  exitCode: number | undefined;
  timedOut: boolean;
  /** stdout and stderr interleaved, cut to the last 4 KiB. */
  output: string;
}

export type ImageRemoval = 'removed' | 'inUse' | 'absent';

export interface UpdateDocker {
  /** Undefined when no container has this ID or name. */
  inspectContainer(idOrName: string, signal: AbortSignal): Promise<ContainerInspect | undefined>;
  /** Undefined when the engine has no such image. */
  inspectImage(reference: string, signal: AbortSignal): Promise<ImageInspect | undefined>;
  /** Pulls `reference` (REPO:TAG or REPO@DIGEST) and resolves when the engine has it; rejects with the engine's error. */
  pullImage(reference: string, auth: RegistryAuth | undefined, signal: AbortSignal): Promise<void>;
  /** Tags an image (by ID) as REPOSITORY:TAG, moving the tag if it exists. */
  tagImage(imageID: string, repository: string, tag: string, signal: AbortSignal): Promise<void>;
  /** Runs `command` in a running container, waiting at most `timeoutMs`. */
  exec(containerID: string, command: string[], timeoutMs: number, signal: AbortSignal): Promise<ExecResult>;
  /**
   * Stops a container the way it asks to be stopped: its own StopSignal, then SIGKILL after its own StopTimeout
   * (Docker's default of 10 s when it has none). A stopped or missing container is not an error.
   */
  stopContainer(id: string, signal: AbortSignal): Promise<void>;
  renameContainer(id: string, newName: string, signal: AbortSignal): Promise<void>;
  /** Creates a container and returns its ID. Rejects with DockerConflictError when the name is taken. */
  createContainer(request: CreateContainerRequest, signal: AbortSignal): Promise<string>;
  connectNetwork(network: string, containerID: string, endpoint: EndpointSettings, signal: AbortSignal): Promise<void>;
  disconnectNetwork(network: string, containerID: string, signal: AbortSignal): Promise<void>;
  /** A running container is not an error. */
  startContainer(id: string, signal: AbortSignal): Promise<void>;
  /** Removes a container, stopping it first if `force`; with `removeVolumes` its anonymous volumes too. Missing is not an error. */
  removeContainer(id: string, options: { removeVolumes: boolean; force: boolean }, signal: AbortSignal): Promise<void>;
  /** Removes an image (by ID, with all its tags) unless a container of any state uses it or an image builds on it. */
  removeImageIfUnused(imageID: string, signal: AbortSignal): Promise<ImageRemoval>;
  /** Containers (any state) that run in the network namespace of `containerID` (`network_mode: container:…`). */
  listNetworkDependents(containerID: string, signal: AbortSignal): Promise<ContainerSummary[]>;
}
