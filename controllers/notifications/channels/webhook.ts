// Webhook: POST the event JSON (message.payload plus title and body) to the configured URL, with the configured headers
// and, from secret key `headers`, secret ones (a JSON object) that win on a clash.
import type { ChannelSender, ResolvedChannel } from './sender.ts';
import { ChannelConfigError, requireSettings } from './settings.ts';
import { createRedactor } from './redact.ts';
import { deliverHTTP, noConnectionToClose } from './http.ts';

function secretHeaders(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Never quote the value: it is secret.
    throw new ChannelConfigError('secret key "headers" is not a JSON object');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ChannelConfigError('secret key "headers" is not a JSON object');
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new ChannelConfigError(`secret key "headers": header "${name}" is not a string`);
    headers[name] = value;
  }
  return headers;
}

export function createWebhookSender(channel: ResolvedChannel): ChannelSender {
  const settings = requireSettings(channel, 'webhook');
  const hidden = secretHeaders(channel.secrets.headers);
  // Each secret header's value on its own, too: a service that quotes the token back without its scheme is redacted.
  const redact = createRedactor(channel.secrets, [settings.url, ...Object.values(hidden), ...Object.values(hidden).map((value) => value.replace(/^\S+\s+/, ''))]);
  // Content-Type is the webhook's own (the body is JSON); a configured one under any spelling is dropped, not doubled.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...(settings.headers ?? {}), ...hidden })) {
    if (name.toLowerCase() !== 'content-type') headers[name] = value;
  }
  return {
    async send(message, signal) {
      const body = JSON.stringify({ ...message.payload, title: message.title, body: message.body });
      return deliverHTTP(
        { url: settings.url, headers: { ...headers, 'Content-Type': 'application/json' }, body, deliveryId: message.deliveryId, redact },
        signal,
      );
    },
    close: noConnectionToClose,
  };
}
