// Notifications: the channel list (NotificationChannel resources with their Secrets; secrets masked), event types,
// templates (Settings spec.notificationTemplates) with a preview renderer, per-container modes (Container
// spec.notifyMode), clearing the de-duplication states (a Settings request), digest settings (Settings spec.digest)
// the digest banner and its dismissal (Settings status.lastDigestContainers, spec.digestBannerDismissed) and the digest
// trigger (a Settings request the notification controller handles). A test message goes through the notification
// senders (the `notifications` service).
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { DigestEntry, NotificationChannel, NotificationTemplates } from '../../../schemas/generated/types.ts';
import { LOCAL_HOST_NAME } from '../../../schemas/index.ts';
import { containerRefOf, findContainer, KEY_SEPARATOR, queueKeyOf } from '../container-key.ts';
import { requestBy, type SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';
import { CHANNEL_TYPES, NOTIFICATION_EVENTS, restChannel, SECRET_MASK, type RestChannelInput } from '../notifications/channel-mapping.ts';
import { readChannels, saveChannels } from '../notifications/channel-store.ts';
import { parseTemplate, renderTemplate, sampleData, TemplateError } from '../notifications/template.ts';
import { listContainers, readSettings } from '../reads.ts';
import { settingsDefault } from '../settings/setting-keys.ts';
import { durationValue, SettingValueError, timeOfDayValue } from '../settings/setting-values.ts';
import { patchSettings } from '../settings/settings-writer.ts';
import type { BodySchema } from '../validation.ts';
import { modifyContainer, nextRequestedAt } from '../writes.ts';
import { inField } from './settings.ts';

type NameParams = { Params: { name: string } };

const NOTIFY_MODES = ['default', 'every_scan', 'digest_only', 'muted'];

const channelsBody: BodySchema = {
  $id: 'sentinel-notification-channels',
  type: 'array',
  maxItems: 100,
  items: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      type: { type: 'string', enum: [...CHANNEL_TYPES] },
      url: { type: 'string', minLength: 1, maxLength: 4096 },
      name: { type: 'string', maxLength: 253 },
      enabled: { type: 'boolean' },
      settings: { type: 'object' },
      events: { type: 'array', items: { type: 'string' } },
    },
  },
};

const testBody: BodySchema = {
  $id: 'sentinel-notification-test',
  type: 'object',
  properties: { id: { type: 'string', maxLength: 253 } },
};

const templateBody: BodySchema = {
  $id: 'sentinel-notification-template',
  type: 'object',
  required: ['event_type', 'template'],
  properties: { event_type: { type: 'string', enum: [...NOTIFICATION_EVENTS] }, template: { type: 'string', maxLength: 65536 } },
};

const previewBody: BodySchema = {
  $id: 'sentinel-notification-template-preview',
  type: 'object',
  required: ['template'],
  properties: { event_type: { type: 'string' }, template: { type: 'string', minLength: 1, maxLength: 65536 } },
};

const batchWindowBody: BodySchema = {
  $id: 'sentinel-notify-batch-window',
  type: 'object',
  required: ['window'],
  properties: { window: { type: 'string' } },
};

const notifyPrefBody: BodySchema = {
  $id: 'sentinel-notify-pref',
  type: 'object',
  required: ['mode'],
  properties: { mode: { type: 'string', enum: NOTIFY_MODES } },
};

const digestBody: BodySchema = {
  $id: 'sentinel-digest-settings',
  type: 'object',
  properties: {
    digest_enabled: { type: 'boolean' },
    digest_time: { type: 'string' },
    digest_interval: { type: 'string' },
    default_notify_mode: { type: 'string', enum: NOTIFY_MODES },
  },
};

function newChannelId(): string {
  return `ch-${randomBytes(4).toString('hex')}`;
}

/** A template that renders the sample of its event: what is stored is known to work. */
function checkedTemplate(template: string, eventType: string, now: Date): string {
  try {
    parseTemplate(template);
    return renderTemplate(template, sampleData(eventType, now));
  } catch (error) {
    if (error instanceof TemplateError) throw restErrors.badRequest(`template: ${error.message}`);
    throw error;
  }
}

export async function notificationRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const { resources } = context;

  app.get('/api/settings/notifications', async () => {
    const channels = await readChannels(resources);
    return channels.map((stored) => restChannel(stored.channel, stored.secrets, () => SECRET_MASK));
  });

  app.put<{ Body: RestChannelInput[] }>('/api/settings/notifications', { schema: { body: channelsBody } }, async (request) => {
    try {
      await saveChannels(resources, request.body, { mode: 'request', newId: newChannelId });
    } catch (error) {
      if (error instanceof SettingValueError) throw restErrors.badRequest(error.message);
      throw error;
    }
    return { status: 'ok', message: 'notification settings saved' };
  });

  // Sentinel's answer ({status, message}) plus one result per channel; 502 when a channel failed, as Sentinel answers
  // a failed test. Error texts come redacted from the senders: no token or secret URL part reaches the answer.
  app.post<{ Body: { id?: string } | undefined }>('/api/settings/notifications/test', { schema: { body: testBody } }, async (request, reply) => {
    if (context.notifications === undefined) throw restErrors.unavailable('the notification senders are not running: nothing can be tested');
    const channelId = request.body?.id;
    const results = await context.notifications.test(channelId === undefined || channelId === '' ? {} : { channelId });
    if (results.length === 0) {
      if (channelId !== undefined && channelId !== '') throw restErrors.notFound(`no notification channel with id ${JSON.stringify(channelId)}`);
      throw restErrors.badRequest('no enabled notification channel to test: add one first');
    }
    const failed = results.filter((result) => !result.success);
    if (failed.length === 0) {
      return { status: 'ok', message: `test notification sent to ${results.map((result) => result.name).join(', ')}`, results };
    }
    const reasons = failed.map((result) => `${result.name}: ${result.error ?? 'failed'}`).join('; ');
    return reply.code(502).send({ error: `test notification failed for ${reasons}`, status: 'error', results });
  });

  app.get('/api/settings/notifications/event-types', async () => [...NOTIFICATION_EVENTS]);

  app.get('/api/settings/notifications/templates', async () => ({ templates: (await readSettings(resources))?.spec?.notificationTemplates ?? {} }));

  app.put<{ Body: { event_type: keyof NotificationTemplates; template: string } }>('/api/settings/notifications/templates', { schema: { body: templateBody } }, async (request) => {
    const { event_type: eventType, template } = request.body;
    if (template.trim() !== '') checkedTemplate(template, eventType, context.now());
    await patchSettings(resources, { notificationTemplates: { [eventType]: template.trim() === '' ? null : template } });
    return { status: 'ok', message: template.trim() === '' ? `template for ${eventType} reset to the default` : `template for ${eventType} saved` };
  });

  app.delete<{ Params: { type: string } }>('/api/settings/notifications/templates/:type', async (request) => {
    const eventType = request.params.type;
    if (!NOTIFICATION_EVENTS.includes(eventType as keyof NotificationTemplates)) {
      throw restErrors.badRequest(`type: must be one of ${NOTIFICATION_EVENTS.join(', ')} (got ${JSON.stringify(eventType)})`);
    }
    await patchSettings(resources, { notificationTemplates: { [eventType]: null } });
    return { status: 'ok', message: `template for ${eventType} reset to the default` };
  });

  app.post<{ Body: { event_type?: string; template: string } }>('/api/settings/notifications/templates/preview', { schema: { body: previewBody } }, async (request) => ({
    preview: checkedTemplate(request.body.template, request.body.event_type ?? 'update_available', context.now()),
  }));

  app.get<NameParams>('/api/containers/:name/notify-pref', async (request) => {
    const container = await findContainer(resources, containerRefOf(request, request.params.name), { allowGone: true });
    return { mode: container.spec?.notifyMode ?? 'default' };
  });

  app.post<NameParams & { Body: { mode: 'default' | 'every_scan' | 'digest_only' | 'muted' } }>(
    '/api/containers/:name/notify-pref',
    { schema: { body: notifyPrefBody } },
    async (request) => {
      const ref = containerRefOf(request, request.params.name);
      await findContainer(resources, ref, { allowGone: true });
      const { mode } = request.body;
      // "default" removes the override, as Sentinel deletes the preference: the container follows the global mode.
      await modifyContainer(resources, ref, requestBy(request), (_container, spec) => {
        const { notifyMode: _previous, ...rest } = spec;
        return mode === 'default' ? rest : { ...rest, notifyMode: mode };
      });
      return { status: 'ok', mode };
    },
  );

  app.get('/api/settings/container-notify-prefs', async () => {
    const containers = await listContainers(resources);
    return Object.fromEntries(containers
      .filter((container) => container.spec?.notifyMode !== undefined)
      .map((container) => [queueKeyOf(container), { mode: container.spec?.notifyMode ?? 'default' }]));
  });

  app.delete('/api/notify-states', async (request) => {
    const [settings, containers] = await Promise.all([readSettings(resources), listContainers(resources)]);
    const requestedAt = nextRequestedAt(context.now(), settings?.status?.handledRequests?.resetNotifyStates, settings?.spec?.resetNotifyStates?.requestedAt);
    const by = requestBy(request);
    await patchSettings(resources, { resetNotifyStates: { requestedAt, requestedBy: by.requestedBy } }, { fieldManager: by.fieldManager });
    const cleared = containers.filter((container) => container.status?.notify !== undefined).length;
    return { status: 'ok', cleared, message: `notification states of ${cleared} container${cleared === 1 ? '' : 's'} will be cleared` };
  });

  // Sentinel's batch window is one global setting; here each channel has its own (spec.batching.window), so the
  // route sets it on every channel, and a channel edited through kubectl or git may still differ.
  app.post<{ Body: { window: string } }>('/api/settings/notify-batch-window', { schema: { body: batchWindowBody } }, async (request) => {
    const text = request.body.window.trim();
    const window = text === '' || text === '0' ? '0s' : inField('window', () => durationValue(text, { min: 0, max: 10 * 60_000 }));
    const by = requestBy(request);
    const channels = (await resources.list('NotificationChannel')).items;
    for (const channel of channels) {
      await resources.modify('NotificationChannel', undefined, channel.metadata.name, (current) => {
        const spec = (current as unknown as NotificationChannel).spec;
        return { ...current, spec: { ...spec, batching: { ...spec.batching, window } } };
      }, { fieldManager: by.fieldManager });
    }
    return { status: 'ok', window, channels: channels.length };
  });

  app.get('/api/settings/digest', async () => {
    const digest = (await readSettings(resources))?.spec?.digest ?? {};
    return {
      digest_enabled: String(digest.enabled ?? settingsDefault(['digest', 'enabled']) ?? false),
      digest_time: digest.time ?? String(settingsDefault(['digest', 'time']) ?? '09:00'),
      digest_interval: digest.interval ?? String(settingsDefault(['digest', 'interval']) ?? '24h'),
      default_notify_mode: 'default',
    };
  });

  app.post<{ Body: { digest_enabled?: boolean; digest_time?: string; digest_interval?: string; default_notify_mode?: string } }>(
    '/api/settings/digest',
    { schema: { body: digestBody } },
    async (request) => {
      const body = request.body ?? {};
      if (body.default_notify_mode !== undefined && body.default_notify_mode !== 'default') {
        throw restErrors.badRequest('default_notify_mode: Vigil has no global notification mode other than default: set notifyMode on Containers (notify-pref) or in an UpdatePolicy');
      }
      const digest: Record<string, boolean | string> = {};
      if (body.digest_enabled !== undefined) digest.enabled = body.digest_enabled;
      if (body.digest_time !== undefined && body.digest_time !== '') digest.time = inField('digest_time', () => timeOfDayValue(body.digest_time ?? ''));
      if (body.digest_interval !== undefined && body.digest_interval !== '') {
        digest.interval = inField('digest_interval', () => durationValue(body.digest_interval ?? '', { min: 3_600_000, max: 168 * 3_600_000 }));
      }
      if (Object.keys(digest).length > 0) await patchSettings(resources, { digest });
      return { status: 'ok', message: 'digest settings saved' };
    },
  );

  // The notification controller sends the digest and records the request in status.handledRequests.sendDigest; the
  // schedule is not moved by it (controllers/notifications/pipeline/digest-schedule.ts).
  app.post('/api/digest/trigger', async (request) => {
    const settings = await readSettings(resources);
    const requestedAt = nextRequestedAt(context.now(), settings?.status?.handledRequests?.sendDigest, settings?.spec?.sendDigest?.requestedAt);
    const by = requestBy(request);
    await patchSettings(resources, { sendDigest: { requestedAt, requestedBy: by.requestedBy } }, { fieldManager: by.fieldManager });
    return { status: 'ok', message: 'digest triggered' };
  });

  // What the last digest listed (status.lastDigestContainers, written with lastDigest by the notification controller),
  // until it is dismissed; a newer digest shows again.
  app.get('/api/digest/banner', async () => {
    const settings = await readSettings(resources);
    const lastDigest = Date.parse(settings?.status?.lastDigest ?? '');
    const dismissedAt = Date.parse(settings?.spec?.digestBannerDismissed?.requestedAt ?? '');
    if (Number.isNaN(lastDigest) || dismissedAt >= lastDigest) return { pending: [], count: 0 };
    const pending = (settings?.status?.lastDigestContainers ?? []).map(digestEntryKey);
    return { pending, count: pending.length };
  });

  app.post('/api/digest/banner/dismiss', async (request) => {
    const by = requestBy(request);
    await patchSettings(resources, { digestBannerDismissed: { requestedAt: context.now().toISOString(), requestedBy: by.requestedBy } }, { fieldManager: by.fieldManager });
    return { status: 'ok', message: 'banner dismissed' };
  });
}

/** The container's key as the queue shows it: `name` on the local Host, `HOST::name` on another. */
function digestEntryKey(entry: DigestEntry): string {
  return entry.host === LOCAL_HOST_NAME ? entry.name : `${entry.host}${KEY_SEPARATOR}${entry.name}`;
}
