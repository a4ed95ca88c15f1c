// Gotify: POST {url}/message with X-Gotify-Key (gotify.net/api-docs). Gotify documents no length limit; the caps here
// keep a runaway failure text from becoming a megabyte notification on a phone.
import type { ChannelSender, ResolvedChannel } from './sender.ts';
import { requireSecret, requireSettings } from './settings.ts';
import { createRedactor } from './redact.ts';
import { deliverHTTP, noConnectionToClose } from './http.ts';
import { trimEnd, trimMiddle } from './text.ts';

export const GOTIFY_LIMITS = { title: 250, message: 10_000 } as const;

/** Failures get Gotify's high priority by default (Sentinel's 8), other events 5; settings.priority overrides. */
function priorityOf(severity: string, configured: number | undefined): number {
  if (configured !== undefined) return configured;
  return severity === 'error' ? 8 : 5;
}

export function joinURL(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

export function createGotifySender(channel: ResolvedChannel): ChannelSender {
  const settings = requireSettings(channel, 'gotify');
  const token = requireSecret(channel, 'token');
  const redact = createRedactor(channel.secrets);
  return {
    async send(message, signal) {
      const body = JSON.stringify({
        title: trimEnd(message.title, GOTIFY_LIMITS.title),
        message: trimMiddle(message.body, GOTIFY_LIMITS.message),
        priority: priorityOf(message.severity, settings.priority),
      });
      return deliverHTTP(
        {
          url: joinURL(settings.url, 'message'),
          headers: { 'Content-Type': 'application/json', 'X-Gotify-Key': token },
          body,
          deliveryId: message.deliveryId,
          redact,
        },
        signal,
      );
    },
    close: noConnectionToClose,
  };
}
