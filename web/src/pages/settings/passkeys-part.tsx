// The signed-in user's passkeys on the Account section: listed (name, created, last used, backed up), added under a
// name (the server's creation options go through the browser's own PublicKeyCredential.parseCreationOptionsFromJSON,
// as the sign-in page does), and deleted (asks). Shown only once an admin has configured passkeys (Settings
// passkeys.publicUrl; until then the routes answer "not configured") and in a browser that can do WebAuthn; the list
// follows Settings, so configuring passkeys elsewhere shows the part without a reload.
import { useSignal } from '@preact/signals';
import { messageOf, postJson, request } from '../../api/http.ts';
import type { PasskeyAvailability } from '../../api/sign-in-methods.ts';
import { ActionButton } from '../../components/action-button.tsx';
import { toast } from '../../components/toasts.tsx';
import { useFetched } from '../../components/use-fetched.ts';
import { settings } from '../../live/stores.ts';

interface Passkey {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  backed_up: boolean;
}

function webAuthnInThisBrowser(): boolean {
  return typeof PublicKeyCredential !== 'undefined' && typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function';
}

async function registerPasskey(name: string): Promise<void> {
  const begun = await postJson<{ publicKey: PublicKeyCredentialCreationOptionsJSON }>('api/auth/passkeys/register/begin');
  const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(begun.publicKey) });
  if (!(credential instanceof PublicKeyCredential)) throw new Error('no passkey was made');
  await postJson(`api/auth/passkeys/register/finish?name=${encodeURIComponent(name)}`, credential.toJSON());
}

export function PasskeysPart() {
  const availability = useFetched<PasskeyAvailability>('api/auth/passkeys/available', () => settings.items.value);
  const passkeys = useFetched<Passkey[]>('api/auth/passkeys', () => settings.items.value);
  const busy = useSignal(false);
  if (availability.data.value?.configured !== true) return null;
  if (!webAuthnInThisBrowser()) return <section aria-label="Passkeys"><h3>Passkeys</h3><p class="muted">This browser cannot use passkeys.</p></section>;
  const submit = async (event: Event) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const name = String(new FormData(element).get('name') ?? '').trim();
    busy.value = true;
    try {
      await registerPasskey(name === '' ? 'Passkey' : name);
      toast(`passkey ${name} added`, 'ok');
      element.reset();
      passkeys.reload();
    } catch (error) {
      toast(`Passkey ${name}: ${messageOf(error)}`, 'error');
    } finally {
      busy.value = false;
    }
  };
  const list = passkeys.data.value ?? [];
  return (
    <section aria-label="Passkeys">
      <h3>Passkeys</h3>
      <p class="muted">A passkey signs you in without a password or code: the device checks it is you (fingerprint, face or PIN).</p>
      {list.length === 0 ? <p class="muted">No passkey yet.</p> : (
        <table class="list">
          <thead><tr><th>Name</th><th>Added</th><th>Last used</th><th>Synced</th><th>Actions</th></tr></thead>
          <tbody>
            {list.map((passkey) => (
              <tr key={passkey.id} data-passkey={passkey.name}>
                <td data-label="Name">{passkey.name}</td>
                <td data-label="Added">{passkey.created_at}</td>
                <td data-label="Last used">{passkey.last_used_at ?? 'never'}</td>
                <td data-label="Synced" title="backed up by the authenticator (a synced passkey)">{passkey.backed_up ? 'yes' : 'no'}</td>
                <td data-label="Actions"><ActionButton kind="danger" label="Delete" confirm={`Delete the passkey ${passkey.name}? It no longer signs you in.`} run={async () => { await request('DELETE', `api/auth/passkeys/${encodeURIComponent(passkey.id)}`); passkeys.reload(); }} done={`passkey ${passkey.name} deleted`} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form class="card form-grid" aria-label="New passkey" onSubmit={(event) => void submit(event)}>
        <label>Passkey name<input name="name" autocomplete="off" placeholder="Laptop" /></label>
        <button type="submit" class="btn btn-primary" disabled={busy.value}>{busy.value ? 'Adding a passkey…' : 'Add a passkey'}</button>
      </form>
    </section>
  );
}
