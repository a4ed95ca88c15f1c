// The container's own settings: its notification mode (GET/POST /api/containers/:name/notify-pref), its lifecycle
// hooks (GET/POST/DELETE /api/hooks/:container; hooks from labels or git are shown with their source and cannot be
// removed here), and its dependencies in the update order (GET /api/deps/:container).
import { messageOf, postJson, request } from '../../api/http.ts';
import { can } from '../../api/session.ts';
import { ActionButton } from '../../components/action-button.tsx';
import { toast } from '../../components/toasts.tsx';
import { useFetched } from '../../components/use-fetched.ts';
import { rowOf, type ContainerRow } from '../../live/container-view.ts';
import { containers } from '../../live/stores.ts';
import { hrefOf } from '../../router.ts';

const MODES = ['default', 'every_scan', 'digest_only', 'muted'];

export function NotifyMode({ row }: { row: ContainerRow }) {
  const mode = useFetched<{ mode: string }>(`api/containers/${encodeURIComponent(row.restKey)}/notify-pref`);
  const current = mode.data.value?.mode;
  if (current === undefined) return null;
  const change = async (next: string) => {
    try {
      await postJson(`api/containers/${encodeURIComponent(row.restKey)}/notify-pref`, { mode: next });
      toast(`notifications of ${row.dockerName}: ${next}`, 'ok');
    } catch (error) {
      toast(`Notification mode: ${messageOf(error)}`, 'error');
    }
    mode.reload();
  };
  return (
    <section aria-label="Notification mode">
      <h2>Notification mode</h2>
      {can('settings.modify')
        ? <label class="filter">Mode<select value={current} onChange={(event) => void change(event.currentTarget.value)}>{MODES.map((value) => <option key={value} value={value}>{value}</option>)}</select></label>
        : <p>{current}</p>}
    </section>
  );
}

interface HookEntry {
  phase: string;
  command: string[];
  timeout: number;
  source: string;
}

export function Hooks({ row }: { row: ContainerRow }) {
  const hooks = useFetched<HookEntry[]>(`api/hooks/${encodeURIComponent(row.restKey)}`);
  const edit = can('settings.modify');
  const submit = async (event: Event) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    const command = String(form.get('command') ?? '').trim();
    try {
      // One shell command line, run as `sh -c LINE` in the container (what a user types in a terminal).
      await postJson(`api/hooks/${encodeURIComponent(row.restKey)}`, { phase: String(form.get('phase') ?? 'pre-update'), command: ['sh', '-c', command], timeout: Number(form.get('timeout') ?? 30) });
      toast('hook saved', 'ok');
      element.reset();
      hooks.reload();
    } catch (error) {
      toast(`Hook: ${messageOf(error)}`, 'error');
    }
  };
  const list = hooks.data.value ?? [];
  return (
    <section aria-label="Hooks">
      <h2>Hooks</h2>
      {list.length === 0 && <p class="muted">No hook.</p>}
      <ul>
        {list.map((hook) => (
          <li key={`${hook.phase}/${hook.source}`}>
            <strong>{hook.phase}</strong> <code>{hook.command.join(' ')}</code> ({hook.timeout} s, {hook.source}){' '}
            {edit && hook.source.startsWith('hook/') && (
              <ActionButton kind="danger" label="Remove hook" confirm={`Remove the ${hook.phase} hook of ${row.dockerName}?`} run={async () => { await request('DELETE', `api/hooks/${encodeURIComponent(row.restKey)}/${hook.phase}`); hooks.reload(); }} done="hook removed" />
            )}
          </li>
        ))}
      </ul>
      {edit && (
        <form class="card form-grid" aria-label="Add a hook" onSubmit={(event) => void submit(event)}>
          <label>Phase<select name="phase"><option value="pre-update">pre-update</option><option value="post-update">post-update</option></select></label>
          <label>Command (run with sh -c)<input name="command" required /></label>
          <label>Timeout (seconds)<input name="timeout" type="number" min={1} max={3600} value="30" /></label>
          <button type="submit" class="btn">Save hook</button>
        </form>
      )}
    </section>
  );
}

interface DependencyNode {
  name: string;
  dependencies: string[];
  dependents: string[];
}

/** The names as links to their detail pages (found by Docker name among the host's Containers). */
function names(list: string[], namespace: string) {
  if (list.length === 0) return <span class="muted">none</span>;
  const byDockerName = new Map([...containers.items.value.values()].map(rowOf).filter((other) => other.namespace === namespace).map((other) => [other.dockerName, other]));
  return list.map((name, index) => {
    const other = byDockerName.get(name);
    return <span key={name}>{index > 0 ? ', ' : ''}{other === undefined ? name : <a href={hrefOf(`/containers/${other.namespace}/${other.resourceName}`)}>{name}</a>}</span>;
  });
}

export function Dependencies({ row }: { row: ContainerRow }) {
  const node = useFetched<DependencyNode>(`api/deps/${encodeURIComponent(row.dockerName)}?host=${encodeURIComponent(row.namespace)}`);
  const value = node.data.value;
  return (
    <section aria-label="Dependencies">
      <h2>Dependencies</h2>
      {node.error.value !== '' && <p class="muted">{node.error.value}</p>}
      {value !== undefined && (
        <dl class="about">
          <div><dt>Depends on</dt><dd>{names(value.dependencies, row.namespace)}</dd></div>
          <div><dt>Needed by</dt><dd>{names(value.dependents, row.namespace)}</dd></div>
        </dl>
      )}
    </section>
  );
}
