// ntfy: JSON publishing, POST {server}/ with {topic, title, message, priority, markdown:false} (docs.ntfy.sh/publish/#publish-as-json).
// Written by hand (no maintained client library); JSON rather than the X-Title header form because a header cannot carry
// the emoji and non-Latin-1 text titles have. ntfy turns a message over 4096 bytes into an attachment, so the body is
// cut to 4096 bytes of UTF-8.
import type { ChannelSender, NotificationSeverity, ResolvedChannel } from './sender.ts';
import { requireSettings } from './settings.ts';
import { createRedactor } from './redact.ts';
import { deliverHTTP, noConnectionToClose } from './http.ts';
import { trimEnd, trimMiddle } from './text.ts';
import { joinURL } from './gotify.ts';

export const NTFY_LIMITS = { messageBytes: 4096, title: 250 } as const;

/** Cut from the middle until the UTF-8 form fits `maxBytes`. */
export function trimMiddleBytes(text: string, maxBytes: number): string {
  let chars = Math.min(text.length, maxBytes);
  let out = trimMiddle(text, chars);
  while (Buffer.byteLength(out, 'utf8') > maxBytes && chars > 1) {
    chars -= Math.max(1, Math.ceil((Buffer.byteLength(out, 'utf8') - maxBytes) / 4));
    out = trimMiddle(text, chars);
  }
  return out;
}

const DEFAULT_PRIORITY: Record<NotificationSeverity, number> = { error: 4, warning: 3, success: 3, info: 3 };

export function createNtfySender(channel: ResolvedChannel): ChannelSender {
  const settings = requireSettings(channel, 'ntfy');
  const redact = createRedactor(channel.secrets);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  const token = channel.secrets.token;
  const password = channel.secrets.password;
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (settings.username && password !== undefined) {
    headers.Authorization = `Basic ${Buffer.from(`${settings.username}:${password}`).toString('base64')}`;
  }
  return {
    async send(message, signal) {
      const body = JSON.stringify({
        topic: settings.topic,
        title: trimEnd(`${message.emoji} ${message.title}`.trim(), NTFY_LIMITS.title),
        message: trimMiddleBytes(message.body, NTFY_LIMITS.messageBytes),
        priority: settings.priority ?? DEFAULT_PRIORITY[message.severity],
      });
      return deliverHTTP({ url: joinURL(settings.server, ''), headers, body, deliveryId: message.deliveryId, redact }, signal);
    },
    close: noConnectionToClose,
  };
}
