// The one way Vigil talks to a Docker engine: a narrow interface shaped after what the controllers do (discover,
// watch, start/stop, read logs), not after the Engine API's URL space. Two implementations keep it honest: the real
// one over dockerode (dockerode-client.ts) and a fake that really keeps containers and emits events (fake-engine.ts),
// both run through one contract suite (test/contract/docker-client-contract.ts).
//
// Extending it (the update lifecycle adds create, rename, remove, pull, exec, network connect…):
// 1. add a method here with a domain name and an options object extending CallOptions (every call takes a signal);
// 2. give failures a DockerErrorCode (NotFound, Conflict…), never a raw HTTP status;
// 3. implement it in dockerode-client.ts and in fake-engine.ts (the fake changes its state and emits the events the
//    engine would, so controllers tested on the fake see what they would see on a real engine);
// 4. add the behaviour to the contract suite, which runs against the fake and a real engine.
import type { DockerContainerInspect, DockerImageInspect } from './api-types.ts';

export type { DockerContainerInspect, DockerImageInspect } from './api-types.ts';

/** Every call can be cancelled: a controller's reconcile has a deadline, and shutdown aborts everything in flight. */
export interface CallOptions {
  signal: AbortSignal;
}

export type SwarmRole = 'none' | 'worker' | 'manager';

/** `docker info` and `docker version`, as the Host status shows them. */
export interface EngineInfo {
  /** docker info ID: the same on every endpoint of one engine, so two Hosts on one engine can be told apart. */
  engineID: string;
  /** docker info Name (the engine machine's hostname). */
  hostname: string;
  engineVersion: string;
  /** The API version the engine speaks (Vigil does not pin one). */
  apiVersion: string;
  os: string;
  arch: string;
  /** managers: docker info Swarm.Managers (the managers of the swarm), on a manager. */
  /** managersReachable: managers whose ManagerStatus.Reachability is "reachable" (GET /nodes on a manager). */
  swarm: { role: SwarmRole; nodeID?: string; clusterID?: string; managers?: number; managersReachable?: number };
  containers: { total: number; running: number; paused: number; stopped: number };
  /** The engine's clock when it answered: `eventCursor(systemTime)` opens an event stream that misses nothing after it. */
  systemTime: Date;
}

/** One row of `docker ps -a`. */
export interface ContainerSummary {
  id: string;
  /** Without the leading slash. */
  name: string;
  /** The image reference as configured. */
  image: string;
  imageID: string;
  /** created, running, paused, restarting, removing, exited, dead. */
  state: string;
  labels: Record<string, string>;
}

/**
 * The container events that change what Vigil shows. Docker's own names; `health_status` stands for Docker's
 * "health_status: healthy" (the status is in `health`). Exec events (every health check runs one) are not delivered.
 */
export const CONTAINER_EVENT_ACTIONS = [
  'create', 'start', 'restart', 'die', 'stop', 'kill', 'pause', 'unpause', 'rename', 'destroy', 'health_status', 'oom', 'update',
] as const;
export type ContainerEventAction = (typeof CONTAINER_EVENT_ACTIONS)[number];

export interface ContainerEvent {
  action: ContainerEventAction;
  containerID: string;
  /** The container's name after the event (without slash). */
  name: string;
  /** For `rename`: the name before (without slash). */
  oldName?: string;
  /** For `health_status`: healthy, unhealthy or starting. */
  health?: string;
  /**
   * Docker's event attributes: the container's labels merged with image, name, exitCode… (Docker does not separate
   * them). Good enough to spot a Swarm task (`com.docker.swarm.task`) without an inspect.
   */
  attributes: Record<string, string>;
  /** When the engine recorded it. */
  time: Date;
  /** Pass as `since` to resume after this event (events of the same second are delivered again; handlers are idempotent). */
  cursor: string;
}

export interface EventStreamOptions extends CallOptions {
  /**
   * Replay the engine's buffered events from this cursor (an event's `cursor`, or `eventCursor(time)`) before live
   * ones. Without it the stream sees only what happens after the engine registered it, some time after the first
   * `next()`: pass the cursor of a moment before anything the caller must not miss.
   */
  since?: string;
}

/** The `since` cursor for events from `time` on (the engine counts in whole seconds). */
export function eventCursor(time: Date): string {
  return String(Math.floor(time.getTime() / 1000));
}

export interface StopOptions extends CallOptions {
  /**
   * Seconds to wait after the stop signal before SIGKILL. Absent: the container's own StopTimeout (default 10 s) with
   * its own StopSignal (default SIGTERM), exactly as `docker stop` does. The caller's signal must allow that long.
   */
  timeoutSeconds?: number;
}

/** The most log lines one call returns (the API and REST facade promise a tail of at most this many). */
export const MAX_LOG_TAIL_LINES = 500;

export interface LogOptions extends CallOptions {
  /** 1 to MAX_LOG_TAIL_LINES: the last lines of stdout and stderr together, in the order they were written. */
  tailLines: number;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** Without the line break. */
  text: string;
}

/** One row of `docker image ls` (top-level images, dangling ones included). */
export interface ImageSummary {
  /** sha256:… */
  id: string;
  /** `repo:tag` names; empty for a dangling image (Docker's `<none>:<none>` is left out). */
  repoTags: string[];
  /** `repo@sha256:…`; empty for a local build. */
  repoDigests: string[];
  /** Bytes. */
  size: number;
  created: Date;
}

export interface RemoveImageOptions extends CallOptions {
  /**
   * Remove an image that has several tags (all of them go), as `docker rmi -f`. Without it the engine refuses such an
   * image (Conflict). An image a container uses is refused either way when the container runs.
   */
  force?: boolean;
}

export interface ImagePruneResult {
  /** IDs of the images deleted. */
  deleted: string[];
  /** Bytes freed. */
  spaceReclaimed: number;
}

export interface DockerClient {
  /** The endpoint this client talks to (unix:///… or tcp://…), for messages and status. */
  readonly endpoint: string;
  engineInfo(options: CallOptions): Promise<EngineInfo>;
  /** Every container, stopped ones included. */
  listContainers(options: CallOptions): Promise<ContainerSummary[]>;
  /** The verbatim `docker inspect`; DockerError NotFound when there is no such container. */
  inspectContainer(idOrName: string, options: CallOptions): Promise<DockerContainerInspect>;
  /** The verbatim `docker image inspect`; DockerError NotFound when there is no such image. */
  inspectImage(reference: string, options: CallOptions): Promise<DockerImageInspect>;
  /**
   * Container events as they happen. The iteration ends when the signal aborts (quietly) or the engine closes the
   * stream (normally, e.g. when the engine stops), and throws a DockerError when the connection fails: either way the
   * caller reconnects with `since` and resyncs.
   */
  containerEvents(options: EventStreamOptions): AsyncIterable<ContainerEvent>;
  /** Starting a running container succeeds and does nothing. */
  startContainer(idOrName: string, options: CallOptions): Promise<void>;
  /** Stopping a stopped container succeeds and does nothing. */
  stopContainer(idOrName: string, options: StopOptions): Promise<void>;
  restartContainer(idOrName: string, options: StopOptions): Promise<void>;
  /** The last `tailLines` lines of both streams, demultiplexed; RangeError outside 1..MAX_LOG_TAIL_LINES. */
  containerLogs(idOrName: string, options: LogOptions): Promise<LogLine[]>;
  /** Top-level images, dangling ones included. */
  listImages(options: CallOptions): Promise<ImageSummary[]>;
  /**
   * Removes an image by ID or reference; NotFound when there is none, Conflict when a container uses it (or, without
   * `force`, when it has several tags).
   */
  removeImage(idOrReference: string, options: RemoveImageOptions): Promise<void>;
  /** Removes the dangling images (no tag) no container uses, as `docker image prune`. */
  pruneImages(options: CallOptions): Promise<ImagePruneResult>;
  /** Closes idle connections; calls afterwards fail. */
  close(): void;
}

export type DockerErrorCode =
  /** No such container or image. */
  | 'NotFound'
  /** The engine refused because of the object's state (e.g. a name in use, a removal in progress). */
  | 'Conflict'
  /** The engine cannot be reached (socket missing, connection refused or reset, TLS failure). */
  | 'Unreachable'
  /** The caller's signal aborted the call. */
  | 'Aborted'
  /** The engine answered with an error of its own (5xx, bad request). */
  | 'EngineError'
  /** The engine answered something that is not what the API documents. */
  | 'Protocol';

export class DockerError extends Error {
  readonly code: DockerErrorCode;
  /** The HTTP status, when the engine answered. */
  readonly statusCode: number | undefined;

  constructor(code: DockerErrorCode, message: string, options: { statusCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DockerError';
    this.code = code;
    this.statusCode = options.statusCode;
  }
}

export function isDockerError(error: unknown, code?: DockerErrorCode): error is DockerError {
  return error instanceof DockerError && (code === undefined || error.code === code);
}

export function checkTailLines(tailLines: number): void {
  if (!Number.isInteger(tailLines) || tailLines < 1 || tailLines > MAX_LOG_TAIL_LINES) {
    throw new RangeError(`tailLines must be a whole number from 1 to ${MAX_LOG_TAIL_LINES}, got ${tailLines}`);
  }
}
