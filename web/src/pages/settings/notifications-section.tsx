// Notifications: the channels (GET/PUT /api/settings/notifications; secrets come masked and are sent back masked,
// which keeps the stored value), a Test button per channel (POST /api/settings/notifications/test: a real message),
// templates with a preview rendered by the server, the digest, the per-container modes, and the batching window.
import { useSignal } from '@preact/signals';
import { messageOf, postJson, request } from '../../api/http.ts';
import { can } from '../../api/session.ts';
import { ActionButton } from '../../components/action-button.tsx';
import { toast } from '../../components/toasts.tsx';
import { useFetched } from '../../components/use-fetched.ts';
import { containers, settings } from '../../live/stores.ts';

interface Channel {
  id: string;
  type: string;
  name: string;
  enabled: boolean;
  settings: Record<string, unknown>;
  events: string[];
}

/** Each type's settings keys (as channel-mapping.ts on the server names them); the secret ones get password fields. */
const CHANNEL_FIELDS: Readonly<Record<string, { plain: string[]; secret: string[] }>> = {
  webhook: { plain: ['url'], secret: [] },
  gotify: { plain: ['url', 'priority'], secret: ['token'] },
  slack: { plain: [], secret: ['webhook_url'] },
  discord: { plain: [], secret: ['webhook_url'] },
  ntfy: { plain: ['server', 'topic', 'priority', 'username'], secret: ['token', 'password'] },
  telegram: { plain: ['chat_id'], secret: ['bot_token'] },
  pushover: { plain: ['priority'], secret: ['app_token', 'user_key'] },
  smtp: { plain: ['host', 'port', 'from', 'to', 'username'], secret: ['password'] },
  apprise: { plain: ['url', 'tag'], secret: ['urls'] },
  mqtt: { plain: ['broker', 'topic', 'client_id', 'username', 'qos'], secret: ['password'] },
};

const saveChannels = (list: Channel[]) => request('PUT', 'api/settings/notifications', list);

function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function AddChannel({ channels, onSaved }: { channels: Channel[]; onSaved: () => void }) {
  const type = useSignal('webhook');
  const fields = CHANNEL_FIELDS[type.value] ?? { plain: [], secret: [] };
  const submit = async (event: Event) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    const url = String(form.get('shoutrrr') ?? '').trim();
    const values: Record<string, string> = {};
    for (const key of [...fields.plain, ...fields.secret]) {
      const value = String(form.get(`setting-${key}`) ?? '').trim();
      if (value !== '') values[key] = value;
    }
    const name = String(form.get('name') ?? '').trim();
    const added = url !== '' ? { name, enabled: true, url } : { type: type.value, name, enabled: true, settings: values };
    try {
      await saveChannels([...channels, added as Channel]);
      toast(`channel ${name} added`, 'ok');
      element.reset();
      onSaved();
    } catch (error) {
      toast(`Adding the channel failed: ${messageOf(error)}`, 'error');
    }
  };
  return (
    <form class="card form-grid" aria-label="Add a channel" onSubmit={(event) => void submit(event)}>
      <h3>Add a channel</h3>
      <label>Type<select name="type" value={type.value} onChange={(event) => (type.value = event.currentTarget.value)}>
        {Object.keys(CHANNEL_FIELDS).map((name) => <option key={name} value={name}>{name}</option>)}
      </select></label>
      <label>Name<input name="name" required /></label>
      {fields.plain.map((key) => <label key={key}>{key}<input name={`setting-${key}`} /></label>)}
      {fields.secret.map((key) => <label key={key}>{key}<input name={`setting-${key}`} type="password" autocomplete="off" /></label>)}
      <label>Or a Shoutrrr URL<input name="shoutrrr" autocomplete="off" placeholder="ntfy://ntfy.sh/topic" /></label>
      <button type="submit" class="btn btn-primary">Add channel</button>
    </form>
  );
}

function Channels() {
  const list = useFetched<Channel[]>('api/settings/notifications', () => settings.items.value);
  const channels = list.data.value ?? [];
  const edit = can('settings.modify');
  const replace = async (next: Channel[], done: string) => {
    await saveChannels(next);
    toast(done, 'ok');
    list.reload();
  };
  return (
    <>
      <h3>Channels</h3>
      {list.error.value !== '' && <p class="form-error" role="alert">{list.error.value}</p>}
      {channels.length === 0 && <p class="muted">No channel yet.</p>}
      <table class="list">
        <thead><tr><th>Name</th><th>Type</th><th>Enabled</th><th>Settings</th><th>Events</th><th>Actions</th></tr></thead>
        <tbody>
          {channels.map((channel) => (
            <tr key={channel.id} data-channel={channel.name}>
              <td data-label="Name">{channel.name}</td>
              <td data-label="Type">{channel.type}</td>
              <td data-label="Enabled">{channel.enabled ? 'yes' : 'no'}</td>
              <td data-label="Settings" class="image">{Object.entries(channel.settings).map(([key, value]) => `${key}: ${shown(value)}`).join(', ')}</td>
              <td data-label="Events">{channel.events.length === 0 ? 'all' : channel.events.join(', ')}</td>
              <td data-label="Actions">
                {edit && (
                  <span class="actions">
                    <ActionButton kind="primary" label="Test" run={() => postJson('api/settings/notifications/test', { id: channel.id })} done={`test message sent to ${channel.name}`} />
                    <ActionButton label={channel.enabled ? 'Disable' : 'Enable'} run={() => replace(channels.map((other) => (other.id === channel.id ? { ...other, enabled: !other.enabled } : other)), `${channel.name} ${channel.enabled ? 'disabled' : 'enabled'}`)} />
                    <ActionButton kind="danger" label="Remove" confirm={`Remove the channel ${channel.name}?`} run={() => replace(channels.filter((other) => other.id !== channel.id), `${channel.name} removed`)} />
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {edit && <AddChannel channels={channels} onSaved={list.reload} />}
    </>
  );
}

function Templates() {
  const events = useFetched<string[]>('api/settings/notifications/event-types');
  const stored = useFetched<{ templates: Record<string, string> }>('api/settings/notifications/templates', () => settings.items.value);
  const event = useSignal('update_available');
  const draft = useSignal<string | undefined>(undefined);
  const preview = useSignal('');
  const edit = can('settings.modify');
  const text = draft.value ?? stored.data.value?.templates[event.value] ?? '';
  const render = async () => {
    try {
      preview.value = (await postJson<{ preview: string }>('api/settings/notifications/templates/preview', { event_type: event.value, template: text })).preview;
    } catch (error) {
      preview.value = '';
      toast(`Preview failed: ${messageOf(error)}`, 'error');
    }
  };
  return (
    <section class="card form-grid" aria-label="Templates">
      <h3>Templates</h3>
      <label>Event<select value={event.value} onChange={(change) => { event.value = change.currentTarget.value; draft.value = undefined; preview.value = ''; }}>
        {(events.data.value ?? [event.value]).map((name) => <option key={name} value={name}>{name}</option>)}
      </select></label>
      <label>Template (empty: the built-in one)<textarea rows={4} value={text} readOnly={!edit} onInput={(change) => (draft.value = change.currentTarget.value)} /></label>
      {edit && (
        <span class="actions">
          <button type="button" class="btn" disabled={text.trim() === ''} onClick={() => void render()}>Preview</button>
          <ActionButton kind="primary" label="Save template" run={async () => { await request('PUT', 'api/settings/notifications/templates', { event_type: event.value, template: text }); draft.value = undefined; }} done={`template for ${event.value} saved`} />
          <ActionButton label="Reset to default" confirm={`Reset the template for ${event.value} to the built-in one?`} run={async () => { await request('DELETE', `api/settings/notifications/templates/${event.value}`); draft.value = undefined; }} done="template reset" />
        </span>
      )}
      {preview.value !== '' && <pre class="preview" aria-label="Preview">{preview.value}</pre>}
    </section>
  );
}

interface Digest {
  digest_enabled: string;
  digest_time: string;
  digest_interval: string;
}

/** An uncontrolled form (defaultValue): a reload of the values while someone types does not reset the fields. */
function DigestSettings() {
  const digest = useFetched<Digest>('api/settings/digest', () => settings.items.value);
  const edit = can('settings.modify');
  const value = digest.data.value;
  if (value === undefined) return null;
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    try {
      await postJson('api/settings/digest', { digest_enabled: form.get('digest_enabled') === 'on', digest_time: String(form.get('digest_time') ?? ''), digest_interval: String(form.get('digest_interval') ?? '') });
      toast('digest settings saved', 'ok');
    } catch (error) {
      toast(`Digest: ${messageOf(error)}`, 'error');
    }
  };
  return (
    <form class="card form-grid" aria-label="Digest" onSubmit={(event) => void submit(event)}>
      <h3>Digest</h3>
      <label class="setting-bool"><input type="checkbox" name="digest_enabled" defaultChecked={value.digest_enabled === 'true'} disabled={!edit} /> Send a digest</label>
      <label>First send at (HH:MM)<input name="digest_time" defaultValue={value.digest_time} readOnly={!edit} /></label>
      <label>Every<input name="digest_interval" defaultValue={value.digest_interval} readOnly={!edit} /></label>
      {edit && (
        <span class="actions">
          <button type="submit" class="btn btn-primary">Save digest</button>
          <ActionButton label="Send digest now" run={() => postJson('api/digest/trigger')} done="digest requested" />
        </span>
      )}
    </form>
  );
}

function BatchWindow() {
  const submit = async (event: Event) => {
    event.preventDefault();
    const window = String(new FormData(event.currentTarget as HTMLFormElement).get('window') ?? '');
    try {
      await postJson('api/settings/notify-batch-window', { window });
      toast(`batching window of every channel set to ${window}`, 'ok');
    } catch (error) {
      toast(`Batching window: ${messageOf(error)}`, 'error');
    }
  };
  return (
    <form class="card form-grid" aria-label="Batching" onSubmit={(event) => void submit(event)}>
      <h3>Batching</h3>
      <label>Batching window of every channel<input name="window" placeholder="e.g. 5m, 0s for none" required /></label>
      <button type="submit" class="btn">Set window</button>
    </form>
  );
}

/** Containers whose notification mode is not the default (GET /api/settings/container-notify-prefs), and clearing
 * the de-duplication states so that every pending update is notified again (DELETE /api/notify-states, asks). */
function Modes() {
  const prefs = useFetched<Record<string, { mode: string }>>('api/settings/container-notify-prefs', () => containers.items.value);
  const entries = Object.entries(prefs.data.value ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section class="card" aria-label="Modes">
      <h3>Per-container modes</h3>
      {entries.length === 0 ? <p class="muted">Every container uses the default mode (set one on its page).</p> : (
        <ul>{entries.map(([key, pref]) => <li key={key} data-notify={key}>{key}: {pref.mode}</li>)}</ul>
      )}
      {can('settings.modify') && (
        <ActionButton label="Clear notification states" confirm="Forget which updates were already notified? Each pending update is notified again." run={async () => toast((await request<{ message: string }>('DELETE', 'api/notify-states')).message, 'ok')} />
      )}
    </section>
  );
}

export function NotificationsSection() {
  return (
    <section aria-label="Notifications">
      <h2>Notifications</h2>
      <Channels />
      <Templates />
      <DigestSettings />
      <Modes />
      {can('settings.modify') && <BatchWindow />}
    </section>
  );
}
