// Slack incoming webhook: JSON `text` in mrkdwn (api.slack.com/messaging/webhooks). Slack truncates text over 40,000
// characters and advises keeping it under 4,000; the title is bold with *…* (mrkdwn, not **…**), the body escaped.
import type { ChannelSender, ResolvedChannel } from './sender.ts';
import { requireSecret } from './settings.ts';
import { createRedactor } from './redact.ts';
import { deliverHTTP, noConnectionToClose } from './http.ts';
import { escapeSlack, fitEscaped, trimEnd } from './text.ts';

export const SLACK_LIMITS = { text: 4000, title: 150 } as const;

export function slackText(title: string, body: string): string {
  // Asterisks inside the title would end the bold early: drop them from the bold run.
  const heading = `*${escapeSlack(trimEnd(title.replace(/\*/g, ''), SLACK_LIMITS.title))}*`;
  return `${heading}\n${fitEscaped(body, SLACK_LIMITS.text - heading.length - 1, escapeSlack)}`;
}

export function createSlackSender(channel: ResolvedChannel): ChannelSender {
  const url = requireSecret(channel, 'webhook_url');
  const redact = createRedactor(channel.secrets);
  return {
    async send(message, signal) {
      const body = JSON.stringify({ text: slackText(`${message.emoji} ${message.title}`.trim(), message.body) });
      return deliverHTTP({ url, headers: { 'Content-Type': 'application/json' }, body, deliveryId: message.deliveryId, redact }, signal);
    },
    close: noConnectionToClose,
  };
}
