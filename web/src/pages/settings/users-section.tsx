// Users and roles (users.manage only; the section is not offered to other roles): list, create, change a role,
// delete (asks). The server refuses removing the last admin or oneself, and says so.
import { messageOf, postJson, request } from '../../api/http.ts';
import { me } from '../../api/session.ts';
import { ActionButton } from '../../components/action-button.tsx';
import { toast } from '../../components/toasts.tsx';
import { useFetched } from '../../components/use-fetched.ts';

interface User {
  id: string;
  username: string;
  role_id: string;
  created_at: string;
  totp_enabled: boolean;
  locked: boolean;
}

const ROLES = ['admin', 'operator', 'viewer'];

export function UsersSection() {
  const users = useFetched<User[]>('api/auth/users');
  const submit = async (event: Event) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    const username = String(form.get('username') ?? '').trim();
    try {
      await postJson('api/auth/users', { username, password: String(form.get('password') ?? ''), role_id: String(form.get('role') ?? 'viewer') });
      toast(`user ${username} created`, 'ok');
      element.reset();
      users.reload();
    } catch (error) {
      toast(`Creating ${username}: ${messageOf(error)}`, 'error');
    }
  };
  const setRole = async (user: User, role: string) => {
    try {
      await request('PATCH', `api/auth/users/${encodeURIComponent(user.id)}`, { role_id: role });
      toast(`${user.username} is now ${role}`, 'ok');
    } catch (error) {
      toast(`${user.username}: ${messageOf(error)}`, 'error');
    }
    users.reload();
  };
  return (
    <section aria-label="Users">
      <h2>Users and roles</h2>
      {users.error.value !== '' && <p class="form-error" role="alert">{users.error.value}</p>}
      <table class="list">
        <thead><tr><th>User</th><th>Role</th><th>Second factor</th><th>Created</th><th>Actions</th></tr></thead>
        <tbody>
          {(users.data.value ?? []).map((user) => (
            <tr key={user.id} data-user={user.username}>
              <td data-label="User">{user.username}{user.locked ? ' (locked)' : ''}</td>
              <td data-label="Role">
                <select aria-label={`Role of ${user.username}`} value={user.role_id} disabled={user.id === me.value?.id} onChange={(event) => void setRole(user, event.currentTarget.value)}>
                  {ROLES.map((role) => <option key={role} value={role}>{role}</option>)}
                </select>
              </td>
              <td data-label="Second factor">{user.totp_enabled ? 'TOTP' : 'none'}</td>
              <td data-label="Created">{user.created_at}</td>
              <td data-label="Actions">
                {user.id !== me.value?.id && <ActionButton kind="danger" label="Delete" confirm={`Delete the user ${user.username}? Their sessions and tokens end.`} run={async () => { await request('DELETE', `api/auth/users/${encodeURIComponent(user.id)}`); users.reload(); }} done={`${user.username} deleted`} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card form-grid" aria-label="Add a user" onSubmit={(event) => void submit(event)}>
        <h3>Add a user</h3>
        <label>Username<input name="username" autocomplete="off" required /></label>
        <label>Password<input name="password" type="password" autocomplete="new-password" required /></label>
        <label>Role<select name="role">{ROLES.map((role) => <option key={role} value={role}>{role}</option>)}</select></label>
        <button type="submit" class="btn btn-primary">Create user</button>
      </form>
    </section>
  );
}
