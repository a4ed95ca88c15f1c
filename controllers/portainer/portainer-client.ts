// Portainer's own API, the two calls the portainer controller needs: GET /api/system/status and GET /api/endpoints
// (with excludeSnapshots=true, so that no engine snapshot is carried, and start/limit paging up to X-Total-Count).
// The transport is the proxy agent of the Docker connections (path prefix, X-API-Key, TLS with CA or pin), so the
// instance and its Hosts trust Portainer the same way. The API key is sent in a header only: it is in no URL, no
// message and no error.
import { request as httpRequest, type Agent, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { proxyAgent, type ProxyTLS } from '../docker/proxy-agent.ts';

/** Portainer endpoint types that are Docker engines (1 Docker API or socket, 2 agent on Docker, 4 Edge on Docker). */
export const DOCKER_ENDPOINT_TYPES: readonly number[] = [1, 2, 4];
/** Endpoints per page: Portainer's lists are cheap without snapshots, and a page bounds one answer's size. */
export const ENDPOINT_PAGE_SIZE = 100;
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface PortainerEndpoint {
  id: number;
  name: string;
  type: number;
  url: string;
  /** Portainer's Status: 1 up, 2 down. */
  status: number;
  edgeAsync: boolean;
}

export type PortainerErrorReason = 'Unauthorized' | 'Unreachable' | 'BadResponse';

export class PortainerError extends Error {
  readonly reason: PortainerErrorReason;

  constructor(reason: PortainerErrorReason, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PortainerError';
    this.reason = reason;
  }
}

export interface PortainerClientOptions {
  /** Portainer's base URL (https://portainer:9443); the API is under /api. */
  url: string;
  apiKey: string;
  tls?: ProxyTLS;
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function endpointFrom(value: unknown): PortainerEndpoint | undefined {
  if (!isRecord(value) || typeof value.Id !== 'number' || typeof value.Type !== 'number') return undefined;
  const edge = isRecord(value.Edge) ? value.Edge : {};
  return {
    id: value.Id,
    name: typeof value.Name === 'string' ? value.Name : String(value.Id),
    type: value.Type,
    url: typeof value.URL === 'string' ? value.URL : '',
    status: typeof value.Status === 'number' ? value.Status : 0,
    edgeAsync: edge.AsyncMode === true,
  };
}

export class PortainerClient {
  readonly #base: URL;
  readonly #agent: Agent;

  constructor(options: PortainerClientOptions) {
    this.#base = new URL(options.url);
    const protocol = this.#base.protocol === 'https:' ? 'https' : 'http';
    this.#agent = proxyAgent(protocol, {
      pathPrefix: this.#base.pathname.replace(/\/$/, ''),
      apiKey: options.apiKey,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    });
  }

  close(): void {
    this.#agent.destroy();
  }

  /** GET /api/system/status: Portainer's version. */
  async version(signal: AbortSignal): Promise<string> {
    const answer = await this.#get('/api/system/status', signal, 'read the system status');
    return isRecord(answer.body) && typeof answer.body.Version === 'string' ? answer.body.Version : '';
  }

  /** Every endpoint, page by page. */
  async endpoints(signal: AbortSignal): Promise<PortainerEndpoint[]> {
    const all: PortainerEndpoint[] = [];
    for (let start = 0; ; start += ENDPOINT_PAGE_SIZE) {
      const answer = await this.#get(`/api/endpoints?excludeSnapshots=true&start=${start}&limit=${ENDPOINT_PAGE_SIZE}`, signal, 'list endpoints');
      if (!Array.isArray(answer.body)) throw new PortainerError('BadResponse', 'Portainer answered the endpoint list with something other than a list');
      for (const item of answer.body) {
        const endpoint = endpointFrom(item);
        if (endpoint !== undefined) all.push(endpoint);
      }
      const total = Number(answer.headers['x-total-count']);
      // Without the header (older Portainer), a short page is the last one.
      const done = Number.isFinite(total) ? start + ENDPOINT_PAGE_SIZE >= total : answer.body.length < ENDPOINT_PAGE_SIZE;
      if (done || answer.body.length === 0) return all;
    }
  }

  async #get(path: string, signal: AbortSignal, what: string): Promise<Answer> {
    const answer = await this.#request(path, signal, what);
    if (answer.status === 401 || answer.status === 403) {
      const detail = isRecord(answer.body) && typeof answer.body.message === 'string' ? `: ${answer.body.message}` : '';
      throw new PortainerError('Unauthorized', `Portainer refused the API key (HTTP ${answer.status}${detail}) to ${what}`);
    }
    if (answer.status < 200 || answer.status > 299) {
      const detail = isRecord(answer.body) && typeof answer.body.message === 'string' ? `: ${answer.body.message}` : '';
      throw new PortainerError(answer.status >= 500 ? 'Unreachable' : 'BadResponse', `Portainer answered HTTP ${answer.status}${detail} to ${what}`);
    }
    return answer;
  }

  #request(path: string, signal: AbortSignal, what: string): Promise<Answer> {
    const request = this.#base.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const fail = (error: unknown): void => {
        const message = error instanceof Error ? error.message : String(error);
        reject(new PortainerError('Unreachable', `cannot ${what} at ${this.#base.origin}: ${message}`, { cause: error }));
      };
      const outgoing = request({
        host: this.#base.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: this.#base.port === '' ? undefined : Number(this.#base.port),
        path,
        method: 'GET',
        agent: this.#agent,
        headers: { Accept: 'application/json' },
        signal,
      }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) response.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(chunk);
        });
        response.on('error', fail);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
        });
      });
      outgoing.on('error', fail);
      outgoing.end();
    });
  }
}
