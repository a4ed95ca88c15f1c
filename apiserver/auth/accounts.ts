// Users: the first admin, creation, deletion, roles, passwords. Every change to who exists or who is admin goes
// through the one directory record (identity-store.ts), whose optimistic concurrency makes "usernames are unique" and
// "there is always an admin" hold even when two admins act at once, or two replicas serve them.
import type { AuthContext } from './context.ts';
import { RecordRefused, type DirectoryRecord, type UserRecord } from './identity-store.ts';
import { authErrors } from './errors.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import { isRoleId, type RoleId } from './permissions.ts';
import { newId } from './tokens.ts';
import { forgetUserCredentials, revokeOtherSessions } from './sessions.ts';

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function checkUsername(username: unknown): string {
  if (typeof username !== 'string' || !USERNAME.test(username)) {
    throw authErrors.badRequest('the username must be 1 to 64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit');
  }
  return username;
}

function checkNewPassword(password: unknown): string {
  const problem = passwordProblem(password);
  if (problem !== undefined || typeof password !== 'string') throw authErrors.badRequest(problem ?? 'a password is required');
  return password;
}

export async function newUserRecord(context: AuthContext, username: string, password: string, role: RoleId): Promise<UserRecord> {
  return {
    id: newId('usr'),
    username,
    role,
    passwordHash: await hashPassword(password, context.scrypt),
    createdAt: context.now().toISOString(),
    failedLogins: 0,
    recoveryCodeHashes: [],
  };
}

/** Creates the first admin; undefined when Vigil was set up already (by this request's competitor, too). */
export async function createFirstAdmin(context: AuthContext, username: unknown, password: unknown): Promise<UserRecord | undefined> {
  const user = await newUserRecord(context, checkUsername(username), checkNewPassword(password), 'admin');
  await context.identities.users.create(user.id, user);
  const created = await context.identities.createDirectory({ usernames: { [user.username.toLowerCase()]: user.id }, admins: [user.id] });
  if (!created) {
    await context.identities.users.delete(user.id);
    return undefined;
  }
  return user;
}

async function requireDirectory(context: AuthContext): Promise<DirectoryRecord> {
  const directory = await context.identities.directory();
  if (directory === undefined) throw authErrors.conflict('Vigil is not set up yet: create the first admin with POST /setup');
  return directory;
}

export async function findUserByName(context: AuthContext, username: string): Promise<UserRecord | undefined> {
  const directory = await context.identities.directory();
  const id = directory?.usernames[username.toLowerCase()];
  return id === undefined ? undefined : await context.identities.users.get(id);
}

export async function listUsers(context: AuthContext): Promise<UserRecord[]> {
  const directory = await requireDirectory(context);
  const users: UserRecord[] = [];
  for (const id of Object.values(directory.usernames)) {
    const user = await context.identities.users.get(id);
    if (user !== undefined) users.push(user);
  }
  return users.sort((a, b) => a.username.localeCompare(b.username));
}

export async function createUser(context: AuthContext, username: unknown, password: unknown, role: unknown): Promise<UserRecord> {
  const name = checkUsername(username);
  if (!isRoleId(role)) throw authErrors.badRequest('role_id must be one of admin, operator, viewer');
  const user = await newUserRecord(context, name, checkNewPassword(password), role);
  await requireDirectory(context);
  await context.identities.users.create(user.id, user);
  try {
    await context.identities.updateDirectory((directory) => {
      if (directory.usernames[name.toLowerCase()] !== undefined) throw new RecordRefused(`username ${JSON.stringify(name)} is taken`);
      return {
        ...directory,
        usernames: { ...directory.usernames, [name.toLowerCase()]: user.id },
        admins: role === 'admin' ? [...directory.admins, user.id] : directory.admins,
      };
    });
  } catch (error) {
    await context.identities.users.delete(user.id);
    if (error instanceof RecordRefused) throw authErrors.conflict(error.message);
    throw error;
  }
  return user;
}

/** Deletes a user. Nobody deletes themselves; the last admin cannot go. */
export async function deleteUser(context: AuthContext, actorId: string | undefined, id: string): Promise<void> {
  if (actorId === id) throw authErrors.forbidden('you cannot delete your own account');
  const user = await context.identities.users.get(id);
  if (user === undefined) throw authErrors.notFound('no such user');
  try {
    await context.identities.updateDirectory((directory) => {
      const admins = directory.admins.filter((admin) => admin !== id);
      if (admins.length === 0) throw new RecordRefused('the last admin cannot be removed');
      const usernames = Object.fromEntries(Object.entries(directory.usernames).filter(([, userId]) => userId !== id));
      const oidcIdentities = Object.fromEntries(Object.entries(directory.oidcIdentities ?? {}).filter(([, userId]) => userId !== id));
      return { ...directory, usernames, admins, oidcIdentities };
    });
  } catch (error) {
    if (error instanceof RecordRefused) throw authErrors.forbidden(error.message);
    throw error;
  }
  await context.identities.users.delete(id);
  await forgetUserCredentials(context, id);
}

/** Changes a user's role; the last admin cannot be demoted. */
export async function changeRole(context: AuthContext, id: string, role: unknown): Promise<UserRecord> {
  if (!isRoleId(role)) throw authErrors.badRequest('role_id must be one of admin, operator, viewer');
  if ((await context.identities.users.get(id)) === undefined) throw authErrors.notFound('no such user');
  try {
    await context.identities.updateDirectory((directory) => {
      const others = directory.admins.filter((admin) => admin !== id);
      if (role !== 'admin' && others.length === 0) throw new RecordRefused('the last admin cannot be demoted');
      return { ...directory, admins: role === 'admin' ? [...others, id] : others };
    });
  } catch (error) {
    if (error instanceof RecordRefused) throw authErrors.forbidden(error.message);
    throw error;
  }
  const updated = await context.identities.users.update(id, (user) => ({ ...user, role }));
  if (updated === undefined) throw authErrors.notFound('no such user');
  return updated;
}

/** Changes one's own password after checking the current one, and signs out every other session. */
export async function changePassword(context: AuthContext, user: UserRecord, current: unknown, next: unknown, keepSessionId: string | undefined): Promise<number> {
  if (typeof current !== 'string' || !(await verifyPassword(current, user.passwordHash))) throw authErrors.forbidden('the current password is wrong');
  const password = checkNewPassword(next);
  const passwordHash = await hashPassword(password, context.scrypt);
  await context.identities.users.update(user.id, (record) => ({ ...record, passwordHash }));
  return await revokeOtherSessions(context, user.id, keepSessionId);
}
