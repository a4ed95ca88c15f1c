// Containers, grouped by host (when there are several) and compose stack with counts, live from the Container
// informer; stack order and columns from Settings (containers/layout.ts). Search and filters live in the URL
// (#/containers?q=…&state=…), and the stat cards count the filtered list, so they always agree with what is shown.
import { postJson } from '../api/http.ts';
import { can, me } from '../api/session.ts';
import { ActionButton } from '../components/action-button.tsx';
import { SeverityChip, StateChip } from '../components/chips.tsx';
import { rowOf, type ContainerRow } from '../live/container-view.ts';
import { containers, settings } from '../live/stores.ts';
import { hrefOf, location, setQuery } from '../router.ts';
import { ColumnChooser } from './containers/column-chooser.tsx';
import { ownColumns } from './containers/column-preference.ts';
import { COLUMNS, groupRows, orderedStacks, visibleColumns, type ColumnKey } from './containers/layout.ts';
import { StackHeader } from './containers/stack-header.tsx';

const POLICIES = ['auto', 'manual', 'pinned'];
/** One formatter for every row: toLocaleString would build one per call, hundreds per render of a long list. */
const CHECKED_FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });

function matches(row: ContainerRow, query: URLSearchParams): boolean {
  const text = (query.get('q') ?? '').toLowerCase();
  if (text !== '' && !`${row.dockerName} ${row.image} ${row.stack}`.toLowerCase().includes(text)) return false;
  const state = query.get('state') ?? '';
  if (state !== '' && row.state !== state) return false;
  const update = query.get('update') ?? '';
  if (update === 'none' ? row.update !== undefined : update !== '' && row.update?.severity !== update) return false;
  const policy = query.get('policy') ?? '';
  if (policy !== '' && row.policy !== policy) return false;
  const host = query.get('host') ?? '';
  if (host !== '' && row.namespace !== host) return false;
  const stack = query.get('stack') ?? '';
  return stack === '' || row.stack === stack;
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
  if (row.gitFields.has('policy')) {
    // The REST API would refuse the change (409): git would restore it on the next sync.
    const source = row.manifestSource === undefined ? 'git' : `git (ManifestSource ${row.manifestSource})`;
    return <span title={`set in ${source}: change it in the manifests`}>{row.policy} <span class="chip git">git</span></span>;
  }
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

function Row({ row, columns }: { row: ContainerRow; columns: ReadonlySet<ColumnKey> }) {
  return (
    <tr data-container={row.dockerName}>
      <td data-label="Name">
        <a href={hrefOf(`/containers/${row.namespace}/${row.resourceName}`)}>{row.dockerName}</a>
        {row.manifestSource !== undefined && <span class="chip git" title={`declared in ManifestSource ${row.manifestSource}`}>git</span>}
      </td>
      {columns.has('image') && <td data-label="Image" class="image">{row.image}</td>}
      {columns.has('version') && <td data-label="Version">{row.version}</td>}
      {columns.has('update') && <td data-label="Update">{row.update === undefined ? <span class="muted">up to date</span> : <>{row.update.target} <SeverityChip severity={row.update.severity} /></>}</td>}
      {columns.has('policy') && <td data-label="Policy"><PolicyCell row={row} /></td>}
      {columns.has('status') && <td data-label="State"><StateChip state={row.state} health={row.health} />{row.operation !== undefined && <span class="chip op">{row.operation.type}: {row.operation.phase}</span>}</td>}
      {columns.has('checked') && <td data-label="Last check">{row.lastChecked === undefined ? <span class="muted">never</span> : <time dateTime={row.lastChecked} title={row.lastChecked}>{CHECKED_FORMAT.format(new Date(row.lastChecked))}</time>}</td>}
      {columns.has('actions') && (
        <td data-label="Actions">
          {can('containers.update') && <ActionButton label="Check" run={() => postJson(`api/check/${encodeURIComponent(row.restKey)}`)} done={`checked ${row.dockerName}`} />}
        </td>
      )}
    </tr>
  );
}

export function ContainersPage() {
  const all = [...containers.items.value.values()].map(rowOf);
  const query = location.value.query;
  const rows = all.filter((row) => matches(row, query));
  const stacks = [...new Set(all.map((row) => row.stack))].sort();
  const hosts = [...new Set(all.map((row) => row.namespace))].sort();
  const spec = settings.items.value.get('/default')?.spec;
  const username = me.value?.username ?? '';
  const own = ownColumns(username);
  const columns = visibleColumns(own ?? spec?.dashboardColumns);
  // The saved order is global: moving a stack reorders it among all the stacks on every host.
  const shownOrder = orderedStacks(all.map((row) => row.stack), spec?.stackOrder);
  const groups = groupRows(rows, spec?.stackOrder);
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
        {hosts.length > 1 && <Filter name="host" label="Host" options={hosts} />}
        <Filter name="stack" label="Stack" options={stacks} />
        <ColumnChooser username={username} visible={columns} ownChoice={own !== undefined} />
      </div>
      {rows.length === 0 && <p class="muted">No container matches.</p>}
      {groups.map((group) => (
        <section key={group.host} class="host-group" aria-label={groups.length > 1 ? `Host ${group.host}` : undefined}>
          {groups.length > 1 && <h2 class="host-header">Host {group.host} <span class="count">{group.stacks.reduce((sum, stack) => sum + stack.rows.length, 0)}</span></h2>}
          {group.stacks.map(({ stack, rows: list }) => (
            <section key={stack} class="group" aria-label={`Stack ${stack}${groups.length > 1 ? ` on ${group.host}` : ''}`}>
              <StackHeader stack={stack} rows={list} shownOrder={shownOrder} nested={groups.length > 1} />
              <table class="list">
                <thead><tr><th>Name</th>{COLUMNS.filter((column) => columns.has(column.key)).map((column) => <th key={column.key}>{column.label}</th>)}</tr></thead>
                <tbody>{list.map((row) => <Row key={row.key} row={row} columns={columns} />)}</tbody>
              </table>
            </section>
          ))}
        </section>
      ))}
    </>
  );
}
