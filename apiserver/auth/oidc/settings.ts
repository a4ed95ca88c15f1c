// Single sign-on as configured: Settings spec.oidc with the client secret read from its Secret. Undefined while off
// (not enabled, or issuer, client id or redirect URL missing).
import type { SettingsSpec } from '../../../schemas/generated/types.ts';
import type { RoleId } from '../permissions.ts';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  /** Undefined: a public client (PKCE only, no client authentication). */
  clientSecret: string | undefined;
  redirectUrl: string;
  autoCreate: boolean;
  defaultRole: RoleId;
  groupClaim: string;
  groupMappings: Record<string, RoleId>;
  scopes: string[];
}

export const DEFAULT_SCOPES = ['openid', 'profile', 'email', 'groups'];

export function oidcSettingsOf(spec: SettingsSpec | undefined, clientSecret: string | undefined): OidcSettings | undefined {
  const oidc = spec?.oidc;
  if (oidc?.enabled !== true || oidc.issuerUrl === undefined || oidc.clientId === undefined || oidc.redirectUrl === undefined) return undefined;
  const scopes = oidc.scopes ?? DEFAULT_SCOPES;
  return {
    issuer: oidc.issuerUrl,
    clientId: oidc.clientId,
    clientSecret: clientSecret === '' ? undefined : clientSecret,
    redirectUrl: oidc.redirectUrl,
    autoCreate: oidc.autoCreate ?? false,
    defaultRole: oidc.defaultRole ?? 'viewer',
    groupClaim: oidc.groupClaim ?? 'groups',
    groupMappings: oidc.groupMappings ?? {},
    // openid is what makes it OpenID Connect (an ID token); always asked for.
    scopes: scopes.includes('openid') ? scopes : ['openid', ...scopes],
  };
}
