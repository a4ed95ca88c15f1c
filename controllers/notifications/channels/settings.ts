// Reading a channel's typed settings and secret keys; a missing one is a ChannelConfigError, which the factory turns
// into a sender that answers `failed` (a malformed channel cannot get better by retrying).
import type { ChannelSettings } from '../../../schemas/generated/types.ts';
import type { ResolvedChannel } from './sender.ts';

export class ChannelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelConfigError';
  }
}

export function requireSettings<K extends keyof ChannelSettings>(channel: ResolvedChannel, type: K): NonNullable<ChannelSettings[K]> {
  const settings = channel.spec.settings?.[type];
  if (settings === undefined || settings === null) throw new ChannelConfigError(`settings.${type} is missing`);
  return settings as NonNullable<ChannelSettings[K]>;
}

export function optionalSettings<K extends keyof ChannelSettings>(channel: ResolvedChannel, type: K): ChannelSettings[K] {
  return channel.spec.settings?.[type];
}

export function requireSecret(channel: ResolvedChannel, key: string): string {
  const value = channel.secrets[key];
  if (value === undefined || value === '') throw new ChannelConfigError(`secret key "${key}" is missing`);
  return value;
}
