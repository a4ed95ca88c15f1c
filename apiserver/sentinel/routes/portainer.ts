// Sentinel's /api/portainer/* routes over PortainerInstance resources (docs/portainer.md): instances CRUD (token
// always "***"), a test that reads the endpoint list now, the endpoints the controller saw, and the containers of an
// endpoint's Host. Per-endpoint settings (enabled, blocked, force_allow) wait for the same-engine de-duplication and
// answer 501 (later.ts).
import type { FastifyInstance } from 'fastify';
import type { Container, PortainerInstance } from '../../../schemas/generated/types.ts';
import { isApiError } from '../../resources/errors.ts';
import type { SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';
import type { BodySchema } from '../validation.ts';
import {
  DOCKER_TYPES,
  createInstance,
  deleteInstance,
  findInstance,
  listInstances,
  restInstance,
  secretKeyValue,
  updateInstance,
} from '../portainer/instance-store.ts';

const instanceProperties = {
  name: { type: 'string', minLength: 1, maxLength: 253 },
  url: { type: 'string', minLength: 1, maxLength: 2048 },
  token: { type: 'string', maxLength: 4096 },
  enabled: { type: 'boolean' },
};

const createBody: BodySchema = { $id: 'sentinel-portainer-instance-create', type: 'object', required: ['name', 'url', 'token'], properties: instanceProperties };
const updateBody: BodySchema = { $id: 'sentinel-portainer-instance-update', type: 'object', properties: instanceProperties };

/** http(s) only, no query or credentials (the resource's pattern says the same; this says it in Sentinel's words). */
function checkURL(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw restErrors.badRequest(`url ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw restErrors.badRequest('url must be http:// or https://');
  if (parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || parsed.hash !== '') throw restErrors.badRequest('url may not carry credentials, a query or a fragment');
  return url.replace(/\/+$/, '');
}

function invalidAsBadRequest(error: unknown): never {
  if (isApiError(error, 'Invalid')) throw restErrors.badRequest(error instanceof Error ? error.message : String(error));
  throw error;
}

async function instanceOr404(context: SentinelContext, id: string): Promise<PortainerInstance> {
  const instance = await findInstance(context.resources, id);
  if (instance === undefined) throw restErrors.notFound(`Portainer instance ${JSON.stringify(id)} not found`);
  return instance;
}

export async function portainerRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const { resources } = context;

  app.get('/api/portainer/instances', async () => (await listInstances(resources)).map(restInstance));

  app.post<{ Body: { name: string; url: string; token: string } }>('/api/portainer/instances', { schema: { body: createBody } }, async (request, reply) => {
    const url = checkURL(request.body.url);
    if (request.body.token === '') throw restErrors.badRequest('token is required: a Portainer access token (My account → Access tokens)');
    const created = await createInstance(resources, { name: request.body.name, url, token: request.body.token }).catch(invalidAsBadRequest);
    reply.code(201);
    return restInstance(created);
  });

  app.put<{ Params: { id: string }; Body: { name?: string; url?: string; token?: string; enabled?: boolean } }>(
    '/api/portainer/instances/:id',
    { schema: { body: updateBody } },
    async (request) => {
      const instance = await instanceOr404(context, request.params.id);
      const { name, token, enabled } = request.body;
      const url = request.body.url === undefined ? undefined : checkURL(request.body.url);
      const updated = await updateInstance(resources, instance, {
        ...(name === undefined ? {} : { name }),
        ...(url === undefined ? {} : { url }),
        ...(token === undefined ? {} : { token }),
        ...(enabled === undefined ? {} : { enabled }),
      }).catch(invalidAsBadRequest);
      return restInstance(updated);
    },
  );

  app.delete<{ Params: { id: string } }>('/api/portainer/instances/:id', async (request) => {
    await deleteInstance(resources, await instanceOr404(context, request.params.id));
    return { status: 'deleted' };
  });

  // Always 200, as Sentinel: success with the endpoints, or success false with the error. Like Sentinel, a
  // successful test enables the instance.
  app.post<{ Params: { id: string } }>('/api/portainer/instances/:id/test', async (request) => {
    const instance = await instanceOr404(context, request.params.id);
    if (context.portainer === undefined) throw restErrors.unavailable('the Portainer client is not running: instances cannot be tested');
    const { spec } = instance;
    const apiKey = await secretKeyValue(resources, spec.apiKeySecretRef);
    if (apiKey === undefined) return { success: false, error: `the token Secret ${spec.apiKeySecretRef.name} (key ${spec.apiKeySecretRef.key}) does not exist` };
    const ca = spec.tls?.caSecretRef === undefined ? undefined : await secretKeyValue(resources, spec.tls.caSecretRef);
    if (spec.tls?.caSecretRef !== undefined && ca === undefined) return { success: false, error: `the CA Secret ${spec.tls.caSecretRef.name} does not exist` };
    try {
      const seen = await context.portainer.test({
        url: spec.url,
        apiKey,
        tls: {
          ...(ca === undefined ? {} : { ca }),
          ...(spec.tls?.pinnedSha256 === undefined ? {} : { pinnedSha256: spec.tls.pinnedSha256 }),
          ...(spec.tls?.insecureSkipVerify === undefined ? {} : { insecureSkipVerify: spec.tls.insecureSkipVerify }),
        },
      }, { signal: AbortSignal.timeout(60_000) });
      if (spec.enabled === false) await updateInstance(resources, instance, { enabled: true });
      return { success: true, endpoints: seen.endpoints.filter((endpoint) => DOCKER_TYPES.includes(endpoint.type)).map((endpoint) => ({ ID: endpoint.id, Name: endpoint.name, URL: endpoint.url })) };
    } catch (error) {
      return { success: false, error: error instanceof Error ? error.message : String(error) };
    }
  });

  app.get<{ Params: { id: string } }>('/api/portainer/instances/:id/endpoints', async (request) => {
    const instance = await instanceOr404(context, request.params.id);
    return (instance.status?.endpoints ?? []).filter((row) => DOCKER_TYPES.includes(row.type)).map((row) => ({
      id: row.id, name: row.name, url: row.url ?? '', type: row.type, status: row.status, instance_id: instance.metadata.name ?? '',
    }));
  });

  app.get<{ Params: { id: string }; Querystring: { instance_id?: string } }>('/api/portainer/endpoints/:id/containers', async (request) => {
    const endpointId = Number(request.params.id);
    if (!Number.isInteger(endpointId)) throw restErrors.badRequest(`endpoint id ${JSON.stringify(request.params.id)} is not a number`);
    const wanted = request.query.instance_id;
    const instances = wanted === undefined ? await listInstances(resources) : [await instanceOr404(context, wanted)];
    for (const instance of instances) {
      const row = instance.status?.endpoints?.find((candidate) => candidate.id === endpointId && candidate.hostRef !== undefined);
      if (row?.hostRef === undefined) continue;
      const containers = (await resources.list('Container', { namespace: row.hostRef })).items as unknown as Container[];
      return containers.filter((container) => container.status !== undefined && container.status.state !== 'gone').map((container) => ({
        id: container.status?.id ?? '',
        name: container.status?.name ?? container.metadata.name ?? '',
        image: container.status?.image ?? '',
        state: container.status?.state ?? '',
        labels: container.status?.labels ?? {},
        endpoint_id: endpointId,
        endpoint_name: row.name,
        instance_id: instance.metadata.name ?? '',
      }));
    }
    throw restErrors.notFound(`no managed Portainer endpoint ${endpointId}${wanted === undefined ? '' : ` on instance ${JSON.stringify(wanted)}`}`);
  });
}
