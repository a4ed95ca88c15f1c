// The Docker Sentinel REST API as a facade over the resources (docs/sentinel-api.md): one encapsulated fastify context
// holding every REST route group, with the REST error envelope `{"error": "..."}`, JSON bodies checked by route
// schemas that name the bad field, and the services the groups share. It keeps no state: reads come from resources,
// writes are changes to resources through the same ResourceClient the API server and the controllers use.
//
// Registered by buildApp after the auth plugin, whose onRequest hook authenticates and authorizes every route here
// from the access table (apiserver/auth/access-table.ts) before any handler runs.
import type { FastifyInstance } from 'fastify';
import type { ResourceClient } from '../resources/client.ts';
import type { SentinelContext, SentinelServices } from './context.ts';
import { sendRestError } from './errors.ts';
import { compileRouteSchema } from './validation.ts';
import { ROUTE_GROUPS } from './routes.ts';

export interface SentinelApiOptions extends SentinelServices {
  /** The registry the API serves (writes must go through it: same validation, watch events, managedFields). */
  resources: ResourceClient;
  /** The clock of requests' requestedAt and of answers. Default the system clock. */
  now?: () => Date;
}

export async function sentinelApi(app: FastifyInstance, options: SentinelApiOptions): Promise<void> {
  const context: SentinelContext = { ...options, now: options.now ?? (() => new Date()) };

  app.setValidatorCompiler(compileRouteSchema);
  app.setErrorHandler((error, request, reply) => sendRestError(request, reply, error));
  // An empty body with Content-Type: application/json (curl -X POST -H 'Content-Type: application/json' …) is no
  // body, as for Sentinel; everything else goes through fastify's own parser (prototype poisoning refused).
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    json(request, text, done);
  });

  for (const group of ROUTE_GROUPS) await app.register(async (child) => await group(child, context));
}
