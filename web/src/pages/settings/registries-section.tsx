// Registries: the credentials (Registry resources; the secret comes masked and a masked secret sent back means "the
// stored one"), a credential test against the registry itself (POST /api/settings/registries/test), removal, and
// each registry's rate-limit budget as the registry checker last saw it.
import { messageOf, postJson, request } from '../../api/http.ts';
import { can } from '../../api/session.ts';
import { ActionButton } from '../../components/action-button.tsx';
import { toast } from '../../components/toasts.tsx';
import { useFetched } from '../../components/use-fetched.ts';

interface Credential {
  id: string;
  registry: string;
  username: string;
  secret: string;
}

interface RegistryEntry {
  credential?: Credential;
  rate_limit?: { remaining: number; limit: number; reset: string | null };
}

/** The registry's verdict: `{success, message}` (a refusal is an answer, not an HTTP error). */
interface TestAnswer {
  success: boolean;
  message: string;
}

export function RegistriesSection() {
  const registries = useFetched<Record<string, RegistryEntry>>('api/settings/registries');
  const entries = Object.entries(registries.data.value ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const credentials = entries.flatMap(([, entry]) => (entry.credential === undefined ? [] : [entry.credential]));
  const edit = can('settings.modify');

  const test = async (credential: Omit<Credential, 'id'> & { id?: string }) => {
    const answer = await postJson<TestAnswer>('api/settings/registries/test', credential);
    toast(`${credential.registry}: ${answer.message}`, answer.success ? 'ok' : 'error');
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    const added = { registry: String(form.get('registry') ?? '').trim(), username: String(form.get('username') ?? '').trim(), secret: String(form.get('secret') ?? '') };
    const action = (event as SubmitEvent).submitter?.getAttribute('value');
    try {
      if (action === 'test') await test(added);
      else {
        await request('PUT', 'api/settings/registries', [...credentials.filter((credential) => credential.registry !== added.registry), added]);
        toast(`credential for ${added.registry} saved`, 'ok');
        element.reset();
        registries.reload();
      }
    } catch (error) {
      toast(`${added.registry}: ${messageOf(error)}`, 'error');
    }
  };

  return (
    <section aria-label="Registries">
      <h2>Registries</h2>
      {registries.error.value !== '' && <p class="form-error" role="alert">{registries.error.value}</p>}
      {entries.length === 0 && <p class="muted">No registry credential or rate-limit report yet.</p>}
      <table class="list">
        <thead><tr><th>Registry</th><th>Username</th><th>Secret</th><th>Rate limit</th><th>Actions</th></tr></thead>
        <tbody>
          {entries.map(([server, entry]) => (
            <tr key={server} data-registry={server}>
              <td data-label="Registry">{server}</td>
              <td data-label="Username">{entry.credential?.username ?? <span class="muted">anonymous</span>}</td>
              <td data-label="Secret">{entry.credential?.secret ?? ''}</td>
              <td data-label="Rate limit">{entry.rate_limit === undefined ? <span class="muted">not reported</span> : `${entry.rate_limit.remaining} of ${entry.rate_limit.limit} left${entry.rate_limit.reset === null ? '' : `, resets ${entry.rate_limit.reset}`}`}</td>
              <td data-label="Actions">
                {edit && entry.credential !== undefined && (
                  <span class="actions">
                    <ActionButton label="Test" run={() => test(entry.credential ?? { registry: server, username: '', secret: '' })} />
                    <ActionButton kind="danger" label="Remove" confirm={`Remove the credential for ${server}?`} run={async () => { await request('DELETE', `api/settings/registries/${encodeURIComponent(entry.credential?.id ?? '')}`); registries.reload(); }} done={`credential for ${server} removed`} />
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {edit && (
        <form class="card form-grid" aria-label="Add a credential" onSubmit={(event) => void submit(event)}>
          <h3>Add or replace a credential</h3>
          <label>Registry<input name="registry" placeholder="ghcr.io" required /></label>
          <label>Username<input name="username" autocomplete="off" required /></label>
          <label>Password or token<input name="secret" type="password" autocomplete="off" required /></label>
          <span class="actions">
            <button type="submit" class="btn" value="test">Test</button>
            <button type="submit" class="btn btn-primary" value="save">Save credential</button>
          </span>
        </form>
      )}
    </section>
  );
}
