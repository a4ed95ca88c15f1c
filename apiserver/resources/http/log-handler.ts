// The Container log subresource: the last lines of the Docker log, from the provider the server was given.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../errors.ts';
import { booleanParam, integerParam } from './query.ts';
import type { Target } from './targets.ts';
import { query, type HandlerContext } from './context.ts';

const LOG_TAIL_DEFAULT = 50;
const LOG_TAIL_MAX = 500;

export async function logHandler(context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const q = query(request);
  if (booleanParam(q, 'follow') === true) throw errors.badRequest('follow is not supported: ask again with tailLines to see new lines');
  const tail = integerParam(q, 'tailLines') ?? LOG_TAIL_DEFAULT;
  if (tail < 0) throw errors.badRequest(`tailLines must not be negative, got ${tail}`);
  const namespace = target.namespace ?? '';
  const name = target.name ?? '';
  // The Container must exist as a resource, whatever the engine knows.
  await context.resources.get(target.kind.kind, namespace, name);
  if (context.containerLogs === undefined) throw errors.unavailable('container logs are not available on this server');
  const text = await context.containerLogs(namespace, name, { tailLines: Math.min(tail, LOG_TAIL_MAX) });
  return reply.code(200).type('text/plain; charset=utf-8').send(text);
}
