// A DockerClient over a FakeDockerEngine: what a controller holds for one connection. Calls check the caller's signal
// and the engine's availability first, then act on the engine's state, like a round trip to a real engine.
import {
  DockerError,
  checkTailLines,
  type CallOptions,
  type ContainerEvent,
  type ContainerSummary,
  type DockerClient,
  type DockerContainerInspect,
  type DockerImageInspect,
  type EngineInfo,
  type EventStreamOptions,
  type LogLine,
  type LogOptions,
  type StopOptions,
  type ImagePruneResult,
  type ImageSummary,
  type RemoveImageOptions,
} from '../../../domain/docker/client.ts';
import type { FakeDockerEngine } from './fake-engine.ts';

export class FakeDockerClient implements DockerClient {
  readonly endpoint: string;
  readonly #engine: FakeDockerEngine;
  #closed = false;

  constructor(engine: FakeDockerEngine, endpoint: string) {
    this.#engine = engine;
    this.endpoint = endpoint;
  }

  /**
   * Waits for the next turn of the event loop, as a real round trip does, then checks signal, client and engine. A
   * microtask would do for ordering, but code that loops over the fake (a controller bug) would then starve timers,
   * test time limits included.
   */
  async #enter(what: string, signal: AbortSignal): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (signal.aborted) throw new DockerError('Aborted', `${what} on ${this.endpoint}: aborted`);
    if (this.#closed) throw new DockerError('Unreachable', `${what} on ${this.endpoint}: the client is closed`);
    this.#engine.checkRunning();
  }

  async engineInfo(options: CallOptions): Promise<EngineInfo> {
    await this.#enter('read engine info', options.signal);
    const containers = this.#engine.allContainers();
    const running = containers.filter((container) => container.State?.Status === 'running').length;
    const paused = containers.filter((container) => container.State?.Status === 'paused').length;
    const { hostname, engineVersion, apiVersion, swarm } = this.#engine.options;
    return {
      engineID: this.#engine.engineID,
      hostname,
      engineVersion,
      apiVersion,
      os: 'Fake Linux',
      arch: 'x86_64',
      swarm: swarm ?? { role: 'none' },
      containers: { total: containers.length, running, paused, stopped: containers.length - running - paused },
      systemTime: this.#engine.now(),
    };
  }

  async listContainers(options: CallOptions): Promise<ContainerSummary[]> {
    await this.#enter('list containers', options.signal);
    return this.#engine.allContainers().map((container) => ({
      id: container.Id,
      name: container.Name.slice(1),
      image: container.Config?.Image ?? '',
      imageID: container.Image ?? '',
      state: container.State?.Status ?? '',
      labels: { ...container.Config?.Labels },
    }));
  }

  async inspectContainer(idOrName: string, options: CallOptions): Promise<DockerContainerInspect> {
    await this.#enter(`inspect container ${idOrName}`, options.signal);
    return this.#engine.inspectContainer(idOrName);
  }

  async inspectImage(reference: string, options: CallOptions): Promise<DockerImageInspect> {
    await this.#enter(`inspect image ${reference}`, options.signal);
    return this.#engine.inspectImage(reference);
  }

  async *containerEvents(options: EventStreamOptions): AsyncIterable<ContainerEvent> {
    await this.#enter('follow events', options.signal);
    yield* this.#engine.feed.subscribe(options.signal, options.since);
  }

  async startContainer(idOrName: string, options: CallOptions): Promise<void> {
    await this.#enter(`start container ${idOrName}`, options.signal);
    this.#engine.startContainer(idOrName);
  }

  async stopContainer(idOrName: string, options: StopOptions): Promise<void> {
    await this.#enter(`stop container ${idOrName}`, options.signal);
    this.#engine.stopContainer(idOrName, options.timeoutSeconds);
  }

  async restartContainer(idOrName: string, options: StopOptions): Promise<void> {
    await this.#enter(`restart container ${idOrName}`, options.signal);
    this.#engine.restartContainer(idOrName, options.timeoutSeconds);
  }

  async containerLogs(idOrName: string, options: LogOptions): Promise<LogLine[]> {
    checkTailLines(options.tailLines);
    await this.#enter(`read logs of container ${idOrName}`, options.signal);
    return this.#engine.logs(idOrName).slice(-options.tailLines);
  }

  async listImages(options: CallOptions): Promise<ImageSummary[]> {
    await this.#enter('list images', options.signal);
    return this.#engine.listImages();
  }

  async removeImage(idOrReference: string, options: RemoveImageOptions): Promise<void> {
    await this.#enter(`remove image ${idOrReference}`, options.signal);
    this.#engine.removeImage(idOrReference, options.force === true);
  }

  async pruneImages(options: CallOptions): Promise<ImagePruneResult> {
    await this.#enter('prune dangling images', options.signal);
    return this.#engine.pruneImages();
  }

  close(): void {
    this.#closed = true;
  }
}
