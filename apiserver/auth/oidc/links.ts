// An admin's explicit link of a local account to a single sign-on identity (issuer, subject): the only way an
// existing account gets one, since a sign-in never links by name or email. One identity, one account; an account
// has at most one identity (a new link replaces the old).
import type { AuthContext } from '../context.ts';
import { authErrors } from '../errors.ts';
import { oidcIdentityKey, RecordRefused, type UserRecord } from '../identity-store.ts';

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 1024) throw authErrors.badRequest(`${field} is required: the identity's ${field === 'issuer' ? 'issuer URL (the ID token\'s iss)' : 'subject (the ID token\'s sub)'}`);
  return value.trim();
}

export async function linkIdentity(context: AuthContext, userId: string, issuer: unknown, subject: unknown): Promise<UserRecord> {
  const identity = { issuer: text(issuer, 'issuer'), subject: text(subject, 'subject') };
  const user = await context.identities.users.get(userId);
  if (user === undefined) throw authErrors.notFound('no such user');
  const key = oidcIdentityKey(identity.issuer, identity.subject);
  try {
    await context.identities.updateDirectory((directory) => {
      const holder = directory.oidcIdentities?.[key];
      if (holder !== undefined && holder !== userId) throw new RecordRefused('this identity is linked to another account: unlink it there first');
      const others = Object.fromEntries(Object.entries(directory.oidcIdentities ?? {}).filter(([, id]) => id !== userId));
      return { ...directory, oidcIdentities: { ...others, [key]: userId } };
    });
  } catch (error) {
    if (error instanceof RecordRefused) throw authErrors.conflict(error.message);
    throw error;
  }
  const updated = await context.identities.users.update(userId, (record) => ({ ...record, oidc: identity }));
  if (updated === undefined) throw authErrors.notFound('no such user');
  context.log?.info({ username: updated.username, issuer: identity.issuer }, 'single sign-on identity linked by an admin');
  return updated;
}

export async function unlinkIdentity(context: AuthContext, userId: string): Promise<UserRecord> {
  if ((await context.identities.users.get(userId)) === undefined) throw authErrors.notFound('no such user');
  await context.identities.updateDirectory((directory) => ({
    ...directory,
    oidcIdentities: Object.fromEntries(Object.entries(directory.oidcIdentities ?? {}).filter(([, id]) => id !== userId)),
  }));
  const updated = await context.identities.users.update(userId, (record) => {
    const { oidc: _oidc, ...rest } = record;
    return rest;
  });
  if (updated === undefined) throw authErrors.notFound('no such user');
  return updated;
}
