// Who is signed in, from GET /api/auth/me: its permissions decide which buttons exist. Before the first admin the
// server answers 503 (not set up: the setup page), without a session 401 (the sign-in page).
import { computed, signal } from '@preact/signals';
import { getJson, HttpError, messageOf, postJson } from './http.ts';

export interface Me {
  id: string;
  username: string;
  role_id: string;
  permissions: string[];
  auth_enabled: boolean;
}

export type Session =
  | { state: 'loading' }
  | { state: 'signed-in'; me: Me }
  | { state: 'signed-out' }
  | { state: 'setup-needed'; message: string }
  | { state: 'unreachable'; message: string };

export const session = signal<Session>({ state: 'loading' });

export const me = computed(() => (session.value.state === 'signed-in' ? session.value.me : undefined));

/** Whether the signed-in user's role grants `permission` (buttons it does not are not rendered). */
export function can(permission: string): boolean {
  return me.value?.permissions.includes(permission) ?? false;
}

export async function refreshSession(): Promise<void> {
  try {
    session.value = { state: 'signed-in', me: await getJson<Me>('api/auth/me') };
  } catch (error) {
    if (error instanceof HttpError && error.status === 401) session.value = { state: 'signed-out' };
    else if (error instanceof HttpError && error.status === 503) session.value = { state: 'setup-needed', message: error.message };
    else session.value = { state: 'unreachable', message: messageOf(error) };
  }
}

export type LoginAnswer = { redirect: string } | { totp_required: true; totp_token: string };

export async function login(username: string, password: string): Promise<LoginAnswer> {
  return await postJson<LoginAnswer>('login', { username, password });
}

export async function verifySecondFactor(totpToken: string, code: string): Promise<void> {
  await postJson('api/auth/totp/verify', { totp_token: totpToken, code });
  await refreshSession();
}

export async function setup(setupToken: string, username: string, password: string): Promise<void> {
  await postJson('setup', { setup_token: setupToken, username, password });
  await refreshSession();
}

/**
 * Signs out. The signed-in pages go first, and with them their watches and reads (a page that read again because an
 * informer emptied would be refused with a 401 on its way out); then the server ends the session. If it could not,
 * the page shows the session as the server still has it.
 */
export async function logout(): Promise<void> {
  session.value = { state: 'signed-out' };
  // Preact renders on a later tick: after this one the Shell is unmounted and its effects are cleaned up.
  await new Promise((resolve) => setTimeout(resolve, 0));
  try {
    await postJson('logout');
  } catch {
    await refreshSession();
  }
}
