// GET /api/events: the live event stream (events/sse-stream.ts) over the change feed. Open streams end when the
// server closes, or closing would wait for them.
import type { FastifyInstance } from 'fastify';
import type { SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';
import { streamEvents } from '../events/sse-stream.ts';
import { hostNames, type HostNames } from '../views/hosts.ts';

/** Host display names, re-read at most every few seconds (events name the Host of a container elsewhere). */
function cachedHostNames(context: SentinelContext): { refresh(): Promise<void>; name: HostNames } {
  let names: HostNames = (hostID) => hostID;
  let readAt = 0;
  return {
    refresh: async () => {
      if (Date.now() - readAt < 5000) return;
      readAt = Date.now();
      names = await hostNames(context.resources);
    },
    name: (hostID) => names(hostID),
  };
}

export async function eventRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const active = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const stop of [...active]) stop();
  });
  const names = cachedHostNames(context);

  app.get('/api/events', async (request, reply) => {
    const feed = context.changes;
    if (feed === undefined) throw restErrors.unavailable('the event stream is not available on this server');
    await names.refresh();
    reply.hijack();
    // Security headers set by earlier hooks (helmet) go out with the stream's own.
    for (const [header, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(header, value);
    try {
      await streamEvents(request.raw, reply.raw, { ...context.live?.events, feed, now: context.now, hostName: names.name }, (stop) => {
        active.add(stop);
        return () => active.delete(stop);
      });
    } catch (error) {
      request.log.error({ err: error }, 'the event stream failed');
      if (!reply.raw.destroyed) reply.raw.destroy();
    }
  });
}
