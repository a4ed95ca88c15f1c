// A fake Docker engine behind the UpdateDocker interface: it keeps containers, images, tags, a remote registry and
// networks as state, merges image defaults into a container's Config at create the way the engine does, and lets
// health evolve with an injected clock. Tests assert the state it ends in, never the calls made to it.
import { createHash } from 'node:crypto';
import type { Clock } from '../../controllers/runtime/index.ts';
import { DockerError } from '../../domain/docker/client.ts';
import type { ContainerConfig, ContainerInspect, CreateContainerRequest, EndpointSettings, ImageInspect } from '../../controllers/update/docker/types.ts';
import type { DependentSummary, ExecResult, ImageRemoval, RegistryAuth, UpdateDocker } from '../../controllers/update/docker/update-docker.ts';

/** How a container of an image behaves once started. */
export interface FakeImageBehaviour {
  /** Health once the check settles (images with a Healthcheck): default healthy. `never` stays starting. */
  health?: 'healthy' | 'unhealthy' | 'never';
  /** How long the health check reports `starting`. Default 1000 ms. */
  healthyAfterMs?: number;
  /** The main process exits with code 1 right after start. */
  crashes?: boolean;
}

export interface FakeImage {
  config: ContainerConfig;
  behaviour?: FakeImageBehaviour;
  /** The image ID a pull gives (a real engine derives it from the content); default a new one. */
  id?: string;
}

interface StoredImage extends ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Config: ContainerConfig;
  behaviour: FakeImageBehaviour;
}

export type FakeExec = (container: ContainerInspect, command: string[]) => { exitCode: number; output?: string; durationMs?: number };

export interface FakeUpdateDockerOptions {
  clock: Clock;
  /** What an exec does; default: exit 0. */
  exec?: FakeExec;
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function repositoryAndTag(reference: string): { repository: string; tag: string } {
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  return colon > slash ? { repository: reference.slice(0, colon), tag: reference.slice(colon + 1) } : { repository: reference, tag: 'latest' };
}

/** Docker's merge of an image's defaults into a container's Config (daemon/commit.go `merge`). */
function mergeDefaults(user: ContainerConfig, image: ContainerConfig, id: string): ContainerConfig {
  const config = structuredClone(user);
  const userKeys = new Set((user.Env ?? []).map((entry) => entry.split('=')[0]));
  config.Env = [...(user.Env ?? []), ...(image.Env ?? []).filter((entry) => !userKeys.has(entry.split('=')[0]))];
  config.Labels = { ...(image.Labels ?? {}), ...(user.Labels ?? {}) };
  config.ExposedPorts = { ...(image.ExposedPorts ?? {}), ...(user.ExposedPorts ?? {}) };
  config.Volumes = { ...(image.Volumes ?? {}), ...(user.Volumes ?? {}) };
  if ((user.Entrypoint ?? []).length === 0) {
    if ((user.Cmd ?? []).length === 0) config.Cmd = image.Cmd ?? null;
    if (user.Entrypoint === undefined || user.Entrypoint === null) config.Entrypoint = image.Entrypoint ?? null;
  }
  config.WorkingDir = user.WorkingDir || image.WorkingDir || '';
  config.User = user.User || image.User || '';
  config.StopSignal = user.StopSignal || image.StopSignal || '';
  config.Healthcheck = user.Healthcheck ?? image.Healthcheck ?? null;
  config.Hostname = user.Hostname || id.slice(0, 12);
  return config;
}

export class FakeUpdateDocker implements UpdateDocker {
  readonly #clock: Clock;
  readonly #exec: FakeExec;
  readonly containers = new Map<string, ContainerInspect>();
  readonly images = new Map<string, StoredImage>();
  /** What a pull of a reference fetches. */
  readonly remote = new Map<string, FakeImage>();
  readonly networks = new Set(['bridge', 'host', 'none']);
  readonly #startedAt = new Map<string, number>();
  /** Legacy links by container ID: Docker binds a link to the target's ID and shows the target's name (its last one once removed). */
  readonly #links = new Map<string, Array<{ targetID: string; lastName: string; alias: string }>>();
  #counter = 0;
  /** Makes the next calls of `method` fail (fault injection for unit tests); consumed one per call. */
  readonly failures: Array<{ method: keyof UpdateDocker; error: Error }> = [];

  constructor(options: FakeUpdateDockerOptions) {
    this.#clock = options.clock;
    this.#exec = options.exec ?? (() => ({ exitCode: 0 }));
  }

  /** Adds a local image (as if built or pulled before) and returns its ID. */
  addImage(tags: string[], image: FakeImage, repoDigests: string[] = []): string {
    const id = image.id ?? `sha256:${sha(JSON.stringify(image.config) + tags.join(',') + String(this.#counter++))}`;
    for (const stored of this.images.values()) stored.RepoTags = stored.RepoTags.filter((tag) => !tags.includes(tag));
    this.images.set(id, { Id: id, RepoTags: [...tags], RepoDigests: repoDigests, Config: image.config, behaviour: image.behaviour ?? {} });
    return id;
  }

  /** Publishes an image in the fake registry under `reference`. */
  publish(reference: string, image: FakeImage): void {
    this.remote.set(reference, image);
  }

  #fault(method: keyof UpdateDocker): void {
    const index = this.failures.findIndex((failure) => failure.method === method);
    if (index < 0) return;
    const [failure] = this.failures.splice(index, 1);
    if (failure !== undefined) throw failure.error;
  }

  #image(reference: string): StoredImage | undefined {
    if (this.images.has(reference)) return this.images.get(reference);
    const tagged = reference.includes(':') && !reference.startsWith('sha256:') ? reference : `${reference}:latest`;
    return [...this.images.values()].find((image) => image.RepoTags.includes(tagged) || image.RepoDigests.includes(reference) || image.Id.startsWith(`sha256:${reference}`));
  }

  #find(idOrName: string): ContainerInspect | undefined {
    const byID = this.containers.get(idOrName);
    if (byID !== undefined) return byID;
    const all = [...this.containers.values()];
    return all.find((container) => container.Name === `/${idOrName}`) ?? all.find((container) => idOrName.length >= 4 && container.Id.startsWith(idOrName));
  }

  #require(idOrName: string): ContainerInspect {
    const container = this.#find(idOrName);
    if (container === undefined) throw new DockerError('NotFound', `No such container: ${idOrName}`);
    return container;
  }

  /** Applies the image behaviour to a started container's state as time passes. */
  #refresh(container: ContainerInspect): void {
    const started = this.#startedAt.get(container.Id);
    if (started === undefined || !container.State.Running) return;
    const image = this.images.get(container.Image);
    const behaviour = image?.behaviour ?? {};
    if (behaviour.crashes === true) {
      const restartPolicy = container.HostConfig.RestartPolicy;
      const restarts = typeof restartPolicy === 'object' && restartPolicy !== null && 'Name' in restartPolicy && restartPolicy.Name === 'always';
      container.State = { ...container.State, Running: false, Restarting: restarts, Status: restarts ? 'restarting' : 'exited', ExitCode: 1 };
      if (restarts) container.RestartCount += 1;
      return;
    }
    const test = container.Config.Healthcheck?.Test ?? [];
    if (test.length === 0 || test[0] === 'NONE') return;
    const settled = this.#clock.now() - started >= (behaviour.healthyAfterMs ?? 1000);
    const health = behaviour.health ?? 'healthy';
    container.State = { ...container.State, Health: { Status: !settled || health === 'never' ? 'starting' : health } };
  }

  async inspectContainer(idOrName: string, _signal: AbortSignal): Promise<ContainerInspect | undefined> {
    this.#fault('inspectContainer');
    const container = this.#find(idOrName);
    if (container === undefined) return undefined;
    this.#refresh(container);
    const inspect = structuredClone(container);
    const links = this.#links.get(container.Id);
    if (links !== undefined) inspect.HostConfig.Links = links.map((link) => `/${this.#linkTargetName(link)}:${container.Name}/${link.alias}`);
    return inspect;
  }

  #linkTargetName(link: { targetID: string; lastName: string }): string {
    return this.containers.get(link.targetID)?.Name.slice(1) ?? link.lastName;
  }

  async inspectImage(reference: string, _signal: AbortSignal): Promise<ImageInspect | undefined> {
    this.#fault('inspectImage');
    const image = this.#image(reference);
    return image === undefined ? undefined : structuredClone({ Id: image.Id, RepoTags: image.RepoTags, RepoDigests: image.RepoDigests, Config: image.Config });
  }

  readonly pulls: Array<{ reference: string; auth: RegistryAuth | undefined }> = [];

  async pullImage(reference: string, auth: RegistryAuth | undefined, _signal: AbortSignal): Promise<void> {
    this.#fault('pullImage');
    this.pulls.push({ reference, auth });
    const image = this.remote.get(reference);
    if (image === undefined) throw new DockerError('NotFound', `pull ${reference}: manifest unknown`);
    const digest = reference.includes('@') ? reference.slice(reference.indexOf('@') + 1) : `sha256:${sha(JSON.stringify(image.config))}`;
    const { repository } = repositoryAndTag(reference.split('@')[0] ?? reference);
    const existing = [...this.images.values()].find((stored) => stored.RepoDigests.includes(`${repository}@${digest}`));
    if (existing !== undefined) {
      for (const stored of this.images.values()) stored.RepoTags = stored.RepoTags.filter((tag) => tag !== reference);
      existing.RepoTags.push(reference);
      return;
    }
    this.addImage(reference.includes('@') ? [] : [reference], image, [`${repository}@${digest}`]);
  }

  async tagImage(imageID: string, repository: string, tag: string, _signal: AbortSignal): Promise<void> {
    this.#fault('tagImage');
    const image = this.#image(imageID);
    if (image === undefined) throw new DockerError('NotFound', `No such image: ${imageID}`);
    const reference = `${repository}:${tag}`;
    for (const stored of this.images.values()) stored.RepoTags = stored.RepoTags.filter((existing) => existing !== reference);
    image.RepoTags.push(reference);
  }

  async exec(containerID: string, command: string[], timeoutMs: number, signal: AbortSignal): Promise<ExecResult> {
    this.#fault('exec');
    const container = this.#require(containerID);
    if (!container.State.Running) throw new DockerError('Conflict', `Container ${containerID} is not running`);
    const result = this.#exec(container, command);
    const duration = result.durationMs ?? 0;
    if (duration > timeoutMs) {
      await this.#clock.sleep(timeoutMs, signal);
      return { exitCode: undefined, timedOut: true, output: result.output ?? '' };
    }
    if (duration > 0) await this.#clock.sleep(duration, signal);
    return { exitCode: result.exitCode, timedOut: false, output: result.output ?? '' };
  }

  async stopContainer(id: string, _signal: AbortSignal): Promise<void> {
    this.#fault('stopContainer');
    const container = this.#find(id);
    if (container === undefined || !container.State.Running) return;
    container.State = { ...container.State, Running: false, Restarting: false, Status: 'exited', ExitCode: 0, FinishedAt: new Date(this.#clock.now()).toISOString() };
    this.#startedAt.delete(container.Id);
    if (container.HostConfig.AutoRemove === true) this.containers.delete(container.Id);
  }

  async renameContainer(id: string, newName: string, _signal: AbortSignal): Promise<void> {
    this.#fault('renameContainer');
    const container = this.#require(id);
    const taken = this.#find(newName);
    if (taken !== undefined && taken.Name === `/${newName}`) throw new DockerError('Conflict', `Conflict. The container name "/${newName}" is already in use`);
    container.Name = `/${newName}`;
  }

  async createContainer(request: CreateContainerRequest, _signal: AbortSignal): Promise<string> {
    this.#fault('createContainer');
    const existing = this.#find(request.name);
    if (existing !== undefined && existing.Name === `/${request.name}`) throw new DockerError('Conflict', `Conflict. The container name "/${request.name}" is already in use`);
    const image = this.#image(request.config.Image ?? '');
    if (image === undefined) throw new DockerError('NotFound', `No such image: ${request.config.Image ?? ''}`);
    const mode = typeof request.hostConfig.NetworkMode === 'string' ? request.hostConfig.NetworkMode : 'default';
    if (mode.startsWith('container:') && this.#find(mode.slice('container:'.length)) === undefined) throw new DockerError('NotFound', `No such container: ${mode.slice(10)}`);
    const id = sha(`${request.name}-${this.#counter++}`);
    const links = (Array.isArray(request.hostConfig.Links) ? request.hostConfig.Links : []).map((link: unknown) => {
      const [targetName = '', alias = targetName] = String(link).split(':');
      const target = this.#find(targetName);
      if (target === undefined || target.Name !== `/${targetName}`) throw new DockerError('EngineError', `Could not get container for ${targetName}`, { statusCode: 400 });
      return { targetID: target.Id, lastName: targetName, alias };
    });
    if (links.length > 0) this.#links.set(id, links);
    const networks: Record<string, EndpointSettings> = {};
    for (const [network, endpoint] of Object.entries(request.networkingConfig.EndpointsConfig)) networks[network] = this.#endpoint(endpoint, id);
    const primary = mode === 'default' ? 'bridge' : mode;
    if (!mode.startsWith('container:') && networks[primary] === undefined) networks[primary] = this.#endpoint({}, id);
    this.containers.set(id, {
      Id: id,
      Name: `/${request.name}`,
      Image: image.Id,
      Created: new Date(this.#clock.now()).toISOString(),
      State: { Status: 'created', Running: false, Restarting: false, ExitCode: 0, StartedAt: '0001-01-01T00:00:00Z' },
      RestartCount: 0,
      Config: mergeDefaults(request.config, image.Config, id),
      HostConfig: structuredClone(request.hostConfig),
      NetworkSettings: { Networks: networks },
      Mounts: [],
    });
    return id;
  }

  #endpoint(endpoint: EndpointSettings, containerID: string): EndpointSettings {
    return { ...structuredClone(endpoint), Aliases: [...(endpoint.Aliases ?? []), containerID.slice(0, 12)] };
  }

  async connectNetwork(network: string, containerID: string, endpoint: EndpointSettings, _signal: AbortSignal): Promise<void> {
    this.#fault('connectNetwork');
    const container = this.#require(containerID);
    if (!this.networks.has(network)) throw new DockerError('NotFound', `network ${network} not found`);
    const networks = container.NetworkSettings.Networks ?? {};
    if (networks[network] !== undefined) throw new DockerError('EngineError', `endpoint with name ${container.Name} already exists in network ${network}`, { statusCode: 403 });
    networks[network] = this.#endpoint(endpoint, container.Id);
    container.NetworkSettings.Networks = networks;
  }

  async disconnectNetwork(network: string, containerID: string, _signal: AbortSignal): Promise<void> {
    this.#fault('disconnectNetwork');
    const container = this.#require(containerID);
    delete container.NetworkSettings.Networks?.[network];
  }

  async startContainer(id: string, _signal: AbortSignal): Promise<void> {
    this.#fault('startContainer');
    const container = this.#require(id);
    if (container.State.Running) return;
    const mode = typeof container.HostConfig.NetworkMode === 'string' ? container.HostConfig.NetworkMode : '';
    if (mode.startsWith('container:')) {
      const owner = this.#find(mode.slice('container:'.length));
      if (owner === undefined) throw new DockerError('NotFound', `No such container: ${mode.slice(10)}`);
      if (!owner.State.Running) throw new DockerError('Conflict', `cannot join network of a non running container: ${owner.Id}`);
    }
    for (const link of this.#links.get(container.Id) ?? []) {
      if (this.containers.get(link.targetID)?.State.Running !== true) {
        throw new DockerError('EngineError', `Cannot link to a non running container: /${this.#linkTargetName(link)} AS ${container.Name}/${link.alias}`, { statusCode: 500 });
      }
    }
    const now = this.#clock.now();
    container.State = { ...container.State, Running: true, Restarting: false, Status: 'running', StartedAt: new Date(now).toISOString(), Health: null };
    this.#startedAt.set(container.Id, now);
    this.#refresh(container);
  }

  async removeContainer(id: string, options: { removeVolumes: boolean; force: boolean }, _signal: AbortSignal): Promise<void> {
    this.#fault('removeContainer');
    const container = this.#find(id);
    if (container === undefined) return;
    if (container.State.Running && !options.force) throw new DockerError('Conflict', `You cannot remove a running container ${container.Id}`);
    // Links to it keep showing its last name.
    for (const links of this.#links.values()) for (const link of links) if (link.targetID === container.Id) link.lastName = container.Name.slice(1);
    this.#links.delete(container.Id);
    this.containers.delete(container.Id);
    this.#startedAt.delete(container.Id);
  }

  async removeImageIfUnused(imageID: string, _signal: AbortSignal): Promise<ImageRemoval> {
    this.#fault('removeImageIfUnused');
    if (!this.images.has(imageID)) return 'absent';
    if ([...this.containers.values()].some((container) => container.Image === imageID)) return 'inUse';
    this.images.delete(imageID);
    return 'removed';
  }

  async listDependents(containerID: string, _signal: AbortSignal): Promise<DependentSummary[]> {
    this.#fault('listDependents');
    const owner = this.#find(containerID);
    const modes = new Set([`container:${containerID}`, ...(owner === undefined ? [] : [`container:${owner.Name.slice(1)}`])]);
    const summary = (container: ContainerInspect, kind: 'network' | 'link'): DependentSummary =>
      ({ id: container.Id, name: container.Name.slice(1), imageID: container.Image, state: container.State.Status, networkMode: String(container.HostConfig.NetworkMode), kind });
    const all = [...this.containers.values()];
    return [
      ...all.filter((container) => typeof container.HostConfig.NetworkMode === 'string' && modes.has(container.HostConfig.NetworkMode)).map((container) => summary(container, 'network')),
      ...all.filter((container) => owner !== undefined && (this.#links.get(container.Id) ?? []).some((link) => link.targetID === owner.Id)).map((container) => summary(container, 'link')),
    ];
  }

  /** `docker run -d`: creates and starts a container from a local image, returns its ID. */
  async run(name: string, image: string, settings: { config?: ContainerConfig; hostConfig?: Record<string, unknown>; networks?: Record<string, EndpointSettings> } = {}): Promise<string> {
    const signal = AbortSignal.timeout(1000);
    const hostConfig = { NetworkMode: 'default', ...(settings.hostConfig ?? {}) };
    const networks = settings.networks ?? {};
    const [first, ...rest] = Object.entries(networks);
    const id = await this.createContainer(
      { name, config: { ...(settings.config ?? {}), Image: image }, hostConfig: first === undefined ? hostConfig : { ...hostConfig, NetworkMode: first[0] }, networkingConfig: { EndpointsConfig: first === undefined ? {} : { [first[0]]: first[1] } } },
      signal,
    );
    for (const [network, endpoint] of rest) await this.connectNetwork(network, id, endpoint, signal);
    await this.startContainer(id, signal);
    return id;
  }
}
