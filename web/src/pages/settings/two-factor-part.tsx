// Two-factor authentication of the signed-in user on the Account section (Sentinel's /api/auth/totp/* routes):
// status with the recovery codes left; Enable → the secret and its otpauth:// URI to enter in an authenticator app
// (text: a QR code would need a library and an image the strict CSP must allow) → confirm with a code → the recovery
// codes, shown once; Disable with the password (asks).
import { useSignal } from '@preact/signals';
import { messageOf, postJson } from '../../api/http.ts';
import { SecretOnce } from '../../components/secret-once.tsx';
import { toast } from '../../components/toasts.tsx';
import { useFetched } from '../../components/use-fetched.ts';

interface TotpStatus {
  enabled: boolean;
  recovery_codes_remaining: number;
}

export function TwoFactorPart() {
  const status = useFetched<TotpStatus>('api/auth/totp/status');
  const pending = useSignal<{ secret: string; uri: string } | undefined>(undefined);
  const codes = useSignal<string[] | undefined>(undefined);

  const begin = async (): Promise<void> => {
    try {
      pending.value = await postJson<{ secret: string; uri: string }>('api/auth/totp/setup');
      codes.value = undefined;
    } catch (error) {
      toast(`Two-factor: ${messageOf(error)}`, 'error');
    }
  };
  const confirm = async (event: Event): Promise<void> => {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget as HTMLFormElement).get('code') ?? '').trim();
    try {
      codes.value = (await postJson<{ recovery_codes: string[] }>('api/auth/totp/confirm', { code })).recovery_codes;
      pending.value = undefined;
      status.reload();
      toast('two-factor authentication enabled', 'ok');
    } catch (error) {
      toast(`Two-factor: ${messageOf(error)}`, 'error');
    }
  };
  const disable = async (event: Event): Promise<void> => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    if (!window.confirm('Turn two-factor authentication off? Signing in then needs the password only.')) return;
    try {
      await postJson('api/auth/totp/disable', { password: String(new FormData(element).get('password') ?? '') });
      element.reset();
      codes.value = undefined;
      status.reload();
      toast('two-factor authentication disabled', 'ok');
    } catch (error) {
      toast(`Two-factor: ${messageOf(error)}`, 'error');
    }
  };

  const current = status.data.value;
  return (
    <section aria-label="Two-factor authentication">
      <h3>Two-factor authentication</h3>
      {current === undefined ? <p class="muted">…</p> : current.enabled ? (
        <>
          <p>On: signing in asks for a code from your authenticator app, or one of your {current.recovery_codes_remaining} recovery codes left.</p>
          <form class="card form-grid" aria-label="Disable two-factor authentication" onSubmit={(event) => void disable(event)}>
            <label>Password<input name="password" type="password" autocomplete="current-password" required /></label>
            <button type="submit" class="btn btn-danger">Disable two-factor</button>
          </form>
        </>
      ) : pending.value === undefined ? (
        <>
          <p class="muted">Off: a password alone signs you in.</p>
          <button type="button" class="btn btn-primary" onClick={() => void begin()}>Enable two-factor</button>
        </>
      ) : (
        <form class="card form-grid" aria-label="Confirm two-factor authentication" onSubmit={(event) => void confirm(event)}>
          <p>Add this secret to your authenticator app, then enter the code it shows.</p>
          <p>Secret: <code class="secret-value" data-totp-secret>{pending.value.secret}</code></p>
          <p class="image">URI: <code>{pending.value.uri}</code></p>
          <label>Code from the app<input name="code" inputMode="numeric" autocomplete="one-time-code" required /></label>
          <button type="submit" class="btn btn-primary">Confirm</button>
        </form>
      )}
      {codes.value !== undefined && <SecretOnce label="Recovery codes (each works once)" value={codes.value.join(' ')} />}
    </section>
  );
}
