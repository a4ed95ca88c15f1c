// POST /api/settings/notifications/test: a real message through the real sender and renderer of each channel tested,
// once (a test answers now; the outbox and its retries are for events). It runs on any replica, not only the leader:
// it writes nothing. The answer carries the sender's redacted error text, never a secret.
import { randomBytes } from 'node:crypto';
import type { ResourceClient } from '../../../apiserver/resources/client.ts';
import type { NotificationTester, NotificationTestResult } from '../../../apiserver/sentinel/context.ts';
import { restIdOf } from '../../../apiserver/sentinel/notifications/channel-mapping.ts';
import { readChannels, type StoredChannel } from '../../../apiserver/sentinel/notifications/channel-store.ts';
import { systemClock, type Clock } from '../../runtime/index.ts';
import { createSender } from '../channels/index.ts';
import type { NotificationPayload, OutgoingMessage, SenderFactory } from '../channels/sender.ts';
import { composeMessage, templatesFor } from './messages.ts';

/** How long one channel's test send may take (the HTTP senders give up after 10 s, Apprise after 15 s). */
const TEST_TIMEOUT_MS = 20_000;

export interface NotificationTesterOptions {
  resources: ResourceClient;
  /** Default: the ten real senders. */
  senderFactory?: SenderFactory;
  clock?: Clock;
}

function testMessage(stored: StoredChannel, now: Date): OutgoingMessage {
  const name = stored.channel.metadata.name ?? '';
  const payload: NotificationPayload = {
    type: 'update_available',
    timestamp: now.toISOString(),
    containers: [{ name: 'vigil-test', host: 'local', image: 'vigil/test:1.0.0', currentVersion: '1.0.0', targetVersion: '1.0.1' }],
  };
  const delivery = { id: `test/${name}/${randomBytes(6).toString('hex')}`, channel: name, sequence: 0, payload, attempts: 0, notBefore: 0 };
  // Rendered as an event would be (the channel's templates over Settings'), titled so nobody takes it for a real one.
  const { message } = composeMessage(delivery, templatesFor(stored.channel, undefined));
  return { ...message, title: 'Vigil test notification', body: `This is a test notification from Vigil: channel ${stored.channel.spec.displayName ?? name} works.\n${message.body}` };
}

async function testOne(stored: StoredChannel, factory: SenderFactory, now: Date): Promise<NotificationTestResult> {
  const { channel } = stored;
  const base = { id: restIdOf(channel), name: channel.spec.displayName ?? channel.metadata.name ?? '', type: channel.spec.type };
  const sender = factory({ name: channel.metadata.name ?? '', spec: channel.spec, secrets: stored.secrets });
  try {
    const result = await sender.send(testMessage(stored, now), AbortSignal.timeout(TEST_TIMEOUT_MS));
    return result.outcome === 'delivered' ? { ...base, success: true } : { ...base, success: false, error: result.error };
  } finally {
    await sender.close();
  }
}

export function notificationTester(options: NotificationTesterOptions): NotificationTester {
  const factory = options.senderFactory ?? createSender;
  const clock = options.clock ?? systemClock;
  return {
    async test({ channelId }) {
      const channels = await readChannels(options.resources);
      // One named channel is tested even when disabled (that is how one checks it before enabling it).
      const chosen = channelId === undefined
        ? channels.filter((stored) => stored.channel.spec.enabled !== false)
        : channels.filter((stored) => restIdOf(stored.channel) === channelId || stored.channel.metadata.name === channelId);
      const now = new Date(clock.now());
      return await Promise.all(chosen.map(async (stored) => await testOne(stored, factory, now)));
    },
  };
}
