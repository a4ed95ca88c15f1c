// Discord webhook: one embed (discord.com/developers/docs/resources/webhook#execute-webhook). Limits from
// discord.com/developers/docs/resources/message#embed-object-embed-limits: title 256, description 4096, total 6000;
// content 2000 (unused: the embed carries everything). allowed_mentions none, so "@everyone" in an error text pings
// nobody; markdown escaped, so a name like trusting_franklin stays as written.
import type { ChannelSender, NotificationSeverity, ResolvedChannel } from './sender.ts';
import { requireSecret } from './settings.ts';
import { createRedactor } from './redact.ts';
import { deliverHTTP, noConnectionToClose, secondsInJSON } from './http.ts';
import { escapeDiscord, fitEscaped, trimEnd } from './text.ts';

export const DISCORD_LIMITS = { content: 2000, title: 256, description: 4096, field: 1024, total: 6000 } as const;

const COLORS: Record<NotificationSeverity, number> = { success: 0x2ecc71, error: 0xe74c3c, warning: 0xf39c12, info: 0x3498db };

export function discordEmbed(title: string, body: string, severity: NotificationSeverity, timestamp: string) {
  return {
    title: trimEnd(title, DISCORD_LIMITS.title),
    description: fitEscaped(body, DISCORD_LIMITS.description, escapeDiscord),
    color: COLORS[severity],
    timestamp,
  };
}

export function createDiscordSender(channel: ResolvedChannel): ChannelSender {
  const url = requireSecret(channel, 'webhook_url');
  const redact = createRedactor(channel.secrets);
  return {
    async send(message, signal) {
      const embed = discordEmbed(`${message.emoji} ${message.title}`.trim(), message.body, message.severity, message.payload.timestamp);
      const body = JSON.stringify({ embeds: [embed], allowed_mentions: { parse: [] } });
      return deliverHTTP(
        {
          url,
          headers: { 'Content-Type': 'application/json' },
          body,
          deliveryId: message.deliveryId,
          redact,
          retryAfterFromBody: (text) => secondsInJSON(text, ['retry_after']),
        },
        signal,
      );
    },
    close: noConnectionToClose,
  };
}
