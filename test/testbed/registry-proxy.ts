// A proxy in front of a test registry, on its own 127.0.0.1 port (plain HTTP), that behaves like the registries the
// tests cannot reach: it adds rate-limit headers (Docker Hub's `RateLimit-*: N;w=S` or GitHub's `X-RateLimit-*`) and
// answers 429 with Retry-After once the budget is spent, and it can answer the next requests with garbage (an HTML
// page, bad JSON, a wrong content type, a truncated body, a reset connection, no answer at all, any status).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Agent, request } from 'undici';

export interface RateLimitPolicy {
  limit: number;
  remaining: number;
  windowSeconds: number;
  style: 'docker' | 'github';
  /** Retry-After (seconds) on a 429; absent = no Retry-After header. */
  retryAfterSeconds?: number;
  /** Count only requests matching this (default: every request). */
  counts?: (method: string, path: string) => boolean;
}

export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'html' }
  | { kind: 'bad-json' }
  | { kind: 'wrong-content-type' }
  | { kind: 'truncated' }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'strip-header'; header: string };

export interface RegistryProxy {
  readonly server: string;
  readonly url: string;
  /** Requests received, by method and path. */
  readonly requests: ReadonlyArray<{ method: string; path: string }>;
  setRateLimit(policy: RateLimitPolicy | undefined): void;
  /**
   * Pages tag lists as Docker Hub and distribution 3 do (distribution 2.8 ignores `n`): sorted, `n` and `last`
   * honoured, a `Link: <…>; rel="next"` header while more follow (style link) or no header at all (style last).
   */
  paginateTags(style: 'link' | 'last' | undefined): void;
  /** The next `times` requests whose path matches `path` get `fault` instead of (or on top of) the registry's answer. */
  inject(fault: Fault, options?: { path?: RegExp; times?: number }): void;
  stop(): Promise<void>;
}

interface Injection {
  fault: Fault;
  path: RegExp | undefined;
  remaining: number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

export async function startRegistryProxy(upstream: string): Promise<RegistryProxy> {
  const dispatcher = new Agent();
  const requests: Array<{ method: string; path: string }> = [];
  const injections: Injection[] = [];
  const sockets = new Set<Socket>();
  let policy: RateLimitPolicy | undefined;

  const rateLimitHeaders = (): Record<string, string> => {
    if (policy === undefined) return {};
    if (policy.style === 'docker') {
      return { 'ratelimit-limit': `${policy.limit};w=${policy.windowSeconds}`, 'ratelimit-remaining': `${policy.remaining};w=${policy.windowSeconds}` };
    }
    return { 'x-ratelimit-limit': String(policy.limit), 'x-ratelimit-remaining': String(policy.remaining), 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + policy.windowSeconds) };
  };

  const takeInjection = (path: string): Fault | undefined => {
    const index = injections.findIndex((injection) => injection.path === undefined || injection.path.test(path));
    const injection = injections[index];
    if (injection === undefined) return undefined;
    injection.remaining -= 1;
    if (injection.remaining <= 0) injections.splice(index, 1);
    return injection.fault;
  };

  const handle = async (incoming: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = incoming.method ?? 'GET';
    const path = incoming.url ?? '/';
    requests.push({ method, path });
    const fault = takeInjection(path);
    if (fault !== undefined && fault.kind !== 'strip-header') {
      serveFault(fault, response, incoming.socket);
      return;
    }
    if (policy !== undefined && (policy.counts?.(method, path) ?? true)) {
      if (policy.remaining <= 0) {
        response.writeHead(429, {
          'content-type': 'application/json',
          ...rateLimitHeaders(),
          ...(policy.retryAfterSeconds === undefined ? {} : { 'retry-after': String(policy.retryAfterSeconds) }),
        });
        response.end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'rate limit reached' }] }));
        return;
      }
      policy.remaining -= 1;
    }
    const url = new URL(path, 'http://proxy');
    if (pagination !== undefined && method === 'GET' && url.pathname.endsWith('/tags/list')) {
      await servePage(url, response, rateLimitHeaders());
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (!HOP_BY_HOP.has(name) && typeof value === 'string') headers[name] = value;
    }
    const body = method === 'GET' || method === 'HEAD' ? undefined : await readAll(incoming);
    const answer = await request(`${upstream}${path}`, { method, headers, dispatcher, ...(body === undefined ? {} : { body }) });
    const payload = Buffer.from(await answer.body.arrayBuffer());
    const outHeaders: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) outHeaders[name] = value;
    }
    if (fault?.kind === 'strip-header') delete outHeaders[fault.header.toLowerCase()];
    Object.assign(outHeaders, rateLimitHeaders());
    if (method === 'HEAD') {
      const length = answer.headers['content-length'];
      if (typeof length === 'string') outHeaders['content-length'] = length;
      response.writeHead(answer.statusCode, outHeaders).end();
      return;
    }
    response.writeHead(answer.statusCode, { ...outHeaders, 'content-length': String(payload.length) }).end(payload);
  };

  let pagination: 'link' | 'last' | undefined;
  const servePage = async (url: URL, response: ServerResponse, extraHeaders: Record<string, string>): Promise<void> => {
    const answer = await request(`${upstream}${url.pathname}`, { dispatcher });
    const full = JSON.parse(await answer.body.text()) as { name: string; tags: string[] | null };
    const all = [...(full.tags ?? [])].sort();
    const n = Number(url.searchParams.get('n') ?? all.length);
    const last = url.searchParams.get('last');
    const rest = last === null ? all : all.filter((tag) => tag > last);
    const page = rest.slice(0, n);
    const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
    const lastTag = page.at(-1);
    if (pagination === 'link' && rest.length > n && lastTag !== undefined) {
      headers.link = `<${url.pathname}?n=${n}&last=${encodeURIComponent(lastTag)}>; rel="next"`;
    }
    response.writeHead(answer.statusCode, headers).end(JSON.stringify({ name: full.name, tags: page }));
  };

  const server: Server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`proxy error: ${String(error)}`);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('proxy has no address');
  const serverName = `127.0.0.1:${address.port}`;

  return {
    server: serverName,
    url: `http://${serverName}`,
    requests,
    paginateTags: (style) => {
      pagination = style;
    },
    setRateLimit: (next) => {
      policy = next === undefined ? undefined : { ...next };
    },
    inject: (fault, options = {}) => {
      injections.push({ fault, path: options.path, remaining: options.times ?? 1 });
    },
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dispatcher.close();
    },
  };
}

async function readAll(incoming: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

function serveFault(fault: Exclude<Fault, { kind: 'strip-header' }>, response: ServerResponse, socket: Socket): void {
  switch (fault.kind) {
    case 'status':
      response.writeHead(fault.status, fault.headers ?? {}).end(fault.body ?? '');
      return;
    case 'html':
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body><h1>Welcome to our portal</h1></body></html>');
      return;
    case 'bad-json':
      response.writeHead(200, { 'content-type': 'application/json', 'docker-content-digest': `sha256:${'0'.repeat(64)}` }).end('{"tags": ["1.0", ');
      return;
    case 'wrong-content-type':
      response.writeHead(200, { 'content-type': 'text/plain' }).end('not what you asked for');
      return;
    case 'truncated':
      // Promises 1000 bytes, sends a few, then closes the connection.
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      response.write('{"name":"x","tags":["1.0.0"');
      setTimeout(() => socket.destroy(), 20);
      return;
    case 'reset':
      socket.resetAndDestroy();
      return;
    case 'hang':
      // Never answers; the client's timeout must end the request. The socket is destroyed when the proxy stops.
      return;
  }
}
