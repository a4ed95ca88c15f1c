// History: GET /api/history filtered and paged on the server (outcome, container, host, time; 50 a page, the cursor
// of the last row seen), so a long history is never downloaded whole. Filters and the cursor live in the URL (a page
// can be shared, Back returns to the newer page); the newest page is fetched again whenever an UpdateRecord arrives
// (the informer), so it is live. Export links download the same filtered records as CSV or JSON.
import { useSignal, useSignalEffect } from '@preact/signals';
import { getJson, messageOf } from '../api/http.ts';
import { containers, updateRecords } from '../live/stores.ts';
import { location, navigate, setQuery } from '../router.ts';

interface HistoryEntry {
  id: string;
  timestamp: string;
  container_name: string;
  type: string;
  old_image: string;
  new_image: string;
  outcome: string;
  error?: string;
  host_id: string;
  host_name: string;
}

const PAGE_SIZE = 50;
const OUTCOMES = ['success', 'failed', 'rollback', 'skipped', 'dry_run', 'pull_only', 'check_failed', 'timeout', 'rate_limited', 'identical', 'partial', 'scan_summary'];
const FILTERS = ['outcome', 'container', 'host', 'since', 'until'] as const;

/** The server's filter parameters from the URL's (times from the datetime-local inputs, local time, to RFC 3339). */
function filterParams(query: URLSearchParams): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = query.get(name) ?? '';
    if (value === '') continue;
    if (name === 'since' || name === 'until') {
      const time = new Date(value);
      if (!Number.isNaN(time.getTime())) params.set(name, time.toISOString());
    } else params.set(name, value);
  }
  return params;
}

function TimeFilter({ name, label }: { name: string; label: string }) {
  return <label class="filter">{label}<input type="datetime-local" value={location.value.query.get(name) ?? ''} onChange={(event) => setQuery(name, event.currentTarget.value)} /></label>;
}

export function HistoryPage() {
  const rows = useSignal<HistoryEntry[]>([]);
  const error = useSignal('');
  const query = location.value.query;
  const filters = filterParams(query);
  const before = query.get('before') ?? '';

  useSignalEffect(() => {
    const current = location.value.query;
    const params = filterParams(current);
    params.set('limit', String(PAGE_SIZE));
    const cursor = current.get('before') ?? '';
    if (cursor === '') void updateRecords.items.value; // the newest page follows new records
    else {
      params.set('before', cursor);
      params.set('before_id', current.get('before_id') ?? '');
    }
    getJson<HistoryEntry[]>(`api/history?${params.toString()}`).then((answer) => {
      rows.value = answer;
      error.value = '';
    }, (failure: unknown) => {
      error.value = messageOf(failure);
    });
  });

  const older = () => {
    const last = rows.value.at(-1);
    if (last === undefined) return;
    const next = new URLSearchParams(query);
    next.set('before', last.timestamp);
    next.set('before_id', last.id);
    navigate('/history', next);
  };
  const newest = () => {
    const next = new URLSearchParams(query);
    next.delete('before');
    next.delete('before_id');
    navigate('/history', next);
  };
  const hosts = [...new Set([...containers.items.value.values()].map((container) => container.metadata.namespace ?? 'local'))].sort();
  const exportQuery = filters.toString();

  return (
    <>
      <h1>History</h1>
      <div class="filters">
        <label class="filter">Container<input type="search" value={query.get('container') ?? ''} onInput={(event) => setQuery('container', event.currentTarget.value)} /></label>
        <label class="filter">
          Outcome
          <select value={query.get('outcome') ?? ''} onChange={(event) => setQuery('outcome', event.currentTarget.value)}>
            <option value="">all</option>
            {OUTCOMES.map((value) => <option key={value} value={value}>{value}</option>)}
          </select>
        </label>
        <label class="filter">
          Host
          <select value={query.get('host') ?? ''} onChange={(event) => setQuery('host', event.currentTarget.value)}>
            <option value="">all</option>
            {hosts.map((value) => <option key={value} value={value}>{value}</option>)}
          </select>
        </label>
        <TimeFilter name="since" label="From" />
        <TimeFilter name="until" label="Until" />
      </div>
      <p class="actions">
        <a class="btn" href={`api/history/export?format=csv${exportQuery === '' ? '' : `&${exportQuery}`}`} download>Export CSV</a>
        <a class="btn" href={`api/history/export?format=json${exportQuery === '' ? '' : `&${exportQuery}`}`} download>Export JSON</a>
      </p>
      {error.value !== '' && <p class="form-error" role="alert">{error.value}</p>}
      {rows.value.length === 0 && <p class="muted">No record matches.</p>}
      <table class="list">
        <thead><tr><th>When</th><th>Container</th><th>Host</th><th>Type</th><th>Outcome</th><th>Change</th></tr></thead>
        <tbody>
          {rows.value.map((entry) => (
            <tr key={entry.id} data-record={entry.id}>
              <td data-label="When">{entry.timestamp}</td>
              <td data-label="Container">{entry.container_name}</td>
              <td data-label="Host">{entry.host_name}</td>
              <td data-label="Type">{entry.type}</td>
              <td data-label="Outcome"><span class={`chip outcome-${entry.outcome}`}>{entry.outcome}</span>{entry.error === undefined ? '' : ` ${entry.error}`}</td>
              <td data-label="Change">{entry.old_image === '' && entry.new_image === '' ? '' : `${entry.old_image} → ${entry.new_image}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="pager actions" aria-label="Pages">
        {before !== '' && <button type="button" class="btn" onClick={newest}>Newest</button>}
        {before !== '' && <button type="button" class="btn" onClick={() => history.back()}>Newer</button>}
        {rows.value.length === PAGE_SIZE && <button type="button" class="btn" onClick={older}>Older</button>}
        <span class="muted">{before === '' ? 'newest records' : `records before ${before}`}</span>
      </nav>
    </>
  );
}
