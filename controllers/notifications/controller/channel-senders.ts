// One sender per channel for the life of its settings: the channel with its Secret's keys resolved (decoded by the
// REST facade's own channel code, so both read a Secret the same way), rebuilt when the channel or its Secret
// changes and closed then (an MQTT channel holds one persistent connection), all closed when the controller stops.
import type { NotificationChannel, Secret } from '../../../schemas/generated/types.ts';
import { DEFAULT_SECRET_NAMESPACE } from '../../../schemas/index.ts';
import { decodeSecret } from '../../../apiserver/sentinel/notifications/channel-store.ts';
import type { Lister } from '../../runtime/index.ts';
import type { Stored } from '../../stored.ts';
import type { ChannelSender, ResolvedChannel, SenderFactory } from '../channels/sender.ts';

export type ChannelResolution =
  | { ok: true; channel: ResolvedChannel; version: string }
  | { ok: false; reason: 'SecretNotFound'; message: string };

/** The Secret a channel's secretRef names (namespace default vigil-system). */
export function secretKeyOf(channel: NotificationChannel): string | undefined {
  const ref = channel.spec.secretRef;
  return ref === undefined ? undefined : `${ref.namespace ?? DEFAULT_SECRET_NAMESPACE}/${ref.name}`;
}

export function resolveChannel(channel: NotificationChannel, secrets: Lister<Stored<Secret>>): ChannelResolution {
  const name = channel.metadata.name ?? '';
  const secretKey = secretKeyOf(channel);
  const secret = secretKey === undefined ? undefined : secrets.get(secretKey);
  if (secretKey !== undefined && secret === undefined) {
    return { ok: false, reason: 'SecretNotFound', message: `the Secret ${secretKey} that spec.secretRef names does not exist` };
  }
  // The version names what the sender was built from: a change of either rebuilds it.
  const version = `${channel.metadata.resourceVersion ?? ''}/${secret?.metadata.resourceVersion ?? ''}`;
  return { ok: true, channel: { name, spec: channel.spec, secrets: decodeSecret(secret) }, version };
}

export class ChannelSenders {
  readonly #factory: SenderFactory;
  readonly #senders = new Map<string, { version: string; sender: ChannelSender }>();

  constructor(factory: SenderFactory) {
    this.#factory = factory;
  }

  async senderFor(resolved: { channel: ResolvedChannel; version: string }): Promise<ChannelSender> {
    const current = this.#senders.get(resolved.channel.name);
    if (current !== undefined && current.version === resolved.version) return current.sender;
    if (current !== undefined) await current.sender.close();
    const sender = this.#factory(resolved.channel);
    this.#senders.set(resolved.channel.name, { version: resolved.version, sender });
    return sender;
  }

  /** The channel is gone or disabled: its connection goes too. */
  async release(channel: string): Promise<void> {
    const current = this.#senders.get(channel);
    this.#senders.delete(channel);
    await current?.sender.close();
  }

  async closeAll(): Promise<void> {
    const senders = [...this.#senders.values()];
    this.#senders.clear();
    await Promise.allSettled(senders.map(async (entry) => await entry.sender.close()));
  }
}
