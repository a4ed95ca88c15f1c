// The signed-in user's own account (every role): password change, two-factor (two-factor-part.tsx), passkeys (passkeys-part.tsx), API tokens (a new one is shown once), and the
// sessions signed in as this user, each revocable (asks), the current one marked.
import { useSignal } from '@preact/signals';
import { messageOf, postJson, request } from '../../api/http.ts';
import { me } from '../../api/session.ts';
import { ActionButton } from '../../components/action-button.tsx';
import { SecretOnce } from '../../components/secret-once.tsx';
import { toast } from '../../components/toasts.tsx';
import { useFetched } from '../../components/use-fetched.ts';
import { PasskeysPart } from './passkeys-part.tsx';
import { TwoFactorPart } from './two-factor-part.tsx';

interface Token {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

interface SessionEntry {
  id: string;
  created_at: string;
  last_seen_at: string;
  ip: string;
  user_agent: string;
  current: boolean;
}

function Tokens() {
  const tokens = useFetched<Token[]>('api/auth/tokens');
  const issued = useSignal<string | undefined>(undefined);
  const submit = async (event: Event) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const name = String(new FormData(element).get('name') ?? '').trim();
    try {
      issued.value = (await postJson<{ token: string }>('api/auth/tokens', { name })).token;
      element.reset();
      tokens.reload();
    } catch (error) {
      toast(`Token ${name}: ${messageOf(error)}`, 'error');
    }
  };
  return (
    <section aria-label="API tokens">
      <h3>API tokens</h3>
      <table class="list">
        <thead><tr><th>Name</th><th>Created</th><th>Last used</th><th>Actions</th></tr></thead>
        <tbody>
          {(tokens.data.value ?? []).map((token) => (
            <tr key={token.id} data-token={token.name}>
              <td data-label="Name">{token.name}</td>
              <td data-label="Created">{token.created_at}</td>
              <td data-label="Last used">{token.last_used_at ?? 'never'}</td>
              <td data-label="Actions"><ActionButton kind="danger" label="Delete" confirm={`Delete the token ${token.name}? Whatever uses it is refused from now on.`} run={async () => { await request('DELETE', `api/auth/tokens/${encodeURIComponent(token.id)}`); tokens.reload(); }} done={`token ${token.name} deleted`} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card form-grid" aria-label="New token" onSubmit={(event) => void submit(event)}>
        <label>Token name<input name="name" autocomplete="off" required /></label>
        <button type="submit" class="btn btn-primary">Create token</button>
      </form>
      <SecretOnce label="New API token" value={issued.value} />
    </section>
  );
}

function Sessions() {
  const sessions = useFetched<SessionEntry[]>('api/auth/sessions');
  return (
    <section aria-label="Sessions">
      <h3>Sessions</h3>
      <table class="list">
        <thead><tr><th>Signed in</th><th>Last seen</th><th>From</th><th>Actions</th></tr></thead>
        <tbody>
          {(sessions.data.value ?? []).map((entry) => (
            <tr key={entry.id}>
              <td data-label="Signed in">{entry.created_at}{entry.current ? ' (this session)' : ''}</td>
              <td data-label="Last seen">{entry.last_seen_at}</td>
              <td data-label="From" class="image">{entry.ip} {entry.user_agent}</td>
              <td data-label="Actions">{!entry.current && <ActionButton kind="danger" label="Revoke" confirm="Sign this session out?" run={async () => { await request('DELETE', `api/auth/sessions/${encodeURIComponent(entry.id)}`); sessions.reload(); }} done="session revoked" />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ActionButton kind="danger" label="Sign out every other session" confirm="Sign out every session but this one?" run={async () => { await request('DELETE', 'api/auth/sessions'); sessions.reload(); }} done="other sessions revoked" />
    </section>
  );
}

function ChangePassword() {
  const submit = async (event: Event) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    try {
      await postJson('api/auth/change-password', { current_password: String(form.get('current') ?? ''), new_password: String(form.get('new') ?? '') });
      toast('password changed', 'ok');
      element.reset();
    } catch (error) {
      toast(`Password: ${messageOf(error)}`, 'error');
    }
  };
  return (
    <form class="card form-grid" aria-label="Change password" onSubmit={(event) => void submit(event)}>
      <h3>Change password</h3>
      <label>Current password<input name="current" type="password" autocomplete="current-password" required /></label>
      <label>New password<input name="new" type="password" autocomplete="new-password" required /></label>
      <button type="submit" class="btn">Change password</button>
    </form>
  );
}

export function AccountSection() {
  const user = me.value;
  return (
    <section aria-label="Account">
      <h2>Account</h2>
      <p>Signed in as <strong>{user?.username}</strong>, role {user?.role_id}.</p>
      {user?.auth_enabled === true && <ChangePassword />}
      {user?.auth_enabled === true && <TwoFactorPart />}
      {user?.auth_enabled === true && <PasskeysPart />}
      <Tokens />
      <Sessions />
    </section>
  );
}
