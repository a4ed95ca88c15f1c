// The inbound webhook (POST /api/webhook): registries and CI tell Vigil that an image was pushed. It authenticates by
// its own shared secret, in the X-Webhook-Secret header only (a secret in a URL ends up in proxy and access logs), as
// configured in Settings spec.webhook {enabled, secretRef}. A payload naming an image asks for a check of every
// container of that repository; anything else (an unknown shape, no JSON at all) asks for a full scan.
import type { FastifyInstance } from 'fastify';
import type { Secret, Settings } from '../../../schemas/generated/types.ts';
import { DEFAULT_SECRET_NAMESPACE } from '../../../schemas/index.ts';
import { verifyWebhookSecret } from '../../auth/tokens.ts';
import type { ResourceClient } from '../../resources/client.ts';
import { isApiError } from '../../resources/errors.ts';
import { REST_FIELD_MANAGER, type SentinelContext } from '../context.ts';
import { RestError, restErrors } from '../errors.ts';
import { readSettings } from '../reads.ts';
import { ensureSettings } from '../writes.ts';
import { parseWebhookPayload } from '../webhook-payload.ts';

/** As Sentinel: payloads are small; anything larger is refused (413). */
const WEBHOOK_BODY_LIMIT = 1024 * 1024;
const WEBHOOK_REQUESTER = { requestedBy: 'webhook', fieldManager: REST_FIELD_MANAGER };

/** The configured secret, or undefined when none is (then nothing matches). */
async function configuredSecret(resources: ResourceClient, settings: Settings | undefined): Promise<string | undefined> {
  const ref = settings?.spec?.webhook?.secretRef;
  if (ref === undefined) return undefined;
  let secret: Secret;
  try {
    secret = (await resources.get('Secret', ref.namespace ?? DEFAULT_SECRET_NAMESPACE, ref.name)) as unknown as Secret;
  } catch (error) {
    if (isApiError(error, 'NotFound')) return undefined;
    throw error;
  }
  const plain = secret.stringData?.[ref.key];
  if (plain !== undefined) return plain;
  const encoded = secret.data?.[ref.key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

export async function webhookRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  // Any body, read as text: a payload that is not JSON still triggers a scan, as in Sentinel.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.post('/api/webhook', { bodyLimit: WEBHOOK_BODY_LIMIT }, async (request) => {
    const settings = await readSettings(context.resources);
    if (settings?.spec?.webhook?.enabled !== true) throw new RestError(403, 'webhooks are disabled: enable them with POST /api/settings/webhook-enabled');
    const header = request.headers['x-webhook-secret'];
    if (!verifyWebhookSecret(header, await configuredSecret(context.resources, settings))) {
      const inQuery = Object.keys((request.query as Record<string, unknown> | undefined) ?? {}).some((key) => /secret|token/i.test(key));
      throw new RestError(401, inQuery ? 'invalid or missing webhook secret: send it in the X-Webhook-Secret header (a secret in the query string is not accepted)' : 'invalid or missing webhook secret (X-Webhook-Secret header)');
    }
    if (context.checks === undefined) throw restErrors.unavailable('registry checks are not running');
    const payload = parseWebhookPayload(typeof request.body === 'string' ? request.body : '');
    let checked = false;
    if (payload.image !== '') {
      try {
        await context.checks.checkImage(payload.tag === '' ? payload.image : `${payload.image}:${payload.tag}`, WEBHOOK_REQUESTER);
        checked = true;
      } catch (error) {
        // An image reference Vigil cannot read: scan everything rather than drop the notification.
        if (isApiError(error) || error instanceof RestError) throw error;
        request.log.warn({ err: error, image: payload.image }, 'webhook: unreadable image reference, scanning everything');
      }
    }
    if (!checked) {
      await ensureSettings(context.resources, WEBHOOK_REQUESTER);
      await context.checks.scan(WEBHOOK_REQUESTER);
    }
    return { status: 'accepted', image: payload.image, tag: payload.tag, source: payload.source };
  });
}
