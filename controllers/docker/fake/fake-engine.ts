// A fake Docker engine for unit tests: it really keeps containers and images, changes their state the way the engine
// does (stop honours StopSignal/StopTimeout, start of a running container is a no-op, rename frees the old name) and
// emits the engine's events for every change, whether the change came from a test (run, remove, rename, crash) or
// from a client call. Tests assert on its state. It passes the same contract suite as the real client.
import { DockerError, eventCursor, type ContainerEvent, type ContainerEventAction, type DockerClient, type DockerContainerInspect, type DockerImageInspect, type ImagePruneResult, type ImageSummary, type LogLine, type SwarmRole } from '../../../domain/docker/client.ts';
import { EventFeed } from './event-feed.ts';
import { FakeDockerClient } from './fake-client.ts';
import { inspectDocument, randomHex, ZERO_TIME, type FakeContainerSpec } from './inspect-document.ts';

export type { FakeContainerSpec, FakeNetwork, FakePort } from './inspect-document.ts';

/** The size every fake image reports, in bytes. */
const FAKE_IMAGE_SIZE = 1_234_567;

export interface FakeEngineOptions {
  /** The clock of event and state times. Default: the wall clock. */
  now?: () => Date;
  hostname?: string;
  engineVersion?: string;
  apiVersion?: string;
  swarm?: { role: SwarmRole; nodeID?: string; clusterID?: string };
}

export interface FakeImageSpec {
  reference: string;
  repoDigests?: string[];
  labels?: Record<string, string>;
}

interface FakeContainer {
  inspect: DockerContainerInspect;
  exitsOn: string[];
  logs: LogLine[];
  /** How the last stop ended the process: the signal sent and the wait allowed before SIGKILL. */
  lastStop?: { signal: string; timeoutSeconds: number };
}

export class FakeDockerEngine {
  readonly engineID = Array.from({ length: 12 }, () => randomHex(2).slice(0, 4).toUpperCase()).join(':');
  readonly options: Required<Pick<FakeEngineOptions, 'hostname' | 'engineVersion' | 'apiVersion'>> & FakeEngineOptions;
  readonly #now: () => Date;
  readonly #containers = new Map<string, FakeContainer>();
  readonly #images = new Map<string, DockerImageInspect>();
  readonly #feed = new EventFeed();
  #running = true;
  #muted = false;

  constructor(options: FakeEngineOptions = {}) {
    this.options = { hostname: 'fake-host', engineVersion: '20.10.24', apiVersion: '1.41', ...options };
    this.#now = options.now ?? (() => new Date());
  }

  /** A client of this engine (each with its own `close`), as `createDockerClient` would return for its endpoint. */
  client(endpoint = 'unix:///fake/docker.sock'): DockerClient {
    return new FakeDockerClient(this, endpoint);
  }

  /** The engine's clock. */
  now(): Date {
    return this.#now();
  }

  get running(): boolean {
    return this.#running;
  }

  get feed(): EventFeed {
    return this.#feed;
  }

  // ---- test controls -------------------------------------------------------------------------------------------

  addImage(spec: FakeImageSpec): string {
    const existing = this.#imageByReference(spec.reference);
    if (existing !== undefined) return existing.Id;
    const id = `sha256:${randomHex(32)}`;
    this.#images.set(id, {
      Id: id,
      RepoTags: [spec.reference],
      RepoDigests: spec.repoDigests ?? [],
      Created: this.#now().toISOString(),
      Size: FAKE_IMAGE_SIZE,
      Config: { Labels: spec.labels ?? {} },
    });
    return id;
  }

  /** An image without a tag, as a rebuild leaves the previous one behind; returns its ID. */
  addDanglingImage(): string {
    const id = `sha256:${randomHex(32)}`;
    this.#images.set(id, { Id: id, RepoTags: [], RepoDigests: [], Created: this.#now().toISOString(), Size: FAKE_IMAGE_SIZE, Config: { Labels: {} } });
    return id;
  }

  /** `docker tag`: another name for an existing image. */
  tagImage(idOrReference: string, tag: string): void {
    const image = this.#images.get(idOrReference) ?? this.#imageByReference(idOrReference) ?? this.#imageByIDPrefix(idOrReference);
    if (image === undefined) throw new DockerError('NotFound', `No such image: ${idOrReference}`, { statusCode: 404 });
    for (const other of this.#images.values()) other.RepoTags = (other.RepoTags ?? []).filter((existing) => existing !== tag);
    image.RepoTags = [...(image.RepoTags ?? []), tag];
  }

  /** The IDs of every image. */
  imageIDs(): string[] {
    return [...this.#images.keys()].sort();
  }

  /** `docker run` (or `docker create` with state "created"); returns the container ID. */
  run(spec: FakeContainerSpec): string {
    this.#checkRunning();
    if (this.#find(spec.name) !== undefined) throw new DockerError('Conflict', `Conflict. The container name "/${spec.name}" is already in use`, { statusCode: 409 });
    const imageID = this.addImage({ reference: spec.image });
    const image = this.#images.get(imageID);
    const id = randomHex(32);
    const container: FakeContainer = {
      inspect: inspectDocument(spec, id, imageID, image?.Config?.Labels ?? {}, this.#now()),
      exitsOn: spec.exitsOn ?? ['SIGTERM'],
      logs: [],
    };
    this.#containers.set(id, container);
    this.#emit(container, 'create');
    if ((spec.state ?? 'running') !== 'created') this.startContainer(id);
    if (spec.state === 'exited') this.#exit(container, spec.exitCode ?? 0);
    return id;
  }

  /** `docker rm [-f]`. */
  remove(idOrName: string, options: { force?: boolean } = {}): void {
    const container = this.#require(idOrName);
    if (container.inspect.State?.Running === true) {
      if (options.force !== true) throw new DockerError('Conflict', `You cannot remove a running container ${container.inspect.Id}. Stop the container before attempting removal or force remove`, { statusCode: 409 });
      this.#exit(container, 137);
    }
    this.#containers.delete(container.inspect.Id);
    this.#emit(container, 'destroy');
  }

  /** `docker rename`. */
  rename(idOrName: string, newName: string): void {
    const container = this.#require(idOrName);
    if (this.#find(newName) !== undefined) throw new DockerError('Conflict', `Conflict. The container name "/${newName}" is already in use`, { statusCode: 409 });
    const oldName = container.inspect.Name;
    container.inspect.Name = `/${newName}`;
    this.#emit(container, 'rename', { oldName });
  }

  /** The health check reports a new status. */
  setHealth(idOrName: string, status: 'starting' | 'healthy' | 'unhealthy'): void {
    const container = this.#require(idOrName);
    const state = container.inspect.State ?? {};
    state.Health = { Status: status, FailingStreak: status === 'unhealthy' ? 3 : 0 };
    container.inspect.State = state;
    this.#emit(container, 'health_status', {}, `health_status: ${status}`);
  }

  /** The process exits by itself (a crash, or the end of its work). */
  crash(idOrName: string, exitCode: number): void {
    this.#exit(this.#require(idOrName), exitCode);
  }

  writeLogs(idOrName: string, lines: LogLine[]): void {
    this.#require(idOrName).logs.push(...lines);
  }

  /** The daemon stops: running containers are stopped (no live-restore), open event streams end, calls fail. */
  stopEngine(): void {
    for (const container of this.#containers.values()) if (container.inspect.State?.Running === true) this.#exit(container, 143);
    this.#running = false;
    this.#feed.finishAll();
  }

  /** The daemon starts again with the same containers; it remembers no past events. */
  startEngine(): void {
    this.#running = true;
    this.#feed.clearBuffer();
  }

  /** The connection breaks (e.g. a proxy restarts) while the engine runs: open event streams fail. */
  breakConnections(): void {
    this.#feed.finishAll(new DockerError('Unreachable', 'connection reset by peer'));
  }

  /** Runs `change` without publishing its events: what a client misses when an event is lost. */
  withoutEvents(change: () => void): void {
    this.#muted = true;
    try {
      change();
    } finally {
      this.#muted = false;
    }
  }

  /** A copy of a container's inspect document, or undefined. */
  container(idOrName: string): DockerContainerInspect | undefined {
    const found = this.#find(idOrName);
    return found === undefined ? undefined : structuredClone(found.inspect);
  }

  /** How the last stop ended the container's process. */
  lastStop(idOrName: string): { signal: string; timeoutSeconds: number } | undefined {
    return this.#find(idOrName)?.lastStop;
  }

  containerNames(): string[] {
    return [...this.#containers.values()].map((container) => container.inspect.Name.slice(1)).sort();
  }

  // ---- what the client calls ---------------------------------------------------------------------------------------

  checkRunning(): void {
    this.#checkRunning();
  }

  allContainers(): DockerContainerInspect[] {
    return [...this.#containers.values()].map((container) => structuredClone(container.inspect));
  }

  inspectContainer(idOrName: string): DockerContainerInspect {
    return structuredClone(this.#require(idOrName).inspect);
  }

  inspectImage(reference: string): DockerImageInspect {
    const image = this.#images.get(reference) ?? this.#imageByReference(reference);
    if (image === undefined) throw new DockerError('NotFound', `No such image: ${reference}`, { statusCode: 404 });
    return structuredClone(image);
  }

  startContainer(idOrName: string): void {
    const container = this.#require(idOrName);
    const state = container.inspect.State ?? {};
    if (state.Running === true) return;
    Object.assign(state, { Status: 'running', Running: true, Pid: 1000 + this.#containers.size, ExitCode: 0, StartedAt: this.#now().toISOString() });
    if (container.inspect.Config?.Healthcheck !== undefined) state.Health = { Status: 'starting', FailingStreak: 0 };
    container.inspect.State = state;
    this.#emit(container, 'start');
  }

  stopContainer(idOrName: string, timeoutSeconds: number | undefined): void {
    const container = this.#require(idOrName);
    if (container.inspect.State?.Running !== true) return;
    const signal = container.inspect.Config?.StopSignal ?? 'SIGTERM';
    const timeout = timeoutSeconds ?? container.inspect.Config?.StopTimeout ?? 10;
    container.lastStop = { signal, timeoutSeconds: timeout };
    this.#emit(container, 'kill', { signal });
    this.#exit(container, container.exitsOn.includes(signal) ? 0 : 137);
    this.#emit(container, 'stop');
  }

  restartContainer(idOrName: string, timeoutSeconds: number | undefined): void {
    this.stopContainer(idOrName, timeoutSeconds);
    this.startContainer(idOrName);
    this.#emit(this.#require(idOrName), 'restart');
  }

  logs(idOrName: string): LogLine[] {
    return [...this.#require(idOrName).logs];
  }

  listImages(): ImageSummary[] {
    return [...this.#images.values()].map((image) => ({
      id: image.Id,
      repoTags: [...(image.RepoTags ?? [])],
      repoDigests: [...(image.RepoDigests ?? [])],
      size: typeof image.Size === 'number' ? image.Size : 0,
      created: new Date(image.Created ?? 0),
    }));
  }

  /** As the engine: a tag among several is only untagged; an image a container uses is refused (running: even forced). */
  removeImage(idOrReference: string, force: boolean): void {
    this.#checkRunning();
    const image = this.#images.get(idOrReference) ?? this.#imageByReference(idOrReference) ?? this.#imageByIDPrefix(idOrReference);
    if (image === undefined) throw new DockerError('NotFound', `No such image: ${idOrReference}`, { statusCode: 404 });
    const tags = image.RepoTags ?? [];
    if (tags.includes(idOrReference) && tags.length > 1) {
      image.RepoTags = tags.filter((tag) => tag !== idOrReference);
      return;
    }
    const users = [...this.#containers.values()].filter((container) => container.inspect.Image === image.Id);
    if (users.some((container) => container.inspect.State?.Running === true) || (users.length > 0 && !force)) {
      throw new DockerError('Conflict', `conflict: unable to delete ${image.Id.slice(7, 19)} - image is being used by container ${users[0]?.inspect.Id.slice(0, 12) ?? ''}`, { statusCode: 409 });
    }
    if (tags.length > 1 && !force) {
      throw new DockerError('Conflict', `conflict: unable to delete ${image.Id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`, { statusCode: 409 });
    }
    this.#images.delete(image.Id);
  }

  pruneImages(): ImagePruneResult {
    this.#checkRunning();
    const used = new Set([...this.#containers.values()].map((container) => container.inspect.Image));
    const deleted: string[] = [];
    let spaceReclaimed = 0;
    for (const image of [...this.#images.values()]) {
      if ((image.RepoTags ?? []).length > 0 || used.has(image.Id)) continue;
      this.#images.delete(image.Id);
      deleted.push(image.Id);
      spaceReclaimed += typeof image.Size === 'number' ? image.Size : 0;
    }
    return { deleted, spaceReclaimed };
  }

  // ---- internals ------------------------------------------------------------------------------------------------

  #imageByIDPrefix(prefix: string): DockerImageInspect | undefined {
    const bare = prefix.replace(/^sha256:/, '');
    const matches = bare.length >= 3 ? [...this.#images.values()].filter((image) => image.Id.slice(7).startsWith(bare)) : [];
    return matches.length === 1 ? matches[0] : undefined;
  }

  #checkRunning(): void {
    if (!this.#running) throw new DockerError('Unreachable', 'connect ECONNREFUSED: the fake engine is stopped');
  }

  #imageByReference(reference: string): DockerImageInspect | undefined {
    return [...this.#images.values()].find((image) => image.RepoTags?.includes(reference) === true);
  }

  #find(idOrName: string): FakeContainer | undefined {
    const name = `/${idOrName.replace(/^\//, '')}`;
    const byIdOrName = this.#containers.get(idOrName) ?? [...this.#containers.values()].find((container) => container.inspect.Name === name);
    if (byIdOrName !== undefined) return byIdOrName;
    // Like the engine: a unique ID prefix names a container too.
    const byPrefix = [...this.#containers.values()].filter((container) => idOrName.length >= 3 && container.inspect.Id.startsWith(idOrName));
    return byPrefix.length === 1 ? byPrefix[0] : undefined;
  }

  #require(idOrName: string): FakeContainer {
    this.#checkRunning();
    const container = this.#find(idOrName);
    if (container === undefined) throw new DockerError('NotFound', `No such container: ${idOrName}`, { statusCode: 404 });
    return container;
  }

  #exit(container: FakeContainer, exitCode: number): void {
    const state = container.inspect.State ?? {};
    Object.assign(state, { Status: 'exited', Running: false, Pid: 0, ExitCode: exitCode, FinishedAt: this.#now().toISOString() });
    if (state.StartedAt === undefined) state.StartedAt = ZERO_TIME;
    delete state.Health;
    if (container.inspect.Config?.Healthcheck !== undefined) state.Health = { Status: 'unhealthy', FailingStreak: 0 };
    container.inspect.State = state;
    this.#emit(container, 'die', { exitCode: String(exitCode) });
  }

  #emit(container: FakeContainer, action: ContainerEventAction, extra: Record<string, string> = {}, dockerAction?: string): void {
    if (this.#muted) return;
    const time = this.#now();
    const name = container.inspect.Name.slice(1);
    const attributes = { ...container.inspect.Config?.Labels, image: container.inspect.Config?.Image ?? '', name, ...extra };
    const health = dockerAction?.split(': ')[1];
    const event: ContainerEvent = {
      action,
      containerID: container.inspect.Id,
      name,
      ...(extra.oldName === undefined ? {} : { oldName: extra.oldName.replace(/^\//, '') }),
      ...(health === undefined ? {} : { health }),
      attributes,
      time,
      cursor: eventCursor(time),
    };
    this.#feed.publish(event);
  }
}
