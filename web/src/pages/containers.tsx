// Containers, grouped by compose stack with counts, live from the Container informer. Search and filters live in the
// URL (#/containers?q=…&state=…), and the stat cards count the filtered list, so they always agree with what is shown.
import { postJson } from '../api/http.ts';
import { can } from '../api/session.ts';
import { ActionButton } from '../components/action-button.tsx';
import { SeverityChip, StateChip } from '../components/chips.tsx';
import { NO_STACK, rowOf, type ContainerRow } from '../live/container-view.ts';
import { containers } from '../live/stores.ts';
import { hrefOf, location, setQuery } from '../router.ts';

const POLICIES = ['auto', 'manual', 'pinned'];

function matches(row: ContainerRow, query: URLSearchParams): boolean {
  const text = (query.get('q') ?? '').toLowerCase();
  if (text !== '' && !`${row.dockerName} ${row.image} ${row.stack}`.toLowerCase().includes(text)) return false;
  const state = query.get('state') ?? '';
  if (state !== '' && row.state !== state) return false;
  const update = query.get('update') ?? '';
  if (update === 'none' ? row.update !== undefined : update !== '' && row.update?.severity !== update) return false;
  const policy = query.get('policy') ?? '';
  if (policy !== '' && row.policy !== policy) return false;
  const stack = query.get('stack') ?? '';
  return stack === '' || row.stack === stack;
}

function groupByStack(rows: ContainerRow[]): Array<[string, ContainerRow[]]> {
  const groups = new Map<string, ContainerRow[]>();
  for (const row of rows) groups.set(row.stack, [...(groups.get(row.stack) ?? []), row]);
  for (const list of groups.values()) list.sort((a, b) => a.dockerName.localeCompare(b.dockerName));
  // Stacks by name, the containers of no stack last.
  return [...groups.entries()].sort(([a], [b]) => (a === NO_STACK ? 1 : b === NO_STACK ? -1 : a.localeCompare(b)));
}

function Filter({ name, label, options }: { name: string; label: string; options: string[] }) {
  return (
    <label class="filter">
      {label}
      <select value={location.value.query.get(name) ?? ''} onChange={(event) => setQuery(name, event.currentTarget.value)}>
        <option value="">all</option>
        {options.map((option) => <option key={option} value={option}>{option}</option>)}
      </select>
    </label>
  );
}

function PolicyCell({ row }: { row: ContainerRow }) {
  if (!can('containers.manage')) return <span>{row.policy}</span>;
  return (
    <span class="policy">
      <select
        aria-label={`Policy of ${row.dockerName}`}
        value={row.policy}
        onChange={(event) => void postJson(`api/containers/${encodeURIComponent(row.restKey)}/policy`, { policy: event.currentTarget.value })}
      >
        {POLICIES.map((policy) => <option key={policy} value={policy}>{policy}</option>)}
      </select>
      <small class="muted" title="where the effective policy comes from">{row.policySource}</small>
    </span>
  );
}

function Row({ row }: { row: ContainerRow }) {
  return (
    <tr data-container={row.dockerName}>
      <td data-label="Name"><a href={hrefOf(`/containers/${row.namespace}/${row.resourceName}`)}>{row.dockerName}</a></td>
      <td data-label="Image" class="image">{row.image}</td>
      <td data-label="Version">{row.version}</td>
      <td data-label="Update">{row.update === undefined ? <span class="muted">up to date</span> : <>{row.update.target} <SeverityChip severity={row.update.severity} /></>}</td>
      <td data-label="Policy"><PolicyCell row={row} /></td>
      <td data-label="State"><StateChip state={row.state} health={row.health} />{row.operation !== undefined && <span class="chip op">{row.operation.type}: {row.operation.phase}</span>}</td>
      <td data-label="Actions">
        {can('containers.update') && <ActionButton label="Check" run={() => postJson(`api/check/${encodeURIComponent(row.restKey)}`)} done={`checked ${row.dockerName}`} />}
      </td>
    </tr>
  );
}

export function ContainersPage() {
  const all = [...containers.items.value.values()].map(rowOf);
  const query = location.value.query;
  const rows = all.filter((row) => matches(row, query));
  const stacks = [...new Set(all.map((row) => row.stack))].sort();
  const stats = [
    ['Containers', rows.length],
    ['Running', rows.filter((row) => row.state === 'running').length],
    ['Updates', rows.filter((row) => row.update !== undefined).length],
    ['Stopped', rows.filter((row) => row.state === 'exited' || row.state === 'dead').length],
  ] as const;
  return (
    <>
      <h1>Containers</h1>
      <div class="stats">
        {stats.map(([label, count]) => <div key={label} class="card stat"><span class="stat-count">{count}</span> {label}</div>)}
      </div>
      <div class="filters">
        <label class="filter">
          Search
          <input type="search" value={query.get('q') ?? ''} onInput={(event) => setQuery('q', event.currentTarget.value)} />
        </label>
        <Filter name="state" label="State" options={['running', 'exited', 'paused', 'restarting', 'created', 'dead']} />
        <Filter name="update" label="Update" options={['major', 'minor', 'patch', 'digest', 'none']} />
        <Filter name="policy" label="Policy" options={POLICIES} />
        <Filter name="stack" label="Stack" options={stacks} />
      </div>
      {rows.length === 0 && <p class="muted">No container matches.</p>}
      {groupByStack(rows).map(([stack, list]) => (
        <section key={stack} class="group" aria-label={`Stack ${stack}`}>
          <h2>{stack} <span class="count">{list.length}</span></h2>
          <table class="list">
            <thead><tr><th>Name</th><th>Image</th><th>Version</th><th>Update</th><th>Policy</th><th>State</th><th>Actions</th></tr></thead>
            <tbody>{list.map((row) => <Row key={row.key} row={row} />)}</tbody>
          </table>
        </section>
      ))}
    </>
  );
}
