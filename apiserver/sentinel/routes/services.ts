// Swarm services (Sentinel's /api/services*): reads of SwarmService resources, and update, rollback and scale as
// requests in the resource's spec (docs/resources.md "Requests"), carried out by the swarm-service controller.
// Answers come at once, as Sentinel's do (its update and rollback run asynchronously too).
import type { FastifyInstance } from 'fastify';
import type { Host, SwarmService, SwarmServiceSpec } from '../../../schemas/generated/types.ts';
import type { ResourceObject } from '../../resources/client.ts';
import { isApiError } from '../../resources/errors.ts';
import { requestBy, type SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';
import { checkStands, serviceView } from '../views/service-view.ts';
import { nextRequestedAt } from '../writes.ts';

type NameParams = { Params: { name: string } };

/** Sentinel's cap (internal/web/api_services.go). */
const MAX_REPLICAS = 100;
/** Sentinel's check of the `version` field: a full image reference, at most 256 characters of this set. */
const IMAGE_REFERENCE = /^[A-Za-z0-9._/:@-]{1,256}$/;

type RequestField = 'update' | 'rollback' | 'scale';

async function swarmActive(context: SentinelContext): Promise<boolean> {
  const hosts = (await context.resources.list('Host')).items as unknown as Host[];
  return hosts.some((host) => host.status?.swarm?.role === 'manager');
}

async function findService(context: SentinelContext, name: string): Promise<SwarmService> {
  try {
    return (await context.resources.get('SwarmService', undefined, name)) as unknown as SwarmService;
  } catch (error) {
    if (!isApiError(error, 'NotFound')) throw error;
  }
  if (!(await swarmActive(context))) throw restErrors.badRequest('swarm mode not active');
  throw restErrors.notFound('service not found');
}

function when(service: SwarmService, field: RequestField, now: Date): string {
  return nextRequestedAt(now, service.status?.handledRequests?.[field], service.spec?.[field]?.requestedAt);
}

async function modifySpec(context: SentinelContext, name: string, fieldManager: string, change: (service: SwarmService, spec: SwarmServiceSpec) => SwarmServiceSpec): Promise<void> {
  try {
    await context.resources.modify('SwarmService', undefined, name, (current) => {
      const service = current as unknown as SwarmService;
      return { ...current, spec: change(service, { ...service.spec }) } as ResourceObject;
    }, { fieldManager });
  } catch (error) {
    if (isApiError(error, 'NotFound')) throw restErrors.notFound('service not found');
    throw error;
  }
}

/** `version` from the query or a form/JSON body, as Sentinel reads r.FormValue("version"). */
function versionOf(query: unknown, body: unknown): string | undefined {
  for (const source of [query, body]) {
    if (typeof source === 'object' && source !== null && 'version' in source && typeof source.version === 'string' && source.version !== '') return source.version;
  }
  return undefined;
}

export async function serviceRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  app.get('/api/services', async () => {
    const list = (await context.resources.list('SwarmService')).items as unknown as SwarmService[];
    return list.map(serviceView).sort((a, b) => (a.Name < b.Name ? -1 : 1));
  });

  app.get<NameParams>('/api/services/:name/detail', async (request) => serviceView(await findService(context, request.params.name)));

  app.post<NameParams>('/api/services/:name/update', async (request) => {
    const version = versionOf(request.query, request.body);
    if (version !== undefined && !IMAGE_REFERENCE.test(version)) {
      throw restErrors.badRequest('version: must be a full image reference of at most 256 letters, digits and "._/:@-"');
    }
    await findService(context, request.params.name);
    const by = requestBy(request);
    await modifySpec(context, request.params.name, by.fieldManager, (service, spec) => {
      // Sentinel: without a version, the update the registry check found (its NewerVersions[0]); else the tag again.
      const check = service.status?.registryCheck;
      // Bound to the digest the check found, as an approval is.
      const found = checkStands(service) && check?.updateAvailable === true && check.target !== undefined ? `${check.target.image}@${check.target.digest}` : undefined;
      const image = version ?? found;
      return { ...spec, update: { requestedAt: when(service, 'update', context.now()), requestedBy: by.requestedBy, ...(image === undefined ? {} : { image }) } };
    });
    return { status: 'updating' };
  });

  app.post<NameParams>('/api/services/:name/rollback', async (request) => {
    await findService(context, request.params.name);
    const by = requestBy(request);
    await modifySpec(context, request.params.name, by.fieldManager, (service, spec) => ({
      ...spec,
      rollback: { requestedAt: when(service, 'rollback', context.now()), requestedBy: by.requestedBy },
    }));
    return { status: 'rolling back' };
  });

  app.post<NameParams>('/api/services/:name/scale', async (request) => {
    const body = request.body;
    const replicas = typeof body === 'object' && body !== null && 'replicas' in body ? body.replicas : undefined;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) throw restErrors.badRequest('replicas: must be a whole number ≥ 0');
    if (replicas > MAX_REPLICAS) throw restErrors.badRequest(`replicas must be at most ${MAX_REPLICAS}`);
    const service = await findService(context, request.params.name);
    const mode = service.status?.mode;
    if (mode !== undefined && mode !== 'replicated') {
      throw restErrors.badRequest(`service ${request.params.name} is not replicated (${mode} mode): only replicated services can be scaled`);
    }
    const by = requestBy(request);
    await modifySpec(context, request.params.name, by.fieldManager, (current, spec) => ({
      ...spec,
      scale: { requestedAt: when(current, 'scale', context.now()), requestedBy: by.requestedBy, replicas },
    }));
    return { status: 'scaled', previous_replicas: service.status?.replicas ?? 0 };
  });
}
