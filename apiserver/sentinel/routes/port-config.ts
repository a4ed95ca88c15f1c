// Dashboard link overrides per container port: Container spec.portConfig {"8080": URL}. Sentinel's shape is
// `{"ports": {"8080": {"url": …}}}`.
import type { FastifyInstance } from 'fastify';
import { containerRefOf, findContainer } from '../container-key.ts';
import { requestBy, type SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';
import type { BodySchema } from '../validation.ts';
import { modifyContainer } from '../writes.ts';

type PortParams = { Params: { name: string; port: string } };

const overrideBody: BodySchema = {
  $id: 'sentinel-port-override',
  type: 'object',
  required: ['url'],
  properties: { url: { type: 'string', minLength: 1, maxLength: 2048 } },
};

function portOf(text: string): string {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw restErrors.badRequest(`port: must be a port number from 1 to 65535 (got ${JSON.stringify(text)})`);
  return String(Number(text));
}

function urlOf(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw restErrors.badRequest(`url: must be an absolute URL such as "https://app.example.com" (got ${JSON.stringify(text)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw restErrors.badRequest(`url: must be an http or https URL (got ${JSON.stringify(text)})`);
  return text;
}

export async function portConfigRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const { resources } = context;

  app.get<{ Params: { name: string } }>('/api/containers/:name/port-config', async (request) => {
    const container = await findContainer(resources, containerRefOf(request, request.params.name), { allowGone: true });
    const ports = container.spec?.portConfig ?? {};
    return { ports: Object.fromEntries(Object.entries(ports).map(([port, url]) => [port, { url }])) };
  });

  app.post<PortParams & { Body: { url: string } }>('/api/containers/:name/port-config/:port', { schema: { body: overrideBody } }, async (request) => {
    const port = portOf(request.params.port);
    const url = urlOf(request.body.url.trim());
    const ref = containerRefOf(request, request.params.name);
    await findContainer(resources, ref, { allowGone: true });
    await modifyContainer(resources, ref, requestBy(request), (_container, spec) => ({ ...spec, portConfig: { ...spec.portConfig, [port]: url } }));
    return { status: 'ok', port, url, message: `port ${port} of ${ref.dockerName} links to ${url}` };
  });

  app.delete<PortParams>('/api/containers/:name/port-config/:port', async (request) => {
    const port = portOf(request.params.port);
    const ref = containerRefOf(request, request.params.name);
    await findContainer(resources, ref, { allowGone: true });
    await modifyContainer(resources, ref, requestBy(request), (_container, spec) => {
      const { [port]: _removed, ...rest } = spec.portConfig ?? {};
      const { portConfig: _all, ...others } = spec;
      return Object.keys(rest).length === 0 ? others : { ...others, portConfig: rest };
    });
    return { status: 'ok', port, message: `port ${port} of ${ref.dockerName} uses its default link` };
  });
}
