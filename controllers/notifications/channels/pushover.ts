// Pushover: POST {apiBase}/1/messages.json, form-encoded (pushover.net/api). Limits: message 1024, title 250 characters.
// Priority 2 (emergency) requires retry and expire; Vigil asks again every 60 s for an hour.
import type { ChannelSender, ResolvedChannel } from './sender.ts';
import { optionalSettings, requireSecret } from './settings.ts';
import { createRedactor } from './redact.ts';
import { deliverHTTP, noConnectionToClose } from './http.ts';
import { trimEnd, trimMiddle } from './text.ts';
import { joinURL } from './gotify.ts';

export const PUSHOVER_LIMITS = { message: 1024, title: 250 } as const;
export const PUSHOVER_DEFAULT_API_BASE = 'https://api.pushover.net';

export function createPushoverSender(channel: ResolvedChannel): ChannelSender {
  const settings = optionalSettings(channel, 'pushover') ?? {};
  const token = requireSecret(channel, 'app_token');
  const user = requireSecret(channel, 'user_key');
  const redact = createRedactor(channel.secrets);
  const url = joinURL(settings.apiBase ?? PUSHOVER_DEFAULT_API_BASE, '1/messages.json');
  return {
    async send(message, signal) {
      const form = new URLSearchParams({
        token,
        user,
        title: trimEnd(`${message.emoji} ${message.title}`.trim(), PUSHOVER_LIMITS.title),
        message: trimMiddle(message.body, PUSHOVER_LIMITS.message),
      });
      if (settings.priority !== undefined) {
        form.set('priority', String(settings.priority));
        if (settings.priority === 2) {
          form.set('retry', '60');
          form.set('expire', '3600');
        }
      }
      return deliverHTTP(
        {
          url,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
          deliveryId: message.deliveryId,
          redact,
        },
        signal,
      );
    },
    close: noConnectionToClose,
  };
}
