// Turning two-factor authentication on and off for one's own account. The secret is sealed in the store; the
// recovery codes are returned once, in plain text, and kept only as hashes (Sentinel returned the hashes: a gap).
import type { AuthContext } from './context.ts';
import type { UserRecord } from './identity-store.ts';
import { authErrors } from './errors.ts';
import { verifyPassword } from './passwords.ts';
import { acceptTotp, newRecoveryCodes, newTotpSecret, recoveryCodeHash, totpUri } from './totp.ts';

const sealContext = (user: UserRecord): string => `totp/${user.id}`;

export interface TotpSetup {
  secret: string;
  uri: string;
}

/** Offers a new secret; two-factor stays as it was until /confirm proves the authenticator app has it. */
export async function beginTotpSetup(context: AuthContext, user: UserRecord): Promise<TotpSetup> {
  if (user.totpSecret !== undefined) throw authErrors.conflict('two-factor authentication is already on: disable it first');
  const secret = newTotpSecret();
  const sealed = context.box.seal(secret, sealContext(user));
  await context.identities.users.update(user.id, (record) => ({ ...record, totpPendingSecret: sealed }));
  return { secret, uri: totpUri(secret, user.username) };
}

/** Switches two-factor on when `code` matches the offered secret; returns the 8 recovery codes, once. */
export async function confirmTotp(context: AuthContext, user: UserRecord, code: unknown): Promise<string[]> {
  if (typeof code !== 'string') throw authErrors.badRequest('code is required');
  const pending = user.totpPendingSecret;
  if (pending === undefined) throw authErrors.badRequest('no two-factor setup in progress: POST /api/auth/totp/setup first');
  const step = acceptTotp(context.box.open(pending, sealContext(user)), code, context.now().getTime(), undefined);
  if (step === undefined) throw authErrors.badRequest('invalid code: check the authenticator app and the clock');
  const codes = newRecoveryCodes();
  await context.identities.users.update(user.id, (record) => {
    const { totpPendingSecret: _pending, ...rest } = record;
    return { ...rest, totpSecret: pending, totpLastStep: step, recoveryCodeHashes: codes.map(recoveryCodeHash) };
  });
  return codes;
}

/** Switches two-factor off; needs the password, so a forgotten open session is not enough. */
export async function disableTotp(context: AuthContext, user: UserRecord, password: unknown): Promise<void> {
  if (typeof password !== 'string' || !(await verifyPassword(password, user.passwordHash))) throw authErrors.forbidden('the password is wrong');
  await context.identities.users.update(user.id, (record) => {
    const { totpSecret: _secret, totpPendingSecret: _pending, totpLastStep: _step, ...rest } = record;
    return { ...rest, recoveryCodeHashes: [] };
  });
}

export function totpStatus(user: UserRecord): { enabled: boolean; recovery_codes_remaining: number } {
  return { enabled: user.totpSecret !== undefined, recovery_codes_remaining: user.recoveryCodeHashes.length };
}
