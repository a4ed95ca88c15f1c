// The configuration backup in Docker Sentinel's format `{version: "1", exported_at, settings, notifications,
// registries}`: settings as Sentinel's keys with text values (settings/setting-keys.ts), channels and registry
// credentials as their REST shapes. Secrets are `***REDACTED***` unless asked for. Importing takes a Sentinel backup
// or a Vigil one: every setting key is checked first (an unknown key or a bad value is a 400 naming it, and nothing is
// written); keys Sentinel has and Vigil keeps elsewhere are skipped with a warning; redacted values are skipped
// (counted), keeping what is stored.
import type { NotificationChannel, Settings } from '../../../schemas/generated/types.ts';
import { DEFAULT_SECRET_NAMESPACE } from '../../../schemas/index.ts';
import type { ResourceClient } from '../../resources/client.ts';
import { REDACTED, restChannel, type RestChannel, type RestChannelInput } from '../notifications/channel-mapping.ts';
import { decodeSecret, readChannels, readSecret, saveChannels } from '../notifications/channel-store.ts';
import { readRegistries, restCredential, saveCredentials, type CredentialInput, type RestCredential } from '../registries/credential-store.ts';
import { readSettings } from '../reads.ts';
import { FOREIGN_SETTING_KEYS, mergePatches, settingKey, settingsAsText, type SpecPatch } from '../settings/setting-keys.ts';
import { SettingValueError } from '../settings/setting-values.ts';
import { patchSettings } from '../settings/settings-writer.ts';
import { writeOwnedSecret } from '../notifications/channel-store.ts';

export const BACKUP_VERSION = '1';
export const WEBHOOK_SECRET_SETTING = 'webhook_secret';
const WEBHOOK_SECRET_NAME = 'vigil-webhook';
const WEBHOOK_SECRET_KEY = 'secret';

export interface ConfigBackup {
  version: string;
  exported_at: string;
  settings: Record<string, string>;
  notifications: RestChannel[];
  registries: RestCredential[];
}

export interface ImportResult {
  message: string;
  settings_imported: number;
  notifications_imported: number;
  registries_imported: number;
  redacted_skipped: number;
  warnings: string[];
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

async function webhookSecret(resources: ResourceClient, settings: Settings | undefined): Promise<string | undefined> {
  const ref = settings?.spec?.webhook?.secretRef;
  if (ref === undefined) return undefined;
  return decodeSecret(await readSecret(resources, ref.namespace ?? DEFAULT_SECRET_NAMESPACE, ref.name))[ref.key];
}

export async function exportConfig(resources: ResourceClient, options: { secrets: boolean; now: Date }): Promise<ConfigBackup> {
  const show = (value: string): string => (options.secrets || value === '' ? value : REDACTED);
  const [settings, channels, registries] = await Promise.all([readSettings(resources), readChannels(resources), readRegistries(resources)]);
  const text = settingsAsText(settings?.spec ?? {});
  const secret = await webhookSecret(resources, settings);
  if (secret !== undefined) text[WEBHOOK_SECRET_SETTING] = show(secret);
  return {
    version: BACKUP_VERSION,
    exported_at: options.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    settings: text,
    notifications: channels.map((stored) => restChannel(stored.channel as NotificationChannel, stored.secrets, show)),
    registries: registries.map((stored) => restCredential(stored, show)).filter((credential): credential is RestCredential => credential !== undefined),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface CheckedSettings {
  patch: SpecPatch;
  applied: number;
  redacted: number;
  warnings: string[];
  webhookSecret: string | undefined;
}

/** Every setting of the backup checked before anything is written. */
function checkSettings(settings: unknown): CheckedSettings {
  const checked: CheckedSettings = { patch: {}, applied: 0, redacted: 0, warnings: [], webhookSecret: undefined };
  if (settings === undefined || settings === null) return checked;
  if (!isRecord(settings)) throw new BackupError('settings: must be an object of setting keys to values');
  const unknown = Object.keys(settings).filter((key) => settingKey(key) === undefined && !FOREIGN_SETTING_KEYS.has(key) && key !== WEBHOOK_SECRET_SETTING);
  if (unknown.length > 0) throw new BackupError(`settings: unknown setting key${unknown.length === 1 ? '' : 's'} ${unknown.map((key) => JSON.stringify(key)).join(', ')}`);
  const patches: SpecPatch[] = [];
  for (const [key, value] of Object.entries(settings)) {
    if (typeof value !== 'string') throw new BackupError(`settings.${key}: must be a string (got ${JSON.stringify(value)})`);
    if (value === REDACTED) {
      checked.redacted += 1;
      continue;
    }
    if (key === WEBHOOK_SECRET_SETTING) {
      if (value !== '') checked.webhookSecret = value;
      continue;
    }
    const foreign = FOREIGN_SETTING_KEYS.get(key);
    if (foreign !== undefined) {
      if (value !== '' && !(key === 'default_notify_mode' && value === 'default')) checked.warnings.push(`setting ${key} skipped: ${foreign}`);
      continue;
    }
    const setting = settingKey(key);
    if (setting === undefined) continue;
    try {
      patches.push(setting.parse(value));
    } catch (error) {
      if (error instanceof SettingValueError) throw new BackupError(`settings.${key}: ${error.message}`);
      throw error;
    }
    checked.applied += 1;
  }
  checked.patch = mergePatches(patches);
  return checked;
}

function listOf<T>(value: unknown, field: string, check: (item: Record<string, unknown>, where: string) => T): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new BackupError(`${field}: must be a list`);
  return value.map((item: unknown, index) => {
    const where = `${field}[${index}]`;
    if (!isRecord(item)) throw new BackupError(`${where}: must be an object`);
    return check(item, where);
  });
}

function stringField(item: Record<string, unknown>, field: string, where: string, required: boolean): string | undefined {
  const value = item[field];
  if (value === undefined || value === null) {
    if (required) throw new BackupError(`${where}.${field}: required`);
    return undefined;
  }
  if (typeof value !== 'string') throw new BackupError(`${where}.${field}: must be a string`);
  return value;
}

const CHANNEL_TYPE_NAMES = ['gotify', 'slack', 'discord', 'ntfy', 'telegram', 'pushover', 'smtp', 'apprise', 'mqtt', 'webhook'];

function channelInput(item: Record<string, unknown>, where: string): RestChannelInput {
  const type = stringField(item, 'type', where, true) ?? '';
  if (!CHANNEL_TYPE_NAMES.includes(type)) throw new BackupError(`${where}.type: must be one of ${CHANNEL_TYPE_NAMES.join(', ')} (got ${JSON.stringify(type)})`);
  const id = stringField(item, 'id', where, false);
  const name = stringField(item, 'name', where, false);
  const enabled = item.enabled;
  if (enabled !== undefined && typeof enabled !== 'boolean') throw new BackupError(`${where}.enabled: must be a boolean`);
  const settings = item.settings;
  if (settings !== undefined && settings !== null && !isRecord(settings)) throw new BackupError(`${where}.settings: must be an object`);
  const events = item.events;
  if (events !== undefined && events !== null && !(Array.isArray(events) && events.every((event) => typeof event === 'string'))) throw new BackupError(`${where}.events: must be a list of event types`);
  return {
    type: type as RestChannelInput['type'],
    ...(id === undefined ? {} : { id }),
    ...(name === undefined ? {} : { name }),
    ...(enabled === undefined ? {} : { enabled }),
    ...(isRecord(settings) ? { settings } : {}),
    ...(Array.isArray(events) ? { events: events as string[] } : {}),
  };
}

function credentialInput(item: Record<string, unknown>, where: string): CredentialInput {
  const id = stringField(item, 'id', where, false);
  return {
    ...(id === undefined ? {} : { id }),
    registry: stringField(item, 'registry', where, true) ?? '',
    username: stringField(item, 'username', where, true) ?? '',
    secret: stringField(item, 'secret', where, true) ?? '',
  };
}

export async function importConfig(resources: ResourceClient, body: unknown, options: { newId: () => string }): Promise<ImportResult> {
  if (!isRecord(body)) throw new BackupError('the backup must be a JSON object');
  if (body.version === undefined || body.version === '') throw new BackupError('version: missing: not a Sentinel or Vigil config export');
  if (body.version !== BACKUP_VERSION) throw new BackupError(`version: unsupported config version ${JSON.stringify(body.version)} (this server reads version "1")`);
  const settings = checkSettings(body.settings);
  const channels = listOf(body.notifications, 'notifications', channelInput);
  const credentials = listOf(body.registries, 'registries', credentialInput);

  const warnings = [...settings.warnings];
  let redacted = settings.redacted;
  if (Object.keys(settings.patch).length > 0) await patchSettings(resources, settings.patch);
  if (settings.webhookSecret !== undefined) {
    const stored = await patchSettings(resources, { webhook: { secretRef: { name: WEBHOOK_SECRET_NAME, key: WEBHOOK_SECRET_KEY } } });
    await writeOwnedSecret(resources, WEBHOOK_SECRET_NAME, { [WEBHOOK_SECRET_KEY]: settings.webhookSecret }, stored, { 'vigil.dev/webhook': 'inbound' });
  }
  let notificationsImported = 0;
  if (channels.length > 0) {
    const saved = await saveChannels(resources, channels, { mode: 'import', newId: options.newId });
    notificationsImported = saved.saved;
    redacted += saved.redactedSkipped;
    warnings.push(...saved.warnings);
  }
  let registriesImported = 0;
  if (credentials.length > 0) {
    const saved = await saveCredentials(resources, credentials, { replace: false, mode: 'import' });
    registriesImported = saved.saved;
    redacted += saved.redactedSkipped;
    warnings.push(...saved.warnings);
  }
  const applied = settings.applied + (settings.webhookSecret === undefined ? 0 : 1);
  return {
    message: `Imported ${applied} settings, ${notificationsImported} notification channels, ${registriesImported} registry credentials${redacted > 0 ? ` (${redacted} redacted values skipped)` : ''}`,
    settings_imported: applied,
    notifications_imported: notificationsImported,
    registries_imported: registriesImported,
    redacted_skipped: redacted,
    warnings,
  };
}
