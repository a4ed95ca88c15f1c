// Serves the built dashboard (web/dist, made by web/build.ts) at `/`: index.html never cached (it names the current
// assets), the content-hashed assets cached for a year as immutable, and each file's brotli or gzip copy made at build
// time sent when the browser accepts it. Files are read once at start-up: the set is small (a few hundred KB) and a
// rebuild means a restart. Without a build, `/` answers 503 saying how to make one rather than a bare 404.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface DashboardOptions {
  /** web/dist: index.html and assets/. */
  distDir: string;
}

interface StaticFile {
  type: string;
  identity: Buffer;
  br: Buffer | undefined;
  gzip: Buffer | undefined;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
};

function optional(path: string): Buffer | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}

function load(path: string): StaticFile {
  return { type: TYPES[extname(path)] ?? 'application/octet-stream', identity: readFileSync(path), br: optional(`${path}.br`), gzip: optional(`${path}.gz`) };
}

/** The encodings the request accepts (q=0 refuses one), as Accept-Encoding lists them. */
function accepted(request: FastifyRequest): Set<string> {
  const header = request.headers['accept-encoding'];
  const names = new Set<string>();
  for (const part of (typeof header === 'string' ? header : '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    if (params.some((param) => /^\s*q=0(\.0*)?\s*$/.test(param))) continue;
    if (name !== '') names.add(name);
  }
  return names;
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile, cacheControl: string): FastifyReply {
  const encodings = accepted(request);
  reply.header('cache-control', cacheControl).header('vary', 'accept-encoding').type(file.type);
  if (file.br !== undefined && encodings.has('br')) return reply.header('content-encoding', 'br').send(file.br);
  if (file.gzip !== undefined && (encodings.has('gzip') || encodings.has('*'))) return reply.header('content-encoding', 'gzip').send(file.gzip);
  return reply.send(file.identity);
}

export async function dashboardRoutes(app: FastifyInstance, options: DashboardOptions): Promise<void> {
  const indexPath = join(options.distDir, 'index.html');
  const built = existsSync(indexPath);
  const index = built ? load(indexPath) : undefined;
  const assetsDir = join(options.distDir, 'assets');
  const assets = new Map<string, StaticFile>();
  if (built && existsSync(assetsDir)) {
    for (const name of readdirSync(assetsDir)) {
      if (name.endsWith('.gz') || name.endsWith('.br')) continue;
      assets.set(name, load(join(assetsDir, name)));
    }
  }

  app.get('/', async (request, reply) => {
    if (index === undefined) {
      return reply.code(503).type('text/plain; charset=utf-8').send(`the dashboard is not built (no ${indexPath}): run \`node web/build.ts\` or \`npm start\`, which builds it`);
    }
    return send(request, reply, index, 'no-cache');
  });

  app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
    const file = assets.get(request.params.file);
    if (file === undefined) return reply.code(404).type('application/json').send({ error: `not found: ${request.params.file} is not an asset of this build` });
    return send(request, reply, file, 'public, max-age=31536000, immutable');
  });
}
