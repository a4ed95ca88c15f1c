// Sentinel's Portainer instances over PortainerInstance resources: the REST id is the resource name, the REST name an
// annotation, the token a Secret in vigil-system (encrypted at rest like every Secret, never answered: always "***").
import type { PortainerInstance, Secret } from '../../../schemas/generated/types.ts';
import { DEFAULT_SECRET_NAMESPACE } from '../../../schemas/index.ts';
import type { ResourceClient } from '../../resources/client.ts';
import { isApiError } from '../../resources/errors.ts';
import { REST_FIELD_MANAGER } from '../context.ts';

export const TOKEN_MASK = '***';
export const DISPLAY_NAME_ANNOTATION = 'vigil.dev/display-name';
/** The Secret the facade made for an instance carries this label (its value: the instance). */
export const TOKEN_SECRET_LABEL = 'vigil.dev/portainer-token-of';
export const TOKEN_KEY = 'apiKey';
/** Portainer's Docker endpoint types. */
export const DOCKER_TYPES: readonly number[] = [1, 2, 4];

export interface RestInstance {
  id: string;
  name: string;
  url: string;
  token: string;
  enabled: boolean;
  endpoints: Record<string, { enabled: boolean }>;
}

export function restInstance(instance: PortainerInstance): RestInstance {
  const name = instance.metadata.name ?? '';
  const endpoints: Record<string, { enabled: boolean }> = {};
  for (const row of instance.status?.endpoints ?? []) {
    if (DOCKER_TYPES.includes(row.type)) endpoints[String(row.id)] = { enabled: row.hostRef !== undefined };
  }
  return {
    id: name,
    name: instance.metadata.annotations?.[DISPLAY_NAME_ANNOTATION] ?? name,
    url: instance.spec.url,
    token: TOKEN_MASK,
    enabled: instance.spec.enabled !== false,
    endpoints,
  };
}

/** A DNS-1123 label from a display name ("Production EU" → "production-eu"), for a new instance's name. */
export function instanceNameFrom(display: string): string {
  const slug = display.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, 40).replace(/-$/, '');
  return slug === '' ? 'portainer' : slug;
}

export async function listInstances(resources: ResourceClient): Promise<PortainerInstance[]> {
  const list = await resources.list('PortainerInstance');
  return (list.items as unknown as PortainerInstance[]).sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

export async function findInstance(resources: ResourceClient, id: string): Promise<PortainerInstance | undefined> {
  try {
    return (await resources.get('PortainerInstance', undefined, id)) as unknown as PortainerInstance;
  } catch (error) {
    if (isApiError(error, 'NotFound')) return undefined;
    throw error;
  }
}

function tokenSecretName(instance: string): string {
  return `portainer-token-${instance}`;
}

async function writeToken(resources: ResourceClient, instance: string, token: string): Promise<void> {
  const secret: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: tokenSecretName(instance), namespace: DEFAULT_SECRET_NAMESPACE, labels: { [TOKEN_SECRET_LABEL]: instance } },
    type: 'Opaque',
    data: { [TOKEN_KEY]: Buffer.from(token, 'utf8').toString('base64') },
  };
  try {
    await resources.modify('Secret', DEFAULT_SECRET_NAMESPACE, tokenSecretName(instance), (current) => ({ ...current, data: secret.data }), { fieldManager: REST_FIELD_MANAGER });
  } catch (error) {
    if (!isApiError(error, 'NotFound')) throw error;
    await resources.create(secret, { fieldManager: REST_FIELD_MANAGER });
  }
}

/** A free name for a new instance: the slug, or the slug with -2, -3 … */
async function freeName(resources: ResourceClient, display: string): Promise<string> {
  const base = instanceNameFrom(display);
  for (let n = 1; n < 1000; n += 1) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (await findInstance(resources, candidate) === undefined) return candidate;
  }
  throw new Error(`no free instance name for ${JSON.stringify(display)}`);
}

export async function createInstance(resources: ResourceClient, input: { name: string; url: string; token: string }): Promise<PortainerInstance> {
  const name = await freeName(resources, input.name);
  await writeToken(resources, name, input.token);
  const instance: PortainerInstance = {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'PortainerInstance',
    metadata: { name, annotations: { [DISPLAY_NAME_ANNOTATION]: input.name } },
    spec: { url: input.url, apiKeySecretRef: { name: tokenSecretName(name), key: TOKEN_KEY }, enabled: true },
  };
  try {
    return (await resources.create(instance, { fieldManager: REST_FIELD_MANAGER })) as unknown as PortainerInstance;
  } catch (error) {
    await resources.delete('Secret', DEFAULT_SECRET_NAMESPACE, tokenSecretName(name)).catch(() => undefined);
    throw error;
  }
}

export async function updateInstance(
  resources: ResourceClient,
  instance: PortainerInstance,
  input: { name?: string; url?: string; token?: string; enabled?: boolean },
): Promise<PortainerInstance> {
  const name = instance.metadata.name ?? '';
  let { apiKeySecretRef } = instance.spec;
  // "***" (or nothing) keeps the stored token, as every masked secret of the facade.
  if (input.token !== undefined && input.token !== TOKEN_MASK) {
    await writeToken(resources, name, input.token);
    apiKeySecretRef = { name: tokenSecretName(name), key: TOKEN_KEY };
  }
  return (await resources.modify('PortainerInstance', undefined, name, (current) => {
    const stored = current as unknown as PortainerInstance;
    return {
      ...current,
      metadata: {
        ...current.metadata,
        ...(input.name === undefined ? {} : { annotations: { ...current.metadata.annotations, [DISPLAY_NAME_ANNOTATION]: input.name } }),
      },
      spec: {
        ...stored.spec,
        apiKeySecretRef,
        ...(input.url === undefined ? {} : { url: input.url }),
        ...(input.enabled === undefined ? {} : { enabled: input.enabled }),
      },
    };
  }, { fieldManager: REST_FIELD_MANAGER })) as unknown as PortainerInstance;
}

/** Deletes the instance (the controller removes its Hosts) and the token Secret the facade made for it. */
export async function deleteInstance(resources: ResourceClient, instance: PortainerInstance): Promise<void> {
  const name = instance.metadata.name ?? '';
  await resources.delete('PortainerInstance', undefined, name);
  const ref = instance.spec.apiKeySecretRef;
  const namespace = ref.namespace ?? DEFAULT_SECRET_NAMESPACE;
  try {
    const secret = (await resources.get('Secret', namespace, ref.name)) as unknown as Secret;
    if (secret.metadata.labels?.[TOKEN_SECRET_LABEL] === name) await resources.delete('Secret', namespace, ref.name);
  } catch (error) {
    if (!isApiError(error, 'NotFound')) throw error;
  }
}

/** A Secret key's value (stringData first, as host-config.ts reads it), or undefined. */
export async function secretKeyValue(resources: ResourceClient, selector: { name: string; namespace?: string; key: string }): Promise<string | undefined> {
  try {
    const secret = (await resources.get('Secret', selector.namespace ?? DEFAULT_SECRET_NAMESPACE, selector.name)) as unknown as Secret;
    const plain = secret.stringData?.[selector.key];
    if (plain !== undefined) return plain;
    const encoded = secret.data?.[selector.key];
    return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
  } catch (error) {
    if (isApiError(error, 'NotFound')) return undefined;
    throw error;
  }
}
