// One group of global settings (scanning, updates and safety, maintenance window, hooks, metrics): the values the
// server runs with (GET /api/settings, read again whenever Settings `default` changes), each saved on its own.
// A role without settings.modify sees the values and no control.
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { mergePatch, messageOf, postJson } from '../../api/http.ts';
import { can } from '../../api/session.ts';
import { toast } from '../../components/toasts.tsx';
import { useFetched } from '../../components/use-fetched.ts';
import { settings } from '../../live/stores.ts';
import type { SettingDefinition, SettingGroup } from './setting-definitions.ts';

type Value = string | boolean | number | string[];

function valueOf(definition: SettingDefinition, text: string): Value {
  switch (definition.kind) {
    case 'bool':
      return text === 'true';
    case 'int':
      return Number(text);
    case 'lines':
      return text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
    default:
      return text;
  }
}

async function save(definition: SettingDefinition, value: Value): Promise<string> {
  if (definition.route !== undefined) {
    const answer = await postJson<{ message?: string }>(`api/settings/${definition.route.path}`, { [definition.route.field]: value });
    return answer.message ?? `${definition.label} saved`;
  }
  const path = definition.spec ?? [];
  let patch: unknown = value;
  for (const segment of [...path].reverse()) patch = { [segment]: patch };
  await mergePatch('apis/vigil.dev/v1alpha1/settings/default', { spec: patch });
  return `${definition.label} saved`;
}

function SettingRow({ definition, text: stored }: { definition: SettingDefinition; text: string }) {
  const busy = useSignal(false);
  // What the user chose or is typing, shown until the server's value changes: a re-render for another reason (the
  // Settings status moving) must not reset a field being typed in. A failed toggle or choice goes back at once.
  const chosen = useSignal<string | undefined>(undefined);
  useEffect(() => {
    chosen.value = undefined;
  }, [stored]);
  const text = chosen.value ?? stored;
  const id = `setting-${definition.key}`;
  const run = async (value: Value) => {
    busy.value = true;
    if (typeof value === 'boolean' || definition.kind === 'choice') chosen.value = String(value);
    try {
      toast(await save(definition, value), 'ok');
    } catch (error) {
      if (typeof value === 'boolean' || definition.kind === 'choice') chosen.value = undefined;
      toast(`${definition.label}: ${messageOf(error)}`, 'error');
    } finally {
      busy.value = false;
    }
  };
  const hint = definition.hint === undefined ? undefined : `${id}-hint`;
  const label = <label for={id}>{definition.label}</label>;
  const help = hint === undefined ? null : <small id={hint} class="muted">{definition.hint}</small>;
  if (!can('settings.modify')) {
    return <div class="setting" data-setting={definition.key}><span>{definition.label}</span><output class="setting-value">{text === '' ? '(not set)' : definition.kind === 'bool' ? (text === 'true' ? 'on' : 'off') : text}</output></div>;
  }
  if (definition.kind === 'bool') {
    return (
      <div class="setting setting-bool" data-setting={definition.key}>
        <input id={id} type="checkbox" checked={text === 'true'} disabled={busy.value} aria-describedby={hint} onChange={(event) => void run(event.currentTarget.checked)} />
        {label}{help}
      </div>
    );
  }
  if (definition.kind === 'choice') {
    return (
      <div class="setting" data-setting={definition.key}>
        {label}
        <select id={id} value={text} disabled={busy.value} onChange={(event) => void run(event.currentTarget.value)}>
          {(definition.choices ?? []).map((choice) => <option key={choice} value={choice}>{choice}</option>)}
        </select>
        {help}
      </div>
    );
  }
  const submit = (event: Event) => {
    event.preventDefault();
    const field = (event.currentTarget as HTMLFormElement).elements.namedItem('value');
    const raw = field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement ? field.value : '';
    void run(valueOf(definition, raw));
  };
  return (
    <form class="setting" data-setting={definition.key} onSubmit={submit}>
      {label}
      <span class="setting-edit">
        {definition.kind === 'lines'
          ? <textarea id={id} name="value" rows={3} value={text} aria-describedby={hint} onInput={(event) => (chosen.value = event.currentTarget.value)} />
          : definition.kind === 'int'
            ? <input id={id} name="value" type="number" value={text} aria-describedby={hint} onInput={(event) => (chosen.value = event.currentTarget.value)} />
            : <input id={id} name="value" type="text" value={text} aria-describedby={hint} onInput={(event) => (chosen.value = event.currentTarget.value)} />}
        <button type="submit" class="btn" disabled={busy.value}>Save</button>
      </span>
      {help}
    </form>
  );
}

export function GeneralSection({ group }: { group: SettingGroup }) {
  const view = useFetched<Record<string, string>>('api/settings', () => settings.items.value);
  const values = view.data.value;
  return (
    <section aria-label={group.title}>
      <h2>{group.title}</h2>
      {view.error.value !== '' && <p class="form-error" role="alert">{view.error.value}</p>}
      {values === undefined ? <p class="muted">Loading…</p> : (
        <div class="card settings-list">
          {group.settings.map((definition) => <SettingRow key={definition.key} definition={definition} text={values[definition.key] ?? ''} />)}
        </div>
      )}
    </section>
  );
}
