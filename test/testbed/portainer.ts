// A contract stand-in for a Portainer server (no Portainer can run here: TESTBED.md, swarm-cluster-portainer.md §5),
// on 127.0.0.1, built only from what Portainer documents and does:
// - ../shared/reference/portainer-api-access.txt: the X-API-Key header, and errors as {"message","details"};
// - ../shared/reference/portainer-api-overview.txt and -examples.txt: /api/endpoints/{id}/docker/… is a reverse proxy
//   to the environment's Docker API, request and response identical to Docker's;
// - swarm-cluster-portainer.md §4 (Portainer 2.23 source): the endpoint object's fields, Type 1/2/4 (Docker) and
//   3/5/6/7 (others), Status 1 up / 2 down, GET /api/endpoints with start, limit, excludeSnapshots and the
//   X-Total-Count / X-Total-Available headers, GET /api/system/status (public; /api/status its deprecated alias);
// - api/http/handler/endpointproxy/proxy_docker.go (portainer/portainer): the proxy strips /{id}/docker and hands
//   the rest to the environment's proxy; an Edge endpoint without an agent answers 500 "No Edge agent registered".
//   When the environment's engine does not answer, Go's ReverseProxy answers 502 Bad Gateway: that is what a down
//   endpoint (Status 2) answers here, and its open streams (events) are cut, as the engine's going away would.
// Hijacked calls (attach, exec with Upgrade) are not proxied: Vigil makes none.
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { DockerEngine } from './docker.ts';

/** Portainer's endpoint types (portainer.EndpointType). */
export const ENDPOINT_TYPE = { docker: 1, agentOnDocker: 2, azure: 3, edgeAgentOnDocker: 4, kubernetesLocal: 5, agentOnKubernetes: 6, edgeAgentOnKubernetes: 7 } as const;

export interface StandInEndpoint {
  id: number;
  name: string;
  type: number;
  /** The engine this endpoint's Docker proxy reaches; absent for non-Docker types. */
  engine?: DockerEngine;
  /** 1 up (default), 2 down. */
  status?: 1 | 2;
  /** Edge only: an async Edge agent, which Portainer cannot proxy to. */
  edgeAsync?: boolean;
}

export interface PortainerStandInOptions {
  apiKey: string;
  endpoints: StandInEndpoint[];
  /** Serve HTTPS with this certificate (PEM). */
  tls?: { cert: string; key: string };
}

export interface ProxiedCall {
  endpointId: number;
  method: string;
  path: string;
  status: number;
}

export interface PortainerStandIn {
  /** http(s)://127.0.0.1:PORT */
  readonly url: string;
  /** Every request to /api/endpoints (the list), to check paging and the snapshot toggle. */
  readonly listCalls: URLSearchParams[];
  /** Every Docker proxy call with its answer's status. */
  readonly proxied: ProxiedCall[];
  /** Requests refused for their API key. */
  readonly unauthorized: number;
  setStatus(endpointId: number, status: 1 | 2): void;
  close(): Promise<void>;
}

const VERSION = '2.23.0';
const INSTANCE_ID = '5b6b7c5e-0000-4000-8000-000000000001';

function sendJSON(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** libhttp's error shape: a human message and the error's text. */
function sendError(response: ServerResponse, status: number, message: string, details: string): void {
  sendJSON(response, status, { message, details });
}

function endpointObject(endpoint: StandInEndpoint, withSnapshots: boolean): Record<string, unknown> {
  const edge = endpoint.type === ENDPOINT_TYPE.edgeAgentOnDocker || endpoint.type === ENDPOINT_TYPE.edgeAgentOnKubernetes;
  const docker = endpoint.type === 1 || endpoint.type === 2 || endpoint.type === 4;
  return {
    Id: endpoint.id,
    Name: endpoint.name,
    Type: endpoint.type,
    URL: endpoint.type === ENDPOINT_TYPE.docker ? 'unix:///var/run/docker.sock' : edge ? '' : `tcp://10.0.7.${endpoint.id}:9001`,
    PublicURL: '',
    GroupId: 1,
    Status: endpoint.status ?? 1,
    TagIds: [],
    EdgeID: edge ? `edge-${endpoint.id}` : '',
    EdgeKey: '',
    EdgeCheckinInterval: edge ? 5 : 0,
    LastCheckInDate: edge ? Math.floor(Date.now() / 1000) : 0,
    Heartbeat: edge ? (endpoint.status ?? 1) === 1 : false,
    UserTrusted: true,
    Edge: { AsyncMode: endpoint.edgeAsync === true, PingInterval: 0, SnapshotInterval: 0, CommandInterval: 0 },
    Agent: { Version: endpoint.type === 1 ? '' : VERSION },
    ContainerEngine: docker ? 'docker' : '',
    TLSConfig: { TLS: false, TLSSkipVerify: false },
    // A snapshot carries the whole engine state (DockerSnapshotRaw): the reason to ask with excludeSnapshots=true.
    Snapshots: withSnapshots && docker ? [{ Time: Math.floor(Date.now() / 1000), DockerVersion: '20.10.24', DockerSnapshotRaw: { Containers: [], Info: {} } }] : [],
  };
}

function listEndpoints(endpoints: StandInEndpoint[], query: URLSearchParams, response: ServerResponse): void {
  const start = Number(query.get('start') ?? '0');
  const limit = Number(query.get('limit') ?? '0');
  const types = query.getAll('types').map(Number);
  const filtered = endpoints.filter((endpoint) => types.length === 0 || types.includes(endpoint.type)).sort((a, b) => a.id - b.id);
  // Portainer: limit 0 means all; start is an offset into the filtered, sorted list.
  const page = filtered.slice(start, limit > 0 ? start + limit : undefined);
  const withSnapshots = query.get('excludeSnapshots') !== 'true';
  sendJSON(response, 200, page.map((endpoint) => endpointObject(endpoint, withSnapshots)), {
    'X-Total-Count': String(filtered.length),
    'X-Total-Available': String(endpoints.length),
  });
}

export async function startPortainerStandIn(options: PortainerStandInOptions): Promise<PortainerStandIn> {
  const endpoints = options.endpoints.map((endpoint) => ({ ...endpoint }));
  const listCalls: URLSearchParams[] = [];
  const proxied: ProxiedCall[] = [];
  const streams = new Map<number, Set<ServerResponse>>();
  let unauthorized = 0;

  function proxy(endpoint: StandInEndpoint, path: string, request: IncomingMessage, response: ServerResponse): void {
    const record = (status: number): void => { proxied.push({ endpointId: endpoint.id, method: request.method ?? 'GET', path, status }); };
    if (endpoint.type === ENDPOINT_TYPE.edgeAgentOnDocker && endpoint.edgeAsync === true) {
      record(500);
      sendError(response, 500, 'No Edge agent registered with the environment', 'No agent available');
      return;
    }
    if (endpoint.engine === undefined || (endpoint.status ?? 1) === 2) {
      record(502);
      response.writeHead(502).end();
      return;
    }
    const headers = { ...request.headers };
    delete headers['x-api-key'];
    delete headers.host;
    const upstream = httpRequest({ socketPath: endpoint.engine.socketPath, path, method: request.method, headers }, (answer) => {
      record(answer.statusCode ?? 502);
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      const open = streams.get(endpoint.id) ?? new Set<ServerResponse>();
      streams.set(endpoint.id, open.add(response));
      response.on('close', () => { open.delete(response); answer.destroy(); });
      answer.pipe(response);
    });
    upstream.on('error', () => {
      if (response.headersSent) response.destroy();
      else { record(502); response.writeHead(502).end(); }
    });
    request.on('aborted', () => upstream.destroy());
    request.pipe(upstream);
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://portainer');
    if (request.method === 'GET' && (url.pathname === '/api/system/status' || url.pathname === '/api/status')) {
      sendJSON(response, 200, { Version: VERSION, InstanceID: INSTANCE_ID });
      return;
    }
    if (!url.pathname.startsWith('/api/')) {
      sendError(response, 404, 'Not found', 'Not found');
      return;
    }
    const key = request.headers['x-api-key'];
    if (key === undefined || key === '') {
      unauthorized += 1;
      sendError(response, 401, 'A valid authorisation token is missing', 'Unauthorized');
      return;
    }
    if (key !== options.apiKey) {
      unauthorized += 1;
      sendError(response, 401, 'Invalid API key', 'Unauthorized');
      return;
    }
    if (request.method === 'GET' && url.pathname === '/api/endpoints') {
      listCalls.push(url.searchParams);
      listEndpoints(endpoints, url.searchParams, response);
      return;
    }
    const match = /^\/api\/endpoints\/(\d+)\/docker(\/.*)$/.exec(url.pathname);
    if (match !== null && match[1] !== undefined && match[2] !== undefined) {
      const endpoint = endpoints.find((candidate) => candidate.id === Number(match[1]));
      if (endpoint === undefined) {
        sendError(response, 404, 'Unable to find an environment with the specified identifier inside the database', 'Object not found inside the database');
        return;
      }
      proxy(endpoint, `${match[2]}${url.search}`, request, response);
      return;
    }
    sendError(response, 404, 'Not found', 'Not found');
  }

  const server: Server = options.tls === undefined ? createHttpServer(handle) : createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    listCalls,
    proxied,
    get unauthorized() { return unauthorized; },
    setStatus(endpointId, status) {
      const endpoint = endpoints.find((candidate) => candidate.id === endpointId);
      if (endpoint === undefined) throw new Error(`no endpoint ${endpointId}`);
      endpoint.status = status;
      // The engine going away ends its streams too.
      if (status === 2) for (const open of streams.get(endpointId) ?? []) open.destroy();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
