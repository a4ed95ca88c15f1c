// The DockerClient over dockerode, for unix://, tcp:// and tcp:// with TLS. Every call goes through dockerode's
// modem (`dial`) rather than dockerode's per-object methods: those are thin wrappers around the same call, but some
// drop the abort signal (image inspect) and the log call parses a body that happens to be valid JSON into an object.
// One `request` helper gives every call the same signal handling and the same mapping of failures to DockerErrors.
import { createInterface } from 'node:readline';
import { addAbortSignal, type Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import Dockerode from 'dockerode';
import type DockerModem from 'docker-modem';
import {
  CONTAINER_EVENT_ACTIONS,
  DockerError,
  checkTailLines,
  type CallOptions,
  type ContainerEvent,
  type DockerClient,
  type DockerContainerInspect,
  type DockerImageInspect,
  type EngineInfo,
  type EventStreamOptions,
  type LogLine,
  type LogOptions,
  type StopOptions,
  type ContainerSummary,
  type ImagePruneResult,
  type ImageSummary,
  type RemoveImageOptions,
} from '../../domain/docker/client.ts';
import { modemOptions, type DockerEndpoint } from './endpoint.ts';
import { demultiplexLogs, splitRawLogs } from './log-frames.ts';
import { containerEventFrom, containerInspectFrom, engineInfoFrom, imageInspectFrom, isSwarmManagerInfo, imagePruneFrom, imageSummariesFrom, isRecord, summariesFrom } from './responses.ts';
import { toDockerError } from './errors.ts';

interface Request {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean>;
  /** Statuses that are success besides 2xx (e.g. 304 "already started"). */
  alsoOk?: number[];
  signal: AbortSignal;
  /** Describes the call in error messages: "inspect container web". */
  what: string;
}

const OK_STATUSES = [200, 201, 204];

/** The events Vigil follows, filtered by the engine (health_status is matched as a prefix there too). */
const EVENT_FILTERS = JSON.stringify({ type: ['container'], event: [...CONTAINER_EVENT_ACTIONS] });

export class DockerodeClient implements DockerClient {
  readonly endpoint: string;
  /**
   * The connection (endpoint, TLS, keep-alive agent), shared with the update's Docker calls (updateDockerFor in
   * controllers/update/docker/dockerode-update-docker.ts), so that one engine has one connection pool.
   */
  readonly modem: DockerModem;
  readonly #closeAgent: () => void;

  constructor(endpoint: DockerEndpoint) {
    const options = modemOptions(endpoint);
    this.endpoint = endpoint.url;
    this.modem = new Dockerode(options).modem;
    this.#closeAgent = () => options.agent.destroy();
  }

  async engineInfo(options: CallOptions): Promise<EngineInfo> {
    const [info, version] = await Promise.all([
      this.#json({ method: 'GET', path: '/info', signal: options.signal, what: 'read engine info' }),
      this.#json({ method: 'GET', path: '/version', signal: options.signal, what: 'read engine version' }),
    ]);
    // A manager also says how many managers are reachable. A manager without quorum answers 503 here: the engine
    // facts still count, without the figure.
    const nodes = isSwarmManagerInfo(info)
      ? await this.#json({ method: 'GET', path: '/nodes', signal: options.signal, what: 'list swarm nodes' }).catch((error: unknown) => {
        if (error instanceof DockerError && error.code !== 'Aborted') return undefined;
        throw error;
      })
      : undefined;
    return engineInfoFrom(info, version, nodes);
  }

  async listContainers(options: CallOptions): Promise<ContainerSummary[]> {
    return summariesFrom(await this.#json({ method: 'GET', path: '/containers/json', query: { all: true }, signal: options.signal, what: 'list containers' }));
  }

  async inspectContainer(idOrName: string, options: CallOptions): Promise<DockerContainerInspect> {
    const path = `/containers/${encodeURIComponent(idOrName)}/json`;
    return containerInspectFrom(await this.#json({ method: 'GET', path, signal: options.signal, what: `inspect container ${idOrName}` }));
  }

  async inspectImage(reference: string, options: CallOptions): Promise<DockerImageInspect> {
    // The engine takes slashes and the tag literally in this path segment (`/images/team/app:1/json`).
    const path = `/images/${reference.split('/').map(encodeURIComponent).join('/')}/json`;
    return imageInspectFrom(await this.#json({ method: 'GET', path, signal: options.signal, what: `inspect image ${reference}` }));
  }

  async *containerEvents(options: EventStreamOptions): AsyncIterable<ContainerEvent> {
    const query = { filters: EVENT_FILTERS, ...(options.since === undefined ? {} : { since: options.since }) };
    const response = await this.#stream({ method: 'GET', path: '/events', query, signal: options.signal, what: 'follow events' });
    const lines = createInterface({ input: response, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (line.trim() === '') continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch (error) {
          throw new DockerError('Protocol', `the engine at ${this.endpoint} sent an event that is not JSON`, { cause: error });
        }
        const event = containerEventFrom(parsed);
        if (event !== undefined) yield event;
      }
    } catch (error) {
      if (options.signal.aborted) return;
      throw toDockerError(error, `follow events on ${this.endpoint}`);
    } finally {
      lines.close();
      response.destroy();
    }
  }

  async startContainer(idOrName: string, options: CallOptions): Promise<void> {
    const path = `/containers/${encodeURIComponent(idOrName)}/start`;
    await this.#json({ method: 'POST', path, alsoOk: [304], signal: options.signal, what: `start container ${idOrName}` });
  }

  async stopContainer(idOrName: string, options: StopOptions): Promise<void> {
    const path = `/containers/${encodeURIComponent(idOrName)}/stop`;
    const query = options.timeoutSeconds === undefined ? undefined : { t: options.timeoutSeconds };
    await this.#json({ method: 'POST', path, ...(query === undefined ? {} : { query }), alsoOk: [304], signal: options.signal, what: `stop container ${idOrName}` });
  }

  async restartContainer(idOrName: string, options: StopOptions): Promise<void> {
    const path = `/containers/${encodeURIComponent(idOrName)}/restart`;
    const query = options.timeoutSeconds === undefined ? undefined : { t: options.timeoutSeconds };
    await this.#json({ method: 'POST', path, ...(query === undefined ? {} : { query }), signal: options.signal, what: `restart container ${idOrName}` });
  }

  async containerLogs(idOrName: string, options: LogOptions): Promise<LogLine[]> {
    checkTailLines(options.tailLines);
    // The body is framed unless the container has a TTY; API 1.41 does not say which in a header, the inspect does.
    const inspect = await this.inspectContainer(idOrName, options);
    const response = await this.#stream({
      method: 'GET',
      path: `/containers/${encodeURIComponent(inspect.Id)}/logs`,
      query: { stdout: true, stderr: true, tail: options.tailLines, follow: false },
      signal: options.signal,
      what: `read logs of container ${idOrName}`,
    });
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of response) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    } catch (error) {
      throw toDockerError(error, `read logs of container ${idOrName} on ${this.endpoint}`, options.signal);
    }
    const body = Buffer.concat(chunks);
    const lines = inspect.Config?.Tty === true ? splitRawLogs(body) : demultiplexLogs(body);
    return lines.slice(-options.tailLines);
  }

  async listImages(options: CallOptions): Promise<ImageSummary[]> {
    return imageSummariesFrom(await this.#json({ method: 'GET', path: '/images/json', signal: options.signal, what: 'list images' }));
  }

  async removeImage(idOrReference: string, options: RemoveImageOptions): Promise<void> {
    const path = `/images/${idOrReference.split('/').map(encodeURIComponent).join('/')}`;
    await this.#json({ method: 'DELETE', path, query: { force: options.force === true, noprune: false }, signal: options.signal, what: `remove image ${idOrReference}` });
  }

  async pruneImages(options: CallOptions): Promise<ImagePruneResult> {
    const query = { filters: JSON.stringify({ dangling: ['true'] }) };
    return imagePruneFrom(await this.#json({ method: 'POST', path: '/images/prune', query, signal: options.signal, what: 'prune dangling images' }));
  }

  close(): void {
    this.#closeAgent();
  }

  /** A call whose answer is JSON (or empty). */
  async #json(request: Request): Promise<unknown> {
    const result = await this.#dial(request, false);
    if (Buffer.isBuffer(result)) return result.length === 0 ? undefined : result.toString('utf8');
    return result;
  }

  /** A call whose answer is read as a stream; the stream fails with AbortError when the signal aborts. */
  async #stream(request: Request): Promise<Readable> {
    const result = await this.#dial(request, true);
    if (!isReadable(result)) throw new DockerError('Protocol', `${request.what} on ${this.endpoint}: no response stream`);
    return addAbortSignal(request.signal, result);
  }

  #dial(request: Request, isStream: boolean): Promise<unknown> {
    const { signal } = request;
    if (signal.aborted) return Promise.reject(new DockerError('Aborted', `${request.what} on ${this.endpoint}: aborted`));
    const statusCodes: DockerModem.StatusCodes = {};
    for (const status of [...OK_STATUSES, ...(request.alsoOk ?? [])]) statusCodes[status] = true;
    for (const [status, reason] of [[304, 'not modified'], [400, 'bad request'], [404, 'not found'], [409, 'conflict'], [500, 'server error'], [503, 'unavailable']] as const) {
      statusCodes[status] ??= reason;
    }
    return new Promise((resolve, reject) => {
      this.modem.dial(
        {
          // A "?" tells the modem to append the query string.
          path: `${request.path}?`,
          method: request.method,
          options: { ...request.query },
          isStream,
          statusCodes,
          abortSignal: signal,
        },
        (error, result) => {
          if (error !== null) reject(toDockerError(error, `${request.what} on ${this.endpoint}`, signal));
          else resolve(result);
        },
      );
    });
  }
}

function isReadable(value: unknown): value is IncomingMessage {
  return isRecord(value) && typeof (value as { pipe?: unknown }).pipe === 'function' && typeof (value as { on?: unknown }).on === 'function';
}

export function createDockerClient(endpoint: DockerEndpoint): DockerClient {
  return new DockerodeClient(endpoint);
}
