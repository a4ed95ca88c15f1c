// Single sign-on settings in Sentinel's shape (GET/POST /api/settings/oidc) over Settings spec.oidc, plus Vigil's
// `scopes`. The client secret lives in the Secret `vigil-oidc` (vigil-system, key `clientSecret`), is never returned
// (always `****` when set: Sentinel shows 8 of its characters), and a `****` sent back keeps the stored one.
import type { FastifyInstance } from 'fastify';
import type { Settings } from '../../../schemas/generated/types.ts';
import { DEFAULT_SECRET_NAMESPACE } from '../../../schemas/index.ts';
import type { ResourceClient } from '../../resources/client.ts';
import { OidcClients, issuerProblem } from '../../auth/oidc/client.ts';
import { DEFAULT_SCOPES, oidcSettingsOf, type OidcSettings } from '../../auth/oidc/settings.ts';
import { isRoleId } from '../../auth/permissions.ts';
import type { SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';
import { SECRET_MASK } from '../notifications/channel-mapping.ts';
import { decodeSecret, readSecret, writeOwnedSecret } from '../notifications/channel-store.ts';
import { readSettings } from '../reads.ts';
import { patchSettings } from '../settings/settings-writer.ts';
import type { SpecPatch } from '../settings/setting-keys.ts';

export const OIDC_SECRET_NAME = 'vigil-oidc';
export const OIDC_SECRET_KEY = 'clientSecret';

async function clientSecretOf(resources: ResourceClient, settings: Settings | undefined): Promise<string | undefined> {
  const ref = settings?.spec?.oidc?.clientSecretRef;
  if (ref === undefined) return undefined;
  return decodeSecret(await readSecret(resources, ref.namespace ?? DEFAULT_SECRET_NAMESPACE, ref.name))[ref.key];
}

/** Single sign-on as configured now, for the auth routes (buildApp wires it). */
export async function readOidcSettings(resources: ResourceClient): Promise<OidcSettings | undefined> {
  const settings = await readSettings(resources);
  if (settings?.spec?.oidc?.enabled !== true) return undefined;
  return oidcSettingsOf(settings.spec, await clientSecretOf(resources, settings));
}

type Body = Record<string, unknown>;

function optionalString(body: Body, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw restErrors.badRequest(`${field} must be a string`);
  return value.trim();
}

function optionalBoolean(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw restErrors.badRequest(`${field} must be true or false`);
  return value;
}

function mappingsOf(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw restErrors.badRequest('group_mappings must be an object of group → role');
  for (const [group, role] of Object.entries(value)) {
    if (!isRoleId(role)) throw restErrors.badRequest(`group_mappings.${group} must be admin, operator or viewer`);
  }
  return value as Record<string, string>;
}

function scopesOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = typeof value === 'string' ? value.split(/[\s,]+/) : value;
  if (!Array.isArray(list) || !list.every((scope) => typeof scope === 'string')) throw restErrors.badRequest('scopes must be a list of scope names');
  return (list as string[]).map((scope) => scope.trim()).filter((scope) => scope !== '');
}

/** The merge patch a POST body means; only the fields it names change. */
function specPatchOf(body: Body): { patch: SpecPatch; mappings: Record<string, string> | undefined } {
  const patch: SpecPatch = {};
  const set = (field: string, value: SpecPatch[string] | undefined): void => {
    if (value !== undefined) patch[field] = value;
  };
  set('enabled', optionalBoolean(body, 'enabled'));
  const issuer = optionalString(body, 'issuer_url');
  if (issuer !== undefined && issuer !== '') {
    const problem = issuerProblem(issuer);
    if (problem !== undefined) throw restErrors.badRequest(`issuer_url: ${problem}`);
  }
  set('issuerUrl', issuer === '' ? null : issuer);
  const clientId = optionalString(body, 'client_id');
  set('clientId', clientId === '' ? null : clientId);
  const redirect = optionalString(body, 'redirect_url');
  set('redirectUrl', redirect === '' ? null : redirect);
  set('autoCreate', optionalBoolean(body, 'auto_create'));
  const role = optionalString(body, 'default_role');
  if (role !== undefined && role !== '' && !isRoleId(role)) throw restErrors.badRequest('default_role must be admin, operator or viewer');
  set('defaultRole', role === '' ? null : role);
  const claim = optionalString(body, 'group_claim');
  set('groupClaim', claim === '' ? null : claim);
  const mappings = mappingsOf(body.group_mappings);
  // A merge patch merges objects: replacing the mappings whole needs null first, so they are set as a whole value.
  if (mappings !== undefined) patch.groupMappings = null;
  const scopes = scopesOf(body.scopes);
  set('scopes', scopes === undefined ? undefined : scopes.length === 0 ? null : scopes);
  return { patch, mappings };
}

export async function oidcSettingsRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const { resources } = context;

  app.get('/api/settings/oidc', async () => {
    const settings = await readSettings(resources);
    const oidc = settings?.spec?.oidc ?? {};
    const secret = await clientSecretOf(resources, settings);
    return {
      enabled: oidc.enabled === true,
      issuer_url: oidc.issuerUrl ?? '',
      client_id: oidc.clientId ?? '',
      client_secret: secret === undefined || secret === '' ? '' : SECRET_MASK,
      redirect_url: oidc.redirectUrl ?? '',
      auto_create: oidc.autoCreate === true,
      default_role: oidc.defaultRole ?? 'viewer',
      group_claim: oidc.groupClaim ?? 'groups',
      group_mappings: oidc.groupMappings === undefined || Object.keys(oidc.groupMappings).length === 0 ? null : oidc.groupMappings,
      scopes: oidc.scopes ?? DEFAULT_SCOPES,
    };
  });

  app.post('/api/settings/oidc', async (request) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw restErrors.badRequest('the body must be a JSON object of OIDC settings');
    const { patch, mappings } = specPatchOf(body as Body);
    const secret = optionalString(body as Body, 'client_secret');
    // Sentinel's rule: a value with the mask in it is the masked value sent back, so the stored secret stays.
    const keepSecret = secret === undefined || secret.includes(SECRET_MASK);
    let settings = await patchSettings(resources, { oidc: patch });
    if (mappings !== undefined && Object.keys(mappings).length > 0) settings = await patchSettings(resources, { oidc: { groupMappings: mappings } });
    if (!keepSecret) {
      if (secret === '') {
        settings = await patchSettings(resources, { oidc: { clientSecretRef: null } });
      } else {
        await writeOwnedSecret(resources, OIDC_SECRET_NAME, { [OIDC_SECRET_KEY]: secret }, settings, { 'vigil.dev/oidc': 'client' });
        settings = await patchSettings(resources, { oidc: { clientSecretRef: { name: OIDC_SECRET_NAME, key: OIDC_SECRET_KEY } } });
      }
    }
    // Saved either way; a provider that cannot be discovered now is said, as Sentinel says it.
    const configured = oidcSettingsOf(settings.spec, await clientSecretOf(resources, settings));
    if (configured === undefined) return { status: 'ok' };
    try {
      await new OidcClients().configuration(configured);
      return { status: 'ok' };
    } catch (error) {
      return { status: 'saved_with_warning', warning: `the identity provider cannot be discovered: ${error instanceof Error ? error.message : String(error)}` };
    }
  });
}
