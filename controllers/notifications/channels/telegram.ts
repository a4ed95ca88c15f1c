// Telegram Bot API sendMessage with parse_mode HTML (core.telegram.org/bots/api#sendmessage). HTML rather than
// MarkdownV2: three characters to escape instead of eighteen, so a raw error text cannot break the parse. The text
// limit is 4096 characters after entity parsing; the escaped text is kept within 4096, which is never more.
import type { ChannelSender, ResolvedChannel } from './sender.ts';
import { requireSecret, requireSettings } from './settings.ts';
import { createRedactor } from './redact.ts';
import { deliverHTTP, noConnectionToClose, secondsInJSON } from './http.ts';
import { escapeTelegramHTML, fitEscaped, trimEnd } from './text.ts';
import { joinURL } from './gotify.ts';

export const TELEGRAM_LIMITS = { text: 4096, title: 256 } as const;
export const TELEGRAM_DEFAULT_API_BASE = 'https://api.telegram.org';

export function telegramText(title: string, body: string): string {
  const heading = `<b>${escapeTelegramHTML(trimEnd(title, TELEGRAM_LIMITS.title))}</b>`;
  return `${heading}\n${fitEscaped(body, TELEGRAM_LIMITS.text - heading.length - 1, escapeTelegramHTML)}`;
}

export function createTelegramSender(channel: ResolvedChannel): ChannelSender {
  const settings = requireSettings(channel, 'telegram');
  const token = requireSecret(channel, 'bot_token');
  const redact = createRedactor(channel.secrets);
  const url = joinURL(settings.apiBase ?? TELEGRAM_DEFAULT_API_BASE, `bot${token}/sendMessage`);
  return {
    async send(message, signal) {
      const body = JSON.stringify({
        chat_id: settings.chatID,
        text: telegramText(`${message.emoji} ${message.title}`.trim(), message.body),
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
      });
      return deliverHTTP(
        {
          url,
          headers: { 'Content-Type': 'application/json' },
          body,
          deliveryId: message.deliveryId,
          redact,
          retryAfterFromBody: (text) => secondsInJSON(text, ['parameters', 'retry_after']),
        },
        signal,
      );
    },
    close: noConnectionToClose,
  };
}
