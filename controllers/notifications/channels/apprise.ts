// Apprise API (github.com/caronc/apprise-api): stateless POST {url}/notify/ with `urls` (secret key urls), or stateful
// POST {url}/notify/{key} for a configuration stored on the server, where `tag` is an optional filter in the body
// (Sentinel put the tag in the path: its bug 11). Written by hand: Apprise has no Node client. It fans out to many
// services, so it gets 15 s. Apprise documents no length limit; it trims per service itself.
import type { ChannelSender, NotificationSeverity, ResolvedChannel } from './sender.ts';
import { ChannelConfigError, requireSettings } from './settings.ts';
import { createRedactor } from './redact.ts';
import { deliverHTTP, noConnectionToClose } from './http.ts';
import { joinURL } from './gotify.ts';

const APPRISE_TIMEOUT_MS = 15_000;
const TYPES: Record<NotificationSeverity, string> = { info: 'info', success: 'success', warning: 'warning', error: 'failure' };

export function createAppriseSender(channel: ResolvedChannel): ChannelSender {
  const settings = requireSettings(channel, 'apprise');
  const urls = channel.secrets.urls;
  if (settings.key === undefined && (urls === undefined || urls.trim() === '')) {
    throw new ChannelConfigError('apprise needs settings.apprise.key (stateful) or secret key "urls" (stateless)');
  }
  if (settings.key === undefined && settings.tag !== undefined) {
    throw new ChannelConfigError('settings.apprise.tag filters a stateful configuration: set settings.apprise.key too');
  }
  const redact = createRedactor(channel.secrets);
  const endpoint = joinURL(settings.url, settings.key === undefined ? 'notify/' : `notify/${encodeURIComponent(settings.key)}`);
  return {
    async send(message, signal) {
      const fields: Record<string, string> = {
        title: `${message.emoji} ${message.title}`.trim(),
        body: message.body,
        type: TYPES[message.severity],
        format: 'text',
      };
      if (settings.key === undefined && urls !== undefined) fields.urls = urls;
      if (settings.key !== undefined && settings.tag !== undefined) fields.tag = settings.tag;
      return deliverHTTP(
        {
          url: endpoint,
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(fields),
          deliveryId: message.deliveryId,
          redact,
          timeoutMs: APPRISE_TIMEOUT_MS,
        },
        signal,
      );
    },
    close: noConnectionToClose,
  };
}
