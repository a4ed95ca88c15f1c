// Reading and saving Sentinel's channel list as NotificationChannel resources, each with its own Secret
// `notification-<name>` in vigil-system (owned by the channel, so deleting the channel deletes it). Saving the list
// replaces it, as Sentinel's PUT does: listed channels are created or updated, the others deleted, except those a
// ManifestSource manages (git is their source; deleting them here would only be undone). Fields REST does not know
// (templates, batching, retries, maxPending) are kept on update. A secret value sent back masked (`…****`) or redacted
// (`***REDACTED***`, from a backup) keeps the stored one.
import type { NotificationChannel, Secret } from '../../../schemas/generated/types.ts';
import { containerResourceName } from '../../../schemas/container-name.ts';
import { DEFAULT_SECRET_NAMESPACE } from '../../../schemas/index.ts';
import type { ResourceClient } from '../../resources/client.ts';
import { isApiError } from '../../resources/errors.ts';
import { REST_FIELD_MANAGER } from '../context.ts';
import { SettingValueError } from '../settings/setting-values.ts';
import {
  channelDraft,
  mergeHeaders,
  requiredSecrets,
  restIdOf,
  REST_ID_ANNOTATION,
  REST_ORDER_ANNOTATION,
  type RestChannelInput,
} from './channel-mapping.ts';

/** Set by the gitops controller on what it applies (controllers/gitops/ownership.ts MANAGED_BY_LABEL). */
export const MANAGED_BY_LABEL = 'vigil.dev/managed-by';
const CHANNEL_LABEL = 'vigil.dev/notification-channel';

export interface StoredChannel {
  channel: NotificationChannel;
  /** The Secret's values, decoded (the in-process client reads real values). */
  secrets: Record<string, string>;
}

export function decodeSecret(secret: Secret | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(secret?.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

export function encodeSecret(values: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')]));
}

export async function readSecret(resources: ResourceClient, namespace: string, name: string): Promise<Secret | undefined> {
  try {
    return (await resources.get('Secret', namespace, name)) as unknown as Secret;
  } catch (error) {
    if (isApiError(error, 'NotFound')) return undefined;
    throw error;
  }
}

function order(channel: NotificationChannel): number {
  const value = Number(channel.metadata.annotations?.[REST_ORDER_ANNOTATION]);
  return Number.isFinite(value) ? value : Number.MAX_SAFE_INTEGER;
}

/** Every channel with its secret values, in the order the dashboard saved them (others after, by name). */
export async function readChannels(resources: ResourceClient): Promise<StoredChannel[]> {
  const list = await resources.list('NotificationChannel', { resourceVersion: '0' });
  const channels = (list.items as unknown as NotificationChannel[]).sort((a, b) => order(a) - order(b) || ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  return await Promise.all(channels.map(async (channel) => {
    const ref = channel.spec.secretRef;
    const secret = ref === undefined ? undefined : await readSecret(resources, ref.namespace ?? DEFAULT_SECRET_NAMESPACE, ref.name);
    return { channel, secrets: decodeSecret(secret) };
  }));
}

/** The resource name of a REST id (the id itself when it is a DNS-1123 subdomain; else made into one, with a hash). */
export function resourceNameOf(id: string): string {
  return containerResourceName(id);
}

export interface SaveResult {
  saved: number;
  /** Secret values sent redacted and kept (or dropped when nothing was stored). */
  redactedSkipped: number;
  /** Channels skipped (import mode only), with why. */
  warnings: string[];
}

export interface SaveOptions {
  /** 'request': any bad channel is a SettingValueError (400, nothing saved); 'import': it is skipped with a warning. */
  mode: 'request' | 'import';
  /** A new id for a channel sent without one. */
  newId: () => string;
}

interface Prepared {
  id: string;
  name: string;
  order: number;
  draft: ReturnType<typeof channelDraft>;
  secrets: Record<string, string>;
}

export async function saveChannels(resources: ResourceClient, inputs: readonly RestChannelInput[], options: SaveOptions): Promise<SaveResult> {
  const existing = await readChannels(resources);
  const byId = new Map(existing.map((stored) => [restIdOf(stored.channel), stored]));
  const result: SaveResult = { saved: 0, redactedSkipped: 0, warnings: [] };
  const prepared: Prepared[] = [];
  const seen = new Set<string>();
  for (const [index, input] of inputs.entries()) {
    const where = `[${index}]`;
    try {
      const id = input.id === undefined || input.id.trim() === '' ? options.newId() : input.id.trim();
      const name = resourceNameOf(id);
      if (seen.has(name)) throw new SettingValueError(`${where}.id: duplicate channel id ${JSON.stringify(id)}`);
      seen.add(name);
      const draft = channelDraft(input, where);
      const stored = byId.get(id)?.secrets ?? {};
      const secrets: Record<string, string> = {};
      let redacted = 0;
      for (const [key, value] of Object.entries(draft.secrets)) {
        if ('value' in value) {
          if (key === 'headers') {
            const merged = mergeHeaders(value.value, stored.headers);
            redacted += merged.redacted;
            secrets.headers = merged.json;
          } else {
            secrets[key] = value.value;
          }
          continue;
        }
        if (value.keep === 'redacted') redacted += 1;
        const kept = stored[key];
        if (kept !== undefined) secrets[key] = kept;
        else if (value.keep === 'masked') throw new SettingValueError(`${where}.settings.${key}: the value is masked but no value is stored for channel ${JSON.stringify(id)}: send the real value`);
      }
      for (const key of requiredSecrets(draft.spec.type)) {
        if (secrets[key] === undefined) throw new SettingValueError(`${where}.settings.${key}: required for a ${draft.spec.type} channel`);
      }
      result.redactedSkipped += redacted;
      prepared.push({ id, name, order: index, draft, secrets });
    } catch (error) {
      if (!(error instanceof SettingValueError) || options.mode === 'request') throw error;
      result.warnings.push(`notification channel ${where} (${input.name ?? input.id ?? input.type ?? 'url'}) skipped: ${error.message}`);
    }
  }

  for (const channel of prepared) {
    await writeChannel(resources, channel);
    result.saved += 1;
  }
  const keep = new Set(prepared.map((channel) => channel.name));
  for (const stored of existing) {
    const name = stored.channel.metadata.name ?? '';
    if (keep.has(name) || stored.channel.metadata.labels?.[MANAGED_BY_LABEL] !== undefined) continue;
    await deleteChannel(resources, stored.channel);
  }
  return result;
}

async function writeChannel(resources: ResourceClient, prepared: Prepared): Promise<void> {
  const secretName = `notification-${prepared.name}`;
  const hasSecret = Object.keys(prepared.secrets).length > 0;
  const annotations = { [REST_ID_ANNOTATION]: prepared.id, [REST_ORDER_ANNOTATION]: String(prepared.order) };
  const spec = { ...prepared.draft.spec, ...(hasSecret ? { secretRef: { name: secretName } } : {}) };
  let channel: NotificationChannel;
  try {
    channel = (await resources.modify('NotificationChannel', undefined, prepared.name, (current) => {
      const currentSpec = (current as unknown as NotificationChannel).spec;
      const kept = { templates: currentSpec.templates, batching: currentSpec.batching, retries: currentSpec.retries, maxPending: currentSpec.maxPending };
      return {
        ...current,
        metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, ...annotations } },
        spec: { ...Object.fromEntries(Object.entries(kept).filter(([, value]) => value !== undefined)), ...spec },
      };
    }, { fieldManager: REST_FIELD_MANAGER })) as unknown as NotificationChannel;
  } catch (error) {
    if (!isApiError(error, 'NotFound')) throw error;
    channel = (await resources.create({
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'NotificationChannel',
      metadata: { name: prepared.name, annotations },
      spec,
    }, { fieldManager: REST_FIELD_MANAGER })) as unknown as NotificationChannel;
  }
  if (hasSecret) await writeOwnedSecret(resources, secretName, prepared.secrets, channel, { [CHANNEL_LABEL]: prepared.name });
  else await deleteSecret(resources, DEFAULT_SECRET_NAMESPACE, secretName);
}

/** Creates or replaces the Secret (in vigil-system) holding `values`, owned by `owner`. */
export async function writeOwnedSecret(
  resources: ResourceClient,
  name: string,
  values: Readonly<Record<string, string>>,
  owner: { apiVersion: string; kind: string; metadata: { name?: string; uid?: string } },
  labels: Record<string, string>,
): Promise<void> {
  const ownerReferences = owner.metadata.uid === undefined
    ? []
    : [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid }];
  const data = encodeSecret(values);
  try {
    await resources.modify('Secret', DEFAULT_SECRET_NAMESPACE, name, (current) => ({
      ...current,
      metadata: { ...current.metadata, labels: { ...current.metadata.labels, ...labels }, ownerReferences },
      data,
    }), { fieldManager: REST_FIELD_MANAGER });
  } catch (error) {
    if (!isApiError(error, 'NotFound')) throw error;
    await resources.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: DEFAULT_SECRET_NAMESPACE, labels, ownerReferences },
      type: 'Opaque',
      data,
    }, { fieldManager: REST_FIELD_MANAGER });
  }
}

export async function deleteSecret(resources: ResourceClient, namespace: string, name: string): Promise<void> {
  try {
    await resources.delete('Secret', namespace, name);
  } catch (error) {
    if (!isApiError(error, 'NotFound')) throw error;
  }
}

async function deleteChannel(resources: ResourceClient, channel: NotificationChannel): Promise<void> {
  try {
    await resources.delete('NotificationChannel', undefined, channel.metadata.name ?? '');
  } catch (error) {
    if (!isApiError(error, 'NotFound')) throw error;
  }
  // The garbage collector would delete it (it is owned); done here too so that it is gone when the answer comes.
  const ref = channel.spec.secretRef;
  if (ref !== undefined && ref.name === `notification-${channel.metadata.name ?? ''}`) await deleteSecret(resources, ref.namespace ?? DEFAULT_SECRET_NAMESPACE, ref.name);
}
