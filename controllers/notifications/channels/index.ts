// createSender: the SenderFactory the pipeline uses, dispatching on spec.type to one file per channel type.
//
// For the pipeline: a channel may also be written as a Shoutrrr URL — parseShoutrrrURL(url) in domain/notifications/shoutrrr.ts returns
// {spec, secrets} (the typed NotificationChannelSpec and the Secret's keys) or throws ShoutrrrURLError naming the
// part it could not read; wire it into the REST channel save / resource input.
import type { ChannelSender, ResolvedChannel, SenderFactory, SendResult } from './sender.ts';
import { ChannelConfigError } from './settings.ts';
import { createAppriseSender } from './apprise.ts';
import { createDiscordSender } from './discord.ts';
import { createGotifySender } from './gotify.ts';
import { createMQTTSender } from './mqtt.ts';
import { createNtfySender } from './ntfy.ts';
import { createPushoverSender } from './pushover.ts';
import { createSlackSender } from './slack.ts';
import { createSMTPSender } from './smtp.ts';
import { createTelegramSender } from './telegram.ts';
import { createWebhookSender } from './webhook.ts';

export { parseShoutrrrURL, ShoutrrrURLError } from '../../../domain/notifications/shoutrrr.ts';
export { createRedactor } from './redact.ts';
export type { ChannelSender, ResolvedChannel, SenderFactory, SendResult } from './sender.ts';

const FACTORIES: Record<ResolvedChannel['spec']['type'], SenderFactory> = {
  apprise: createAppriseSender,
  discord: createDiscordSender,
  gotify: createGotifySender,
  mqtt: (channel) => createMQTTSender(channel),
  ntfy: createNtfySender,
  pushover: createPushoverSender,
  slack: createSlackSender,
  smtp: createSMTPSender,
  telegram: createTelegramSender,
  webhook: createWebhookSender,
};

/**
 * A channel whose settings or Secret are incomplete becomes a sender that answers `failed` with the reason: retrying
 * cannot fix it, and the pipeline records it on the channel's status like any other failure.
 */
function misconfigured(reason: string): ChannelSender {
  const result: SendResult = { outcome: 'failed', error: `channel misconfigured: ${reason}` };
  return { send: async () => result, close: async () => {} };
}

export const createSender: SenderFactory = (channel) => {
  try {
    return FACTORIES[channel.spec.type](channel);
  } catch (error) {
    if (error instanceof ChannelConfigError) return misconfigured(error.message);
    throw error;
  }
};
