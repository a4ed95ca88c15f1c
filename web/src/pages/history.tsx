// History: every UpdateRecord, newest first, live from the informer; filtered by outcome and container in the URL.
import { updateRecords } from '../live/stores.ts';
import { location, setQuery } from '../router.ts';

export function HistoryPage() {
  const query = location.value.query;
  const outcome = query.get('outcome') ?? '';
  const container = (query.get('container') ?? '').toLowerCase();
  const records = [...updateRecords.items.value.values()]
    .filter((record) => (outcome === '' || record.spec.outcome === outcome) && (container === '' || (record.spec.containerName ?? '').toLowerCase().includes(container)))
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
  return (
    <>
      <h1>History</h1>
      <div class="filters">
        <label class="filter">Container<input type="search" value={query.get('container') ?? ''} onInput={(event) => setQuery('container', event.currentTarget.value)} /></label>
        <label class="filter">
          Outcome
          <select value={outcome} onChange={(event) => setQuery('outcome', event.currentTarget.value)}>
            <option value="">all</option>
            {['success', 'failed', 'rolled_back', 'skipped'].map((value) => <option key={value} value={value}>{value}</option>)}
          </select>
        </label>
      </div>
      {records.length === 0 && <p class="muted">No record matches.</p>}
      <table class="list">
        <thead><tr><th>When</th><th>Container</th><th>Type</th><th>Outcome</th><th>Change</th></tr></thead>
        <tbody>
          {records.map((record) => (
            <tr key={record.metadata.name}>
              <td data-label="When">{record.metadata.creationTimestamp}</td>
              <td data-label="Container">{record.spec.containerName ?? record.spec.service ?? ''}</td>
              <td data-label="Type">{record.spec.type}</td>
              <td data-label="Outcome"><span class={`chip outcome-${record.spec.outcome}`}>{record.spec.outcome}</span></td>
              <td data-label="Change">{record.spec.oldImage ?? ''} → {record.spec.newImage ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
