// UpdateDocker over dockerode. Requests go through dockerode's modem (connection over a unix socket, TCP or TLS,
// X-Registry-Auth encoding, stream demultiplexing) with one small request helper instead of dockerode's per-method
// wrappers: those report "already stopped/started" (304) as errors and send create's Config both as query and body,
// and this code needs one uniform rule for status codes, errors and AbortSignals. It shares the modem (and so the
// keep-alive connections) of the Host session's DockerClient: one connection pool per engine, two concerns on it
// (discovery and lifecycle in DockerClient, the update's calls here), one error type (DockerError with a code).
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { IncomingMessage } from 'node:http';
import type DockerModem from 'docker-modem';
import { isObject } from '../../../schemas/json.ts';
import { DockerError, isDockerError, type DockerClient } from '../../../domain/docker/client.ts';
import { DockerodeClient } from '../../docker/dockerode-client.ts';
import type { DockerEndpoint } from '../../docker/endpoint.ts';
import { toDockerError } from '../../docker/errors.ts';
import { parseContainerInspect, parseImageInspect, type ContainerSummary, type CreateContainerRequest, type EndpointSettings } from './types.ts';
import type { DependentSummary, ExecResult, ImageRemoval, RegistryAuth, UpdateDocker } from './update-docker.ts';

const OUTPUT_LIMIT = 4096;

export interface DockerodeUpdateDockerOptions {
  /** The modem of a DockerodeClient (it carries the endpoint, TLS and keep-alive agent). */
  modem: DockerModem;
  /** Names the engine in error messages. */
  endpoint: string;
}

interface Request {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean>;
  body?: unknown;
  /** Status codes that mean success besides 2xx, e.g. 304 for "already stopped". */
  alsoFine?: number[];
  authconfig?: RegistryAuth;
  stream?: boolean;
}

/** A reference with an explicit tag: Docker pulls EVERY tag of a repository when given none. */
export function withDefaultTag(reference: string): string {
  if (reference.includes('@')) return reference;
  const lastSegment = reference.slice(reference.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? reference : `${reference}:latest`;
}

function path(template: string, ...parts: string[]): string {
  let index = 0;
  return template.replace(/\{\}/g, () => encodeURIComponent(parts[index++] ?? ''));
}

export class DockerodeUpdateDocker implements UpdateDocker {
  readonly #modem: DockerModem;
  readonly #endpoint: string;

  constructor(options: DockerodeUpdateDockerOptions) {
    this.#modem = options.modem;
    this.#endpoint = options.endpoint;
  }

  /** One HTTP request to the engine; resolves with the parsed JSON (or the response stream), rejects with a DockerError. */
  #request(request: Request, what: string, signal: AbortSignal): Promise<unknown> {
    const statusCodes: DockerModem.StatusCodes = { 200: true, 201: true, 204: true };
    for (const code of request.alsoFine ?? []) statusCodes[code] = true;
    const hasQuery = request.query !== undefined && Object.keys(request.query).length > 0;
    const options: DockerModem.DialOptions = {
      path: hasQuery ? `${request.path}?` : request.path,
      method: request.method,
      statusCodes,
      abortSignal: signal,
      isStream: request.stream === true,
      allowEmpty: true,
      options: { _query: request.query ?? {}, _body: request.body ?? {} },
    };
    if (request.authconfig !== undefined) options.authconfig = request.authconfig;
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      this.#modem.dial(options, (error: unknown, data: unknown) => {
        if (error !== null && error !== undefined) reject(toDockerError(error, `${what} on ${this.#endpoint}`, signal));
        else resolve(data);
      });
    });
  }

  /** Like #request, but a 404 resolves to undefined. */
  async #requestOrAbsent(request: Request, what: string, signal: AbortSignal): Promise<unknown> {
    try {
      return await this.#request(request, what, signal);
    } catch (error) {
      if (isDockerError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  async inspectContainer(idOrName: string, signal: AbortSignal) {
    const what = `inspect container ${idOrName}`;
    const data = await this.#requestOrAbsent({ method: 'GET', path: path('/containers/{}/json', idOrName) }, what, signal);
    return data === undefined ? undefined : parseContainerInspect(data, idOrName);
  }

  async inspectImage(reference: string, signal: AbortSignal) {
    const data = await this.#requestOrAbsent({ method: 'GET', path: path('/images/{}/json', reference) }, `inspect image ${reference}`, signal);
    return data === undefined ? undefined : parseImageInspect(data, reference);
  }

  async pullImage(reference: string, auth: RegistryAuth | undefined, signal: AbortSignal): Promise<void> {
    const what = `pull ${reference}`;
    const request: Request = { method: 'POST', path: '/images/create', query: { fromImage: withDefaultTag(reference) }, stream: true };
    if (auth !== undefined) request.authconfig = auth;
    const stream = (await this.#request(request, what, signal)) as IncomingMessage;
    // The engine reports a failed pull inside a 200 response, as a progress line with `error`.
    let failure: string | undefined;
    let pending = '';
    const take = (line: string): void => {
      if (line.trim() === '') return;
      try {
        const event: unknown = JSON.parse(line);
        if (isObject(event) && typeof event.error === 'string') failure = event.error;
      } catch {
        // A progress line that is not JSON carries nothing we act on.
      }
    };
    try {
      for await (const chunk of stream) {
        pending += String(chunk);
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        lines.forEach(take);
      }
      take(pending);
    } catch (error) {
      throw toDockerError(error, `${what} on ${this.#endpoint}`, signal);
    }
    if (failure !== undefined) throw new DockerError('EngineError', `${what}: ${failure}`);
  }

  async tagImage(imageID: string, repository: string, tag: string, signal: AbortSignal): Promise<void> {
    await this.#request({ method: 'POST', path: path('/images/{}/tag', imageID), query: { repo: repository, tag } }, `tag ${imageID} as ${repository}:${tag}`, signal);
  }

  async exec(containerID: string, command: string[], timeoutMs: number, signal: AbortSignal): Promise<ExecResult> {
    const what = `exec in ${containerID}`;
    const created = await this.#request(
      { method: 'POST', path: path('/containers/{}/exec', containerID), body: { Cmd: command, AttachStdout: true, AttachStderr: true } },
      what,
      signal,
    );
    if (!isObject(created) || typeof created.Id !== 'string') throw new DockerError('Protocol', `${what}: no exec ID in the answer`);
    const execID = created.Id;
    let output = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
        done();
      },
    });
    const deadline = AbortSignal.timeout(timeoutMs);
    const bounded = AbortSignal.any([signal, deadline]);
    let timedOut = false;
    try {
      const stream = (await this.#request(
        { method: 'POST', path: path('/exec/{}/start', execID), body: { Detach: false, Tty: false }, stream: true },
        what,
        bounded,
      )) as IncomingMessage;
      this.#modem.demuxStream(stream, sink, sink);
      await finished(stream, { signal: bounded });
    } catch (error) {
      if (signal.aborted) throw error;
      if (!deadline.aborted) throw error;
      timedOut = true;
    }
    if (timedOut) return { exitCode: undefined, timedOut: true, output };
    // The stream ends when the process does; the exit code is set a moment later.
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const inspected = await this.#request({ method: 'GET', path: path('/exec/{}/json', execID) }, what, signal);
      if (isObject(inspected) && inspected.Running === false && typeof inspected.ExitCode === 'number') {
        return { exitCode: inspected.ExitCode, timedOut: false, output };
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new DockerError('Protocol', `${what}: the exec ended but reports no exit code`);
  }

  async stopContainer(id: string, signal: AbortSignal): Promise<void> {
    // No `t`: the engine then uses the container's own StopTimeout, and it always sends the container's StopSignal.
    await this.#requestOrAbsent({ method: 'POST', path: path('/containers/{}/stop', id), alsoFine: [304] }, `stop ${id}`, signal);
  }

  async renameContainer(id: string, newName: string, signal: AbortSignal): Promise<void> {
    await this.#request({ method: 'POST', path: path('/containers/{}/rename', id), query: { name: newName } }, `rename ${id} to ${newName}`, signal);
  }

  async createContainer(request: CreateContainerRequest, signal: AbortSignal): Promise<string> {
    const body = { ...request.config, HostConfig: request.hostConfig, NetworkingConfig: request.networkingConfig };
    const data = await this.#request({ method: 'POST', path: '/containers/create', query: { name: request.name }, body }, `create ${request.name}`, signal);
    if (!isObject(data) || typeof data.Id !== 'string') throw new DockerError('Protocol', `create ${request.name}: no ID in the answer`);
    return data.Id;
  }

  async connectNetwork(network: string, containerID: string, endpoint: EndpointSettings, signal: AbortSignal): Promise<void> {
    const body = { Container: containerID, EndpointConfig: endpoint };
    await this.#request({ method: 'POST', path: path('/networks/{}/connect', network), body }, `connect ${containerID} to ${network}`, signal);
  }

  async disconnectNetwork(network: string, containerID: string, signal: AbortSignal): Promise<void> {
    const body = { Container: containerID, Force: false };
    await this.#request({ method: 'POST', path: path('/networks/{}/disconnect', network), body }, `disconnect ${containerID} from ${network}`, signal);
  }

  async startContainer(id: string, signal: AbortSignal): Promise<void> {
    await this.#request({ method: 'POST', path: path('/containers/{}/start', id), alsoFine: [304] }, `start ${id}`, signal);
  }

  async removeContainer(id: string, options: { removeVolumes: boolean; force: boolean }, signal: AbortSignal): Promise<void> {
    const query = { v: options.removeVolumes, force: options.force };
    await this.#requestOrAbsent({ method: 'DELETE', path: path('/containers/{}', id), query }, `remove ${id}`, signal);
  }

  async removeImageIfUnused(imageID: string, signal: AbortSignal): Promise<ImageRemoval> {
    // `force` only to drop every tag of the image at once; "unused" is checked here first, because a forced removal
    // would also untag an image a stopped container still runs.
    const containers = await this.#listContainers(signal);
    if (containers.some((container) => container.imageID === imageID)) return 'inUse';
    try {
      const removed = await this.#requestOrAbsent(
        { method: 'DELETE', path: path('/images/{}', imageID), query: { force: true, noprune: false } },
        `remove image ${imageID}`,
        signal,
      );
      return removed === undefined ? 'absent' : 'removed';
    } catch (error) {
      // 409: a container was created from it meanwhile, or another image builds on it.
      if (isDockerError(error, 'Conflict')) return 'inUse';
      throw error;
    }
  }

  async #listContainers(signal: AbortSignal): Promise<Array<ContainerSummary & { names: string[] }>> {
    const data = await this.#request({ method: 'GET', path: '/containers/json', query: { all: true } }, 'list containers', signal);
    if (!Array.isArray(data)) throw new DockerError('Protocol', 'list containers: not a list');
    return data.filter(isObject).map((row) => {
      const names = Array.isArray(row.Names) ? row.Names.filter((name): name is string => typeof name === 'string') : [];
      const hostConfig = isObject(row.HostConfig) ? row.HostConfig : {};
      return {
        id: typeof row.Id === 'string' ? row.Id : '',
        // Names holds link aliases too (/other/alias); the container's own name has a single slash.
        name: (names.find((name) => name.lastIndexOf('/') === 0) ?? names[0] ?? '').replace(/^\//, ''),
        names,
        imageID: typeof row.ImageID === 'string' ? row.ImageID : '',
        state: typeof row.State === 'string' ? row.State : '',
        networkMode: typeof hostConfig.NetworkMode === 'string' ? hostConfig.NetworkMode : '',
      };
    });
  }

  async listDependents(containerID: string, signal: AbortSignal): Promise<DependentSummary[]> {
    const containers = await this.#listContainers(signal);
    const owner = containers.find((container) => container.id === containerID);
    const modes = new Set([`container:${containerID}`, ...(owner === undefined ? [] : [`container:${owner.name}`])]);
    // A container another one links to lists `/LINKER/ALIAS` among its names.
    const linkers = new Set((owner?.names ?? []).filter((name) => name.lastIndexOf('/') > 0).map((name) => name.split('/')[1] ?? ''));
    const summary = ({ names: _names, ...container }: ContainerSummary & { names: string[] }, kind: DependentSummary['kind']): DependentSummary => ({ ...container, kind });
    return [
      ...containers.filter((container) => modes.has(container.networkMode)).map((container) => summary(container, 'network')),
      ...containers.filter((container) => linkers.has(container.name)).map((container) => summary(container, 'link')),
    ];
  }
}

const updateDockers = new WeakMap<DockerClient, UpdateDocker>();

/**
 * The update calls over the same connection as a Host session's client (one per client, made on first use), or
 * undefined for a client that is not the dockerode one (tests give the update controller their own fake).
 */
export function updateDockerFor(client: DockerClient): UpdateDocker | undefined {
  if (!(client instanceof DockerodeClient)) return undefined;
  let docker = updateDockers.get(client);
  if (docker === undefined) {
    docker = new DockerodeUpdateDocker({ modem: client.modem, endpoint: client.endpoint });
    updateDockers.set(client, docker);
  }
  return docker;
}

/** A connection of its own to `endpoint` (tools, tests, benchmarks); `close` ends it. */
export function connectUpdateDocker(endpoint: DockerEndpoint): { docker: UpdateDocker; close(): void } {
  const client = new DockerodeClient(endpoint);
  return { docker: new DockerodeUpdateDocker({ modem: client.modem, endpoint: client.endpoint }), close: () => client.close() };
}
