// Which Vigil account a single sign-on identity is. Only the (issuer, subject) pair links an identity to an account:
// never a username, never an email (Docker Sentinel links by username, so a provider's user named "admin" becomes
// the local admin). An identity not linked yet gets a new account when auto-create is on, under a username that is
// free (a taken name is never reused), and is refused otherwise; linking an existing local account is an admin's
// act, not something a sign-in can do. Roles follow the group claim only when the claim is present.
import type { AuthContext } from '../context.ts';
import { authErrors } from '../errors.ts';
import { oidcIdentityKey, RecordRefused, type UserRecord } from '../identity-store.ts';
import { changeRole, newUserRecord } from '../accounts.ts';
import type { RoleId } from '../permissions.ts';
import { randomToken } from '../tokens.ts';
import type { Claims } from './client.ts';
import type { OidcSettings } from './settings.ts';

/** Which mapped role wins when groups give several. */
const ROLE_ORDER: Readonly<Record<RoleId, number>> = { admin: 3, operator: 2, viewer: 1 };

const USERNAME_CHARACTERS = /[^A-Za-z0-9._@-]/g;

function groupsOf(claims: Claims, claim: string): string[] | undefined {
  const value = claims[claim];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return undefined;
}

/** The role the groups give (the highest mapped), the default role when none maps; undefined without the claim. */
export function roleFromGroups(claims: Claims, settings: OidcSettings): RoleId | undefined {
  const groups = groupsOf(claims, settings.groupClaim);
  if (groups === undefined) return undefined;
  const mapped = groups.map((group) => settings.groupMappings[group]).filter((role): role is RoleId => role !== undefined);
  if (mapped.length === 0) return settings.defaultRole;
  return mapped.sort((a, b) => ROLE_ORDER[b] - ROLE_ORDER[a])[0];
}

function cleanName(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const cleaned = text.replace(USERNAME_CHARACTERS, '').replace(/^[^A-Za-z0-9]+/, '').slice(0, 48);
  return cleaned === '' ? undefined : cleaned;
}

/** Usernames to try for a new account: the provider's name for the user, then that name qualified by the issuer's host. */
function usernameCandidates(claims: Claims): string[] {
  const base = cleanName(claims.preferred_username) ?? cleanName(claims.email) ?? cleanName(claims.sub) ?? 'sso-user';
  const host = cleanName(new URL(claims.iss).hostname) ?? 'sso';
  return [base, `${base}@${host}`.slice(0, 64), `${base.slice(0, 40)}-${randomToken(6).replace(/[^A-Za-z0-9]/g, 'x')}`];
}

async function createLinkedUser(context: AuthContext, claims: Claims, role: RoleId): Promise<UserRecord> {
  const key = oidcIdentityKey(claims.iss, claims.sub);
  for (const username of usernameCandidates(claims)) {
    // A random password nobody knows: the account signs in through its provider.
    const user = { ...(await newUserRecord(context, username, `${randomToken(32)}1a`, role)), oidc: { issuer: claims.iss, subject: claims.sub } };
    await context.identities.users.create(user.id, user);
    let outcome: 'created' | 'name-taken' | 'linked-meanwhile' = 'created';
    try {
      await context.identities.updateDirectory((directory) => {
        if (directory.oidcIdentities?.[key] !== undefined) throw new RecordRefused('linked-meanwhile');
        if (directory.usernames[username.toLowerCase()] !== undefined) throw new RecordRefused('name-taken');
        return {
          ...directory,
          usernames: { ...directory.usernames, [username.toLowerCase()]: user.id },
          admins: role === 'admin' ? [...directory.admins, user.id] : directory.admins,
          oidcIdentities: { ...directory.oidcIdentities, [key]: user.id },
        };
      });
    } catch (error) {
      if (!(error instanceof RecordRefused)) throw error;
      outcome = error.message === 'linked-meanwhile' ? 'linked-meanwhile' : 'name-taken';
    }
    if (outcome === 'created') {
      context.log?.info({ username, issuer: claims.iss, role }, 'single sign-on: account created');
      return user;
    }
    await context.identities.users.delete(user.id);
    if (outcome === 'linked-meanwhile') {
      const linked = await linkedUser(context, claims);
      if (linked !== undefined) return linked;
    }
  }
  throw authErrors.conflict('no free username for this identity: ask an admin to create the account');
}

async function linkedUser(context: AuthContext, claims: Claims): Promise<UserRecord | undefined> {
  const id = (await context.identities.directory())?.oidcIdentities?.[oidcIdentityKey(claims.iss, claims.sub)];
  return id === undefined ? undefined : await context.identities.users.get(id);
}

/** The account of a verified identity, created or re-roled as the settings say. */
export async function accountForIdentity(context: AuthContext, claims: Claims, settings: OidcSettings): Promise<UserRecord> {
  const role = roleFromGroups(claims, settings);
  const user = await linkedUser(context, claims);
  if (user === undefined) {
    if (!settings.autoCreate) throw authErrors.forbidden('no Vigil account is linked to this identity and automatic account creation is off: ask an admin');
    return await createLinkedUser(context, claims, role ?? settings.defaultRole);
  }
  if (role === undefined || role === user.role || Object.keys(settings.groupMappings).length === 0) return user;
  try {
    return await changeRole(context, user.id, role);
  } catch (error) {
    // The last admin stays admin; the sign-in goes on with the role the account has.
    context.log?.warn({ username: user.username, role, err: error }, 'single sign-on: the group mapping could not change the role');
    return user;
  }
}
