// Which broker discovery uses (pure): the mqtt NotificationChannel Settings spec.haDiscovery.channelRef names (used
// whether or not the channel itself is enabled for events), or without a channelRef the first enabled mqtt channel
// by name (Sentinel borrows the first enabled one). The broker URL shown in status carries no credentials.
import type { NotificationChannel } from '../../../schemas/generated/types.ts';

export type ChannelChoice = { ok: true; channel: NotificationChannel } | { ok: false; message: string };

export function chooseChannel(channelRef: string | undefined, channels: readonly NotificationChannel[]): ChannelChoice {
  if (channelRef !== undefined) {
    const named = channels.find((channel) => channel.metadata.name === channelRef);
    if (named === undefined) return { ok: false, message: `spec.haDiscovery.channelRef: the NotificationChannel ${channelRef} does not exist` };
    if (named.spec.type !== 'mqtt') return { ok: false, message: `spec.haDiscovery.channelRef: the NotificationChannel ${channelRef} is of type ${named.spec.type}, not mqtt` };
    return { ok: true, channel: named };
  }
  const first = channels
    .filter((channel) => channel.spec.type === 'mqtt' && channel.spec.enabled !== false)
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
  return first === undefined ? { ok: false, message: 'no mqtt NotificationChannel to publish through: set spec.haDiscovery.channelRef or create one' } : { ok: true, channel: first };
}

/** The broker URL without user name and password (status and logs). */
export function displayBroker(broker: string): string {
  try {
    const url = new URL(broker);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return 'an unparsable broker URL';
  }
}
