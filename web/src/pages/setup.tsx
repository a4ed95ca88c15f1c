// First run: the first admin is made with the one-time setup token Vigil wrote into its data directory. The server's
// own answer says where that file is, so the page shows it rather than guessing the data directory.
import { useSignal } from '@preact/signals';
import { messageOf } from '../api/http.ts';
import { setup } from '../api/session.ts';

export function SetupPage({ serverMessage }: { serverMessage: string }) {
  const error = useSignal('');
  const busy = useSignal(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const password = String(form.get('password') ?? '');
    if (password !== String(form.get('confirm') ?? '')) {
      error.value = 'the two passwords differ';
      return;
    }
    busy.value = true;
    error.value = '';
    try {
      await setup(String(form.get('setup_token') ?? '').trim(), String(form.get('username') ?? ''), password);
    } catch (failure) {
      error.value = messageOf(failure);
    } finally {
      busy.value = false;
    }
  };

  return (
    <main class="auth-page">
      <form class="card auth-card" onSubmit={submit}>
        <h1>Set up Vigil</h1>
        <p>Create the first administrator. The one-time setup token is in the file <code>setup-token</code> of Vigil's data directory; the server says:</p>
        <p class="server-message">{serverMessage}</p>
        <label>Setup token<input name="setup_token" autocomplete="off" required /></label>
        <label>Username<input name="username" autocomplete="username" required /></label>
        <label>Password<input name="password" type="password" autocomplete="new-password" required /></label>
        <label>Confirm password<input name="confirm" type="password" autocomplete="new-password" required /></label>
        {error.value !== '' && <p class="form-error" role="alert">{error.value}</p>}
        <button class="btn btn-primary" type="submit" disabled={busy.value}>Create administrator</button>
      </form>
    </main>
  );
}
