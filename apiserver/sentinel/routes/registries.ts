// Registry credentials (Registry resources and their Secrets; secrets masked as `****`), testing one against its
// registry, and deleting one.
import type { FastifyInstance } from 'fastify';
import type { Registry, Secret } from '../../../schemas/generated/types.ts';
import { canonicalRegistry } from '../../../domain/registry/reference.ts';
import { isRegistryError } from '../../../domain/registry/errors.ts';
import type { SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';
import { restIdOf, SECRET_MASK } from '../notifications/channel-mapping.ts';
import { readSecret } from '../notifications/channel-store.ts';
import { findStored, readRegistries, removeCredential, resolveSecret, restCredential, saveCredentials, type CredentialInput } from '../registries/credential-store.ts';
import { registryRateLimits } from '../registries/rate-limits.ts';
import { SettingValueError } from '../settings/setting-values.ts';
import type { BodySchema } from '../validation.ts';
import { rateLimitViews } from './about.ts';

const credentialProperties = {
  id: { type: 'string' },
  registry: { type: 'string', minLength: 1 },
  username: { type: 'string' },
  secret: { type: 'string' },
};

const credentialsBody: BodySchema = {
  $id: 'sentinel-registry-credentials',
  type: 'array',
  maxItems: 100,
  items: { type: 'object', required: ['registry', 'username', 'secret'], properties: credentialProperties },
};

const testBody: BodySchema = {
  $id: 'sentinel-registry-credential-test',
  type: 'object',
  required: ['registry', 'username', 'secret'],
  properties: credentialProperties,
};

export async function registryRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const { resources } = context;

  // Keyed by registry server, as Sentinel: the credential (masked) and the rate-limit status, each when known; a
  // registry used without a Registry resource has its rate-limit status only.
  app.get('/api/settings/registries', async () => {
    const [stored, rateLimits] = await Promise.all([readRegistries(resources), registryRateLimits(resources)]);
    const limits = new Map(rateLimitViews(rateLimits).map((view) => [view.registry, view]));
    const answer: Record<string, Record<string, unknown>> = {};
    for (const entry of stored) {
      const credential = restCredential(entry, () => SECRET_MASK);
      const canonical = canonicalRegistry(entry.registry.spec.server);
      const limit = limits.get(canonical);
      limits.delete(canonical);
      if (credential === undefined && limit === undefined) continue;
      answer[entry.registry.spec.server] = { ...(credential === undefined ? {} : { credential }), ...(limit === undefined ? {} : { rate_limit: limit }) };
    }
    for (const [server, limit] of limits) answer[server] = { rate_limit: limit };
    return answer;
  });

  app.put<{ Body: CredentialInput[] }>('/api/settings/registries', { schema: { body: credentialsBody } }, async (request) => {
    try {
      await saveCredentials(resources, request.body, { replace: true, mode: 'request' });
    } catch (error) {
      if (error instanceof SettingValueError) throw restErrors.badRequest(error.message);
      throw error;
    }
    return { status: 'ok', message: 'registry credentials saved' };
  });

  app.post<{ Body: CredentialInput }>('/api/settings/registries/test', { schema: { body: testBody } }, async (request) => {
    const { id, registry, username, secret } = request.body;
    if (username.trim() === '' || secret === '') throw restErrors.badRequest('registry, username and secret are required');
    const stored = await readRegistries(resources);
    const existing = findStored(stored, id, registry);
    const password = resolveSecret(secret, existing);
    if (password === undefined) throw restErrors.badRequest('secret: it is masked and no secret is stored for this registry: send the real one');
    const resource = stored.find((entry) => canonicalRegistry(entry.registry.spec.server) === canonicalRegistry(registry))?.registry;
    if (context.credentials === undefined) throw restErrors.unavailable('the registry client is not running: credentials cannot be tested');
    try {
      return await context.credentials.test(registry, username.trim(), password, {
        ...(resource === undefined ? {} : { resource }),
        readSecret: async (namespace, name) => (await readSecret(resources, namespace, name)) as Secret | undefined,
      });
    } catch (error) {
      if (isRegistryError(error)) throw restErrors.badGateway(`registry check failed: ${error.message}`);
      if (error instanceof Error && /^Registry .*Secret/.test(error.message)) throw restErrors.badRequest(error.message);
      throw error;
    }
  });

  app.delete<{ Params: { id: string } }>('/api/settings/registries/:id', async (request) => {
    const stored = await readRegistries(resources);
    const entry = stored.find((candidate) => candidate.registry.spec.credentials !== undefined && restIdOf(candidate.registry) === request.params.id);
    if (entry === undefined) throw restErrors.notFound(`credential ${JSON.stringify(request.params.id)} not found`);
    await removeCredential(resources, entry);
    return { status: 'ok', message: `credential for ${(entry.registry as Registry).spec.server} removed` };
  });
}
