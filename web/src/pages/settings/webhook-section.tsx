// The inbound webhook (POST /api/webhook with X-Webhook-Secret triggers a scan): on or off, and its secret, which the
// server makes and shows only once (webhook-enabled without a secret, or webhook-secret); the page never sees it again.
import { useSignal } from '@preact/signals';
import { messageOf, postJson } from '../../api/http.ts';
import { can } from '../../api/session.ts';
import { ActionButton } from '../../components/action-button.tsx';
import { SecretOnce } from '../../components/secret-once.tsx';
import { toast } from '../../components/toasts.tsx';
import { useFetched } from '../../components/use-fetched.ts';
import { settings } from '../../live/stores.ts';

interface WebhookInfo {
  enabled: boolean;
  secret_configured: boolean;
  path: string;
  header: string;
}

export function WebhookSection() {
  const info = useFetched<WebhookInfo>('api/settings/webhook-info', () => settings.items.value);
  const secret = useSignal<string | undefined>(undefined);
  const edit = can('settings.modify');
  const value = info.data.value;
  const setEnabled = async (enabled: boolean) => {
    try {
      const answer = await postJson<{ message: string; secret?: string }>('api/settings/webhook-enabled', { enabled });
      secret.value = answer.secret;
      toast(answer.message, 'ok');
      info.reload();
    } catch (error) {
      toast(`Webhook: ${messageOf(error)}`, 'error');
    }
  };
  return (
    <section aria-label="Webhook">
      <h2>Webhook</h2>
      {info.error.value !== '' && <p class="form-error" role="alert">{info.error.value}</p>}
      {value !== undefined && (
        <div class="card settings-list">
          <div class="setting setting-bool">
            {edit ? <input id="webhook-enabled" type="checkbox" checked={value.enabled} onChange={(event) => void setEnabled(event.currentTarget.checked)} /> : <output>{value.enabled ? 'on' : 'off'}</output>}
            <label for="webhook-enabled">Inbound webhook</label>
          </div>
          <p>POST <code>{value.path}</code> with the secret in <code>{value.header}</code> starts a scan. Secret: {value.secret_configured ? 'set' : 'none yet'}.</p>
          {edit && <ActionButton kind="danger" label="Regenerate secret" confirm="Make a new webhook secret? Callers using the old one are refused from now on." run={async () => { secret.value = (await postJson<{ secret: string }>('api/settings/webhook-secret')).secret; info.reload(); }} done="webhook secret regenerated" />}
          <SecretOnce label="Webhook secret" value={secret.value} />
        </div>
      )}
    </section>
  );
}
