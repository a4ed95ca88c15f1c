// Sentinel's registry credentials `{id, registry, username, secret}` as Registry resources: `spec.credentials`
// {username, passwordSecretRef} with the secret in its own Secret `registry-<name>` (vigil-system, key `password`,
// owned by the Registry). One Registry per registry server: credentials for a server that already has a Registry
// (made with kubectl or git, with its CA or concurrency) are set on it, keeping everything else. Removing a credential
// deletes a Registry the facade created, and only removes `spec.credentials` from one made elsewhere.
import type { Registry } from '../../../schemas/generated/types.ts';
import { DEFAULT_SECRET_NAMESPACE } from '../../../schemas/index.ts';
import { canonicalRegistry } from '../../../domain/registry/reference.ts';
import type { ResourceClient } from '../../resources/client.ts';
import { isApiError } from '../../resources/errors.ts';
import { REST_FIELD_MANAGER } from '../context.ts';
import { REDACTED, REST_ID_ANNOTATION, REST_ORDER_ANNOTATION, restIdOf, SECRET_MASK } from '../notifications/channel-mapping.ts';
import { decodeSecret, deleteSecret, MANAGED_BY_LABEL, readSecret, resourceNameOf, writeOwnedSecret } from '../notifications/channel-store.ts';
import { SettingValueError } from '../settings/setting-values.ts';

export const PASSWORD_KEY = 'password';
const REGISTRY_LABEL = 'vigil.dev/registry';

/** A credential as Sentinel's API shows and takes it. */
export interface RestCredential {
  id: string;
  registry: string;
  username: string;
  secret: string;
}

export interface StoredRegistry {
  registry: Registry;
  /** Username and password, when the Registry has credentials and their Secrets exist. */
  username?: string;
  password?: string;
}

function order(registry: Registry): number {
  const value = Number(registry.metadata.annotations?.[REST_ORDER_ANNOTATION]);
  return Number.isFinite(value) ? value : Number.MAX_SAFE_INTEGER;
}

async function secretKey(resources: ResourceClient, selector: { name: string; namespace?: string; key: string }): Promise<string | undefined> {
  const secret = await readSecret(resources, selector.namespace ?? DEFAULT_SECRET_NAMESPACE, selector.name);
  return decodeSecret(secret)[selector.key];
}

export async function readRegistries(resources: ResourceClient): Promise<StoredRegistry[]> {
  const list = await resources.list('Registry', { resourceVersion: '0' });
  const registries = (list.items as unknown as Registry[]).sort((a, b) => order(a) - order(b) || ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  return await Promise.all(registries.map(async (registry) => {
    const credentials = registry.spec.credentials;
    if (credentials === undefined) return { registry };
    const username = credentials.username ?? (credentials.usernameSecretRef === undefined ? undefined : await secretKey(resources, credentials.usernameSecretRef));
    const password = await secretKey(resources, credentials.passwordSecretRef);
    return { registry, ...(username === undefined ? {} : { username }), ...(password === undefined ? {} : { password }) };
  }));
}

/** The REST view of a Registry with credentials; `show` decides what the secret looks like. */
export function restCredential(stored: StoredRegistry, show: (secret: string) => string): RestCredential | undefined {
  if (stored.registry.spec.credentials === undefined) return undefined;
  return { id: restIdOf(stored.registry), registry: stored.registry.spec.server, username: stored.username ?? '', secret: stored.password === undefined ? '' : show(stored.password) };
}

export function findStored(stored: readonly StoredRegistry[], id: string | undefined, server: string): StoredRegistry | undefined {
  const canonical = canonicalRegistry(server);
  return (id === undefined || id === '' ? undefined : stored.find((entry) => restIdOf(entry.registry) === id))
    ?? stored.find((entry) => canonicalRegistry(entry.registry.spec.server) === canonical);
}

/**
 * The secret a request means: a masked value (`…****`) or a redacted one (a backup's `***REDACTED***`) is the stored
 * secret of the same credential; undefined when there is none to keep.
 */
export function resolveSecret(sent: string, stored: StoredRegistry | undefined): string | undefined {
  if (sent === REDACTED || sent.endsWith(SECRET_MASK)) return stored?.password;
  return sent;
}

export interface CredentialInput {
  id?: string;
  registry: string;
  username: string;
  secret: string;
}

export interface SaveCredentialsResult {
  saved: number;
  redactedSkipped: number;
  warnings: string[];
}

interface Prepared {
  id: string;
  server: string;
  username: string;
  password: string;
  order: number;
  existing: StoredRegistry | undefined;
}

/**
 * Saves credentials. `replace`: the list is the whole set (Sentinel's PUT): credentials not listed are removed (see
 * the file comment). Otherwise (a backup import) listed ones are created or updated and the others kept.
 */
export async function saveCredentials(resources: ResourceClient, inputs: readonly CredentialInput[], options: { replace: boolean; mode: 'request' | 'import' }): Promise<SaveCredentialsResult> {
  const stored = await readRegistries(resources);
  const result: SaveCredentialsResult = { saved: 0, redactedSkipped: 0, warnings: [] };
  const prepared: Prepared[] = [];
  const servers = new Set<string>();
  for (const [index, input] of inputs.entries()) {
    const where = `[${index}]`;
    try {
      const server = canonicalRegistry(input.registry);
      if (server === '') throw new SettingValueError(`${where}.registry: must not be empty`);
      if (input.username.trim() === '') throw new SettingValueError(`${where}.username: must not be empty for ${input.registry}`);
      if (servers.has(server)) throw new SettingValueError(`${where}.registry: duplicate registry ${input.registry}`);
      servers.add(server);
      const existing = findStored(stored, input.id, server);
      if (input.secret === REDACTED) result.redactedSkipped += 1;
      const password = resolveSecret(input.secret, existing);
      if (password === undefined || password === '') {
        if (input.secret === REDACTED) throw new SettingValueError(`${where}.secret: redacted, and no secret is stored for ${input.registry}`);
        throw new SettingValueError(`${where}.secret: must not be empty for ${input.registry}${input.secret.endsWith(SECRET_MASK) ? ' (it is masked and no secret is stored)' : ''}`);
      }
      const id = input.id === undefined || input.id.trim() === '' ? (existing === undefined ? server : restIdOf(existing.registry)) : input.id.trim();
      prepared.push({ id, server, username: input.username.trim(), password, order: index, existing });
    } catch (error) {
      if (!(error instanceof SettingValueError) || options.mode === 'request') throw error;
      result.warnings.push(`registry credential ${where} (${input.registry}) skipped: ${error.message}`);
    }
  }
  for (const credential of prepared) {
    await writeCredential(resources, credential);
    result.saved += 1;
  }
  if (options.replace) {
    for (const entry of stored) {
      if (entry.registry.spec.credentials === undefined || servers.has(canonicalRegistry(entry.registry.spec.server))) continue;
      if (entry.registry.metadata.labels?.[MANAGED_BY_LABEL] !== undefined) continue;
      await removeCredential(resources, entry);
    }
  }
  return result;
}

async function writeCredential(resources: ResourceClient, credential: Prepared): Promise<void> {
  const name = credential.existing?.registry.metadata.name ?? resourceNameOf(credential.id);
  const secretName = `registry-${name}`;
  const credentials = { username: credential.username, passwordSecretRef: { name: secretName, key: PASSWORD_KEY } };
  const annotations = { [REST_ID_ANNOTATION]: credential.id, [REST_ORDER_ANNOTATION]: String(credential.order) };
  let registry: Registry;
  try {
    registry = (await resources.modify('Registry', undefined, name, (current) => {
      const spec = (current as unknown as Registry).spec;
      return { ...current, metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, ...annotations } }, spec: { ...spec, credentials } };
    }, { fieldManager: REST_FIELD_MANAGER })) as unknown as Registry;
  } catch (error) {
    if (!isApiError(error, 'NotFound')) throw error;
    registry = (await resources.create({
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'Registry',
      metadata: { name, annotations },
      spec: { server: credential.server, credentials },
    }, { fieldManager: REST_FIELD_MANAGER })) as unknown as Registry;
  }
  await writeOwnedSecret(resources, secretName, { [PASSWORD_KEY]: credential.password }, registry, { [REGISTRY_LABEL]: name });
}

/** Removes a credential: the whole Registry when the facade made it, else only its credentials (and their Secret). */
export async function removeCredential(resources: ResourceClient, entry: StoredRegistry): Promise<void> {
  const name = entry.registry.metadata.name ?? '';
  const ownSecret = `registry-${name}`;
  const madeHere = entry.registry.metadata.annotations?.[REST_ID_ANNOTATION] !== undefined && !hasOtherSettings(entry.registry);
  try {
    if (madeHere) {
      await resources.delete('Registry', undefined, name);
    } else {
      await resources.modify('Registry', undefined, name, (current) => {
        const { credentials: _removed, ...spec } = (current as unknown as Registry).spec;
        const { [REST_ID_ANNOTATION]: _id, [REST_ORDER_ANNOTATION]: _order, ...annotations } = current.metadata.annotations ?? {};
        return { ...current, metadata: { ...current.metadata, annotations }, spec };
      }, { fieldManager: REST_FIELD_MANAGER });
    }
  } catch (error) {
    if (!isApiError(error, 'NotFound')) throw error;
  }
  if (entry.registry.spec.credentials?.passwordSecretRef.name === ownSecret) await deleteSecret(resources, DEFAULT_SECRET_NAMESPACE, ownSecret);
}

/** Whether the Registry carries settings beyond what the facade writes (a CA, plain HTTP, budgets). */
function hasOtherSettings(registry: Registry): boolean {
  return Object.keys(registry.spec).some((field) => field !== 'server' && field !== 'credentials');
}
