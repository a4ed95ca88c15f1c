// Docker Sentinel's notification channel `{id, type, name, enabled, settings, events}` ↔ a NotificationChannel resource
// and its Secret: the non-secret settings go to `spec.settings.<type>` (named as the schema names them), the secret
// ones (tokens, passwords, webhook URLs, secret headers) to the Secret `spec.secretRef` names, never to the resource.
// Sentinel's flat `settings` object is rebuilt on the way back, its secret values replaced by a mask.
import type { NotificationChannel, NotificationChannelSpec, NotificationEvent } from '../../../schemas/generated/types.ts';
import { parseShoutrrrURL, ShoutrrrURLError } from '../../../domain/notifications/shoutrrr.ts';
import { SettingValueError } from '../settings/setting-values.ts';

export type ChannelType = NotificationChannelSpec['type'];

export const CHANNEL_TYPES: readonly ChannelType[] = ['gotify', 'slack', 'discord', 'ntfy', 'telegram', 'pushover', 'smtp', 'apprise', 'mqtt', 'webhook'];

export const NOTIFICATION_EVENTS: readonly NotificationEvent[] = ['update_available', 'version_available', 'update_started', 'update_succeeded', 'update_failed', 'rollback_succeeded', 'rollback_failed', 'container_state', 'digest'];

/** Where the REST id of a channel (or registry credential) is kept when it is not the resource name itself. */
export const REST_ID_ANNOTATION = 'vigil.dev/rest-id';
/** The position in the list the dashboard saved (GET answers in that order). */
export const REST_ORDER_ANNOTATION = 'vigil.dev/rest-order';

/** The mask GET shows for a secret value; a value ending with it, sent back, keeps the stored one (the reference's rule). */
export const SECRET_MASK = '****';

type PlainKind = 'string' | 'integer' | 'recipients' | 'tls';

interface PlainField {
  /** The field in spec.settings.<type>. */
  field: string;
  kind: PlainKind;
}

interface TypeMapping {
  plain: Readonly<Record<string, PlainField>>;
  /** Secret keys (the REST settings key is the Secret key). */
  secrets: readonly string[];
  /** REST settings keys without which the channel cannot send (checked once kept secrets are restored). */
  required: readonly string[];
}

const text = (field: string): PlainField => ({ field, kind: 'string' });
const integer = (field: string): PlainField => ({ field, kind: 'integer' });

export const CHANNEL_MAPPINGS: Readonly<Record<ChannelType, TypeMapping>> = {
  gotify: { plain: { url: text('url'), priority: integer('priority') }, secrets: ['token'], required: ['url', 'token'] },
  slack: { plain: {}, secrets: ['webhook_url'], required: ['webhook_url'] },
  discord: { plain: {}, secrets: ['webhook_url'], required: ['webhook_url'] },
  ntfy: { plain: { server: text('server'), topic: text('topic'), priority: integer('priority'), username: text('username') }, secrets: ['token', 'password'], required: ['server', 'topic'] },
  telegram: { plain: { chat_id: text('chatID') }, secrets: ['bot_token'], required: ['chat_id', 'bot_token'] },
  pushover: { plain: { priority: integer('priority') }, secrets: ['app_token', 'user_key'], required: ['app_token', 'user_key'] },
  smtp: {
    plain: { host: text('host'), port: integer('port'), from: text('from'), to: { field: 'to', kind: 'recipients' }, username: text('username'), tls: { field: 'tls', kind: 'tls' } },
    secrets: ['password'],
    required: ['host', 'port', 'from', 'to'],
  },
  apprise: { plain: { url: text('url'), tag: text('tag') }, secrets: ['urls'], required: ['url'] },
  mqtt: { plain: { broker: text('broker'), topic: text('topic'), client_id: text('clientID'), username: text('username'), qos: integer('qos') }, secrets: ['password'], required: ['broker', 'topic'] },
  // Every header may carry a credential: all of them are kept in the Secret (key `headers`, a JSON object).
  webhook: { plain: { url: text('url') }, secrets: ['headers'], required: ['url'] },
};

/** A channel as Sentinel's API shows and takes it. */
export interface RestChannel {
  id: string;
  type: ChannelType;
  name: string;
  enabled: boolean;
  settings: Record<string, unknown>;
  events: string[];
}

/** What a request gives for one channel (route schema: type required, the rest optional). */
export interface RestChannelInput {
  id?: string;
  /** Required unless `url` is given (then it must match the URL's service, if given at all). */
  type?: ChannelType;
  /** A Shoutrrr-style URL (discord://token@id, ntfy://…) in place of type and settings: what Watchtower and Diun users hold. */
  url?: string;
  name?: string;
  enabled?: boolean;
  settings?: Record<string, unknown>;
  events?: string[];
}

/** A secret value from a request: a new value, or "keep what is stored" (masked or redacted). */
export type SecretInput = { value: string } | { keep: 'masked' | 'redacted' };

export interface ChannelDraft {
  spec: Omit<NotificationChannelSpec, 'secretRef'>;
  /** Secret key → value or keep; keys absent from the request are absent here (and removed). */
  secrets: Record<string, SecretInput>;
}

export const REDACTED = '***REDACTED***';

function plainValue(value: unknown, field: PlainField, where: string): unknown {
  switch (field.kind) {
    case 'string':
      if (typeof value !== 'string') throw new SettingValueError(`${where}: must be a string`);
      return value.trim() === '' ? undefined : value.trim();
    case 'integer': {
      const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (value === '' || value === null) return undefined;
      if (typeof number !== 'number' || !Number.isInteger(number)) throw new SettingValueError(`${where}: must be a whole number`);
      return number;
    }
    case 'recipients': {
      const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
      if (list === undefined || !list.every((item) => typeof item === 'string')) throw new SettingValueError(`${where}: must be an address or a list of addresses`);
      const addresses = (list as string[]).map((item) => item.trim()).filter((item) => item !== '');
      return addresses.length === 0 ? undefined : addresses;
    }
    case 'tls':
      // Sentinel's SMTP TLS is a flag: on means implicit TLS; Vigil also takes its own none/starttls/tls.
      if (value === true) return 'tls';
      if (value === false) return 'none';
      if (value === 'none' || value === 'starttls' || value === 'tls') return value;
      throw new SettingValueError(`${where}: must be true, false, "none", "starttls" or "tls"`);
  }
}

function secretInput(value: unknown, where: string): SecretInput | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'object' && !Array.isArray(value)) {
    // Webhook headers: an object; masked or redacted values are kept per header by the store (channel-store.ts).
    return { value: JSON.stringify(value) };
  }
  if (typeof value !== 'string') throw new SettingValueError(`${where}: must be a string`);
  if (value === REDACTED) return { keep: 'redacted' };
  if (value.endsWith(SECRET_MASK)) return { keep: 'masked' };
  return { value };
}

/** The resource spec and the Secret values a REST channel describes; throws SettingValueError naming the field. */
export function channelDraft(input: RestChannelInput, where: string): ChannelDraft {
  if (input.url !== undefined) return urlDraft(input, input.url, where);
  if (input.type === undefined) throw new SettingValueError(`${where}.type: required (or give a Shoutrrr url)`);
  return typedDraft({ ...input, type: input.type }, where);
}

/** A channel given as a Shoutrrr URL: its service's typed spec, its credentials into the Secret. */
function urlDraft(input: RestChannelInput, url: string, where: string): ChannelDraft {
  if (input.settings !== undefined && Object.keys(input.settings).length > 0) throw new SettingValueError(`${where}.settings: give either a url or settings, not both`);
  let parsed: ReturnType<typeof parseShoutrrrURL>;
  try {
    parsed = parseShoutrrrURL(url);
  } catch (error) {
    // The parser's message names the part at fault and never repeats a secret.
    if (error instanceof ShoutrrrURLError) throw new SettingValueError(`${where}.url: ${error.message}`);
    throw error;
  }
  if (input.type !== undefined && input.type !== parsed.spec.type) throw new SettingValueError(`${where}.type: ${input.type} does not match the url's service (${parsed.spec.type})`);
  const draft = typedDraft({ ...input, type: parsed.spec.type, settings: {} }, where, { skipRequired: true });
  const secrets = Object.fromEntries(Object.entries(parsed.secrets).map(([key, value]) => [key, { value }]));
  const { secretRef: _none, ...spec } = parsed.spec;
  return { spec: { ...spec, ...draft.spec, ...(spec.settings === undefined ? {} : { settings: spec.settings }) }, secrets };
}

function typedDraft(input: RestChannelInput & { type: ChannelType }, where: string, options: { skipRequired?: boolean } = {}): ChannelDraft {
  const mapping = CHANNEL_MAPPINGS[input.type];
  const settings = input.settings ?? {};
  const plain: Record<string, unknown> = {};
  const secrets: Record<string, SecretInput> = {};
  for (const [key, value] of Object.entries(settings)) {
    const field = mapping.plain[key];
    if (field !== undefined) {
      const converted = plainValue(value, field, `${where}.settings.${key}`);
      if (converted !== undefined) plain[field.field] = converted;
    } else if (mapping.secrets.includes(key)) {
      const secret = secretInput(value, `${where}.settings.${key}`);
      if (secret !== undefined) secrets[key] = secret;
    } else {
      throw new SettingValueError(`${where}.settings.${key}: unknown setting for a ${input.type} channel (expected ${[...Object.keys(mapping.plain), ...mapping.secrets].join(', ')})`);
    }
  }
  const events = input.events ?? [];
  for (const [index, event] of events.entries()) {
    if (!NOTIFICATION_EVENTS.includes(event as NotificationEvent)) {
      throw new SettingValueError(`${where}.events[${index}]: must be one of ${NOTIFICATION_EVENTS.join(', ')} (got ${JSON.stringify(event)})`);
    }
  }
  const spec: ChannelDraft['spec'] = {
    type: input.type,
    ...(input.name === undefined || input.name === '' ? {} : { displayName: input.name }),
    enabled: input.enabled ?? true,
    ...(events.length === 0 ? {} : { events: [...new Set(events)] as NotificationEvent[] }),
    ...(Object.keys(plain).length === 0 ? {} : { settings: { [input.type]: plain } }),
  };
  for (const key of options.skipRequired === true ? [] : mapping.required) {
    if (mapping.plain[key] !== undefined && plain[mapping.plain[key].field] === undefined) throw new SettingValueError(`${where}.settings.${key}: required for a ${input.type} channel`);
  }
  return { spec, secrets };
}

/** The REST keys of the Secret a channel of this type must have (checked after kept values are restored). */
export function requiredSecrets(type: ChannelType): string[] {
  const mapping = CHANNEL_MAPPINGS[type];
  return mapping.required.filter((key) => mapping.secrets.includes(key));
}

/** The name a dashboard shows: the REST name (displayName), else the resource name. */
export function channelName(channel: NotificationChannel): string {
  return channel.spec.displayName ?? channel.metadata.name ?? '';
}

export function restIdOf(object: { metadata: { name?: string; annotations?: Record<string, string> } }): string {
  return object.metadata.annotations?.[REST_ID_ANNOTATION] ?? object.metadata.name ?? '';
}

/** The REST view of a channel; `show` decides what a secret value looks like (masked, redacted or itself). */
export function restChannel(channel: NotificationChannel, secretValues: Readonly<Record<string, string>>, show: (value: string) => string): RestChannel {
  const type = channel.spec.type;
  const mapping = CHANNEL_MAPPINGS[type];
  const plain = (channel.spec.settings?.[type] ?? {}) as Record<string, unknown>;
  const settings: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(mapping.plain)) {
    const value = plain[field.field];
    if (value !== undefined) settings[key] = field.kind === 'recipients' && Array.isArray(value) ? value.join(',') : value;
  }
  for (const key of mapping.secrets) {
    const value = secretValues[key];
    if (value === undefined) continue;
    if (key === 'headers') {
      settings.headers = { ...(type === 'webhook' ? (channel.spec.settings?.webhook?.headers ?? {}) : {}), ...mapHeaders(value, show) };
    } else {
      settings[key] = show(value);
    }
  }
  if (type === 'webhook' && settings.headers === undefined && channel.spec.settings?.webhook?.headers !== undefined) settings.headers = channel.spec.settings.webhook.headers;
  return {
    id: restIdOf(channel),
    type,
    name: channelName(channel),
    enabled: channel.spec.enabled ?? true,
    settings,
    events: [...(channel.spec.events ?? [])],
  };
}

function mapHeaders(json: string, show: (value: string) => string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string').map(([name, value]) => [name, show(value)]));
  } catch {
    return {};
  }
}

/**
 * Webhook headers sent back: a header whose value is masked or redacted keeps its stored value; the others are new.
 * Returns the JSON to store and how many values were redacted.
 */
export function mergeHeaders(sent: string, stored: string | undefined): { json: string; redacted: number } {
  const incoming = JSON.parse(sent) as Record<string, unknown>;
  const previous = stored === undefined ? {} : (JSON.parse(stored) as Record<string, unknown>);
  const merged: Record<string, string> = {};
  let redacted = 0;
  for (const [name, value] of Object.entries(incoming)) {
    if (typeof value !== 'string') throw new SettingValueError(`settings.headers.${name}: must be a string`);
    if (value === REDACTED || value.endsWith(SECRET_MASK)) {
      if (value === REDACTED) redacted += 1;
      const kept = previous[name];
      if (typeof kept === 'string') merged[name] = kept;
    } else {
      merged[name] = value;
    }
  }
  return { json: JSON.stringify(merged), redacted };
}
