// Sign-in as Sentinel's: POST /login with username and password; when the account has a second factor, the answer
// is a TOTP token and the page asks for a code (an authenticator code or a recovery code), POST /api/auth/totp/verify.
// A passkey button and a single sign-on link appear when the server offers them.
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { messageOf } from '../api/http.ts';
import { passkeySignInOffered, signInWithPasskey, singleSignOnOffered } from '../api/sign-in-methods.ts';
import { login, refreshSession, verifySecondFactor } from '../api/session.ts';

export function SignInPage() {
  const error = useSignal('');
  const totpToken = useSignal<string | undefined>(undefined);
  const busy = useSignal(false);
  const passkeyOffered = useSignal(false);
  const ssoOffered = useSignal(false);

  useEffect(() => {
    passkeySignInOffered().then((offered) => (passkeyOffered.value = offered), () => (passkeyOffered.value = false));
    singleSignOnOffered().then((offered) => (ssoOffered.value = offered), () => (ssoOffered.value = false));
  }, []);

  // A passkey replaces both the password and the second factor (the server requires user verification).
  const passkey = async () => {
    busy.value = true;
    error.value = '';
    try {
      await signInWithPasskey();
    } catch (failure) {
      error.value = messageOf(failure);
    } finally {
      busy.value = false;
    }
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    busy.value = true;
    error.value = '';
    try {
      if (totpToken.value === undefined) {
        const answer = await login(String(form.get('username') ?? ''), String(form.get('password') ?? ''));
        if ('totp_required' in answer) totpToken.value = answer.totp_token;
        else await refreshSession();
      } else {
        await verifySecondFactor(totpToken.value, String(form.get('code') ?? '').trim());
      }
    } catch (failure) {
      error.value = messageOf(failure);
    } finally {
      busy.value = false;
    }
  };

  return (
    <main class="auth-page">
      <form class="card auth-card" onSubmit={submit}>
        <h1>Sign in to Vigil</h1>
        {totpToken.value === undefined ? (
          <>
            <label>Username<input name="username" autocomplete="username" required /></label>
            <label>Password<input name="password" type="password" autocomplete="current-password" required /></label>
          </>
        ) : (
          <label>
            Authenticator code or recovery code
            <input name="code" autocomplete="one-time-code" required />
          </label>
        )}
        {error.value !== '' && <p class="form-error" role="alert">{error.value}</p>}
        <button class="btn btn-primary" type="submit" disabled={busy.value}>{totpToken.value === undefined ? 'Sign in' : 'Verify'}</button>
        {passkeyOffered.value && totpToken.value === undefined && (
          <button class="btn" type="button" disabled={busy.value} onClick={passkey}>Sign in with a passkey</button>
        )}
        {/* A navigation, not a fetch: the provider's pages take over the window and send it back signed in. */}
        {ssoOffered.value && totpToken.value === undefined && <a class="btn" href="api/auth/oidc/login">Sign in with single sign-on</a>}
      </form>
    </main>
  );
}
