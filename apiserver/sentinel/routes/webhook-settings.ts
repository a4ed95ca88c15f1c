// The inbound webhook's settings: Settings spec.webhook {enabled, secretRef}; the secret itself lives in the Secret
// `vigil-webhook` (vigil-system, key `secret`), is shown once when made, and masked afterwards.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Settings } from '../../../schemas/generated/types.ts';
import { DEFAULT_SECRET_NAMESPACE } from '../../../schemas/index.ts';
import type { ResourceClient } from '../../resources/client.ts';
import type { SentinelContext } from '../context.ts';
import { SECRET_MASK } from '../notifications/channel-mapping.ts';
import { decodeSecret, readSecret, writeOwnedSecret } from '../notifications/channel-store.ts';
import { readSettings } from '../reads.ts';
import { patchSettings } from '../settings/settings-writer.ts';
import type { BodySchema } from '../validation.ts';

export const WEBHOOK_SECRET_NAME = 'vigil-webhook';
export const WEBHOOK_SECRET_KEY = 'secret';

const enabledBody: BodySchema = {
  $id: 'sentinel-webhook-enabled',
  type: 'object',
  required: ['enabled'],
  properties: { enabled: { type: 'boolean' } },
};

async function configuredSecret(resources: ResourceClient, settings: Settings | undefined): Promise<string | undefined> {
  const ref = settings?.spec?.webhook?.secretRef;
  if (ref === undefined) return undefined;
  return decodeSecret(await readSecret(resources, ref.namespace ?? DEFAULT_SECRET_NAMESPACE, ref.name))[ref.key];
}

/** A new secret (256 random bits), stored, and Settings pointed at it; the value, to show once. */
async function regenerate(resources: ResourceClient, settings: Settings): Promise<string> {
  const secret = `whs_${randomBytes(32).toString('base64url')}`;
  await writeOwnedSecret(resources, WEBHOOK_SECRET_NAME, { [WEBHOOK_SECRET_KEY]: secret }, settings, { 'vigil.dev/webhook': 'inbound' });
  await patchSettings(resources, { webhook: { secretRef: { name: WEBHOOK_SECRET_NAME, key: WEBHOOK_SECRET_KEY } } });
  return secret;
}

export async function webhookSettingsRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const { resources } = context;

  app.post<{ Body: { enabled: boolean } }>('/api/settings/webhook-enabled', { schema: { body: enabledBody } }, async (request) => {
    const { enabled } = request.body;
    const settings = await patchSettings(resources, { webhook: { enabled } });
    // Enabling without a secret would accept nothing: make one, and show it this once.
    const secret = enabled && (await configuredSecret(resources, settings)) === undefined ? await regenerate(resources, settings) : undefined;
    return {
      status: 'ok',
      enabled,
      ...(secret === undefined ? {} : { secret }),
      message: `webhooks ${enabled ? 'enabled' : 'disabled'}${secret === undefined ? '' : ': a secret was made, shown only now (send it in X-Webhook-Secret)'}`,
    };
  });

  app.post('/api/settings/webhook-secret', async () => {
    const settings = await patchSettings(resources, {});
    const secret = await regenerate(resources, settings);
    return { status: 'ok', secret, message: 'webhook secret regenerated: it is shown only now (send it in X-Webhook-Secret)' };
  });

  app.get('/api/settings/webhook-info', async () => {
    const settings = await readSettings(resources);
    const configured = (await configuredSecret(resources, settings)) !== undefined;
    return {
      enabled: settings?.spec?.webhook?.enabled === true,
      secret: configured ? SECRET_MASK : '',
      secret_configured: configured,
      path: '/api/webhook',
      header: 'X-Webhook-Secret',
    };
  });
}
