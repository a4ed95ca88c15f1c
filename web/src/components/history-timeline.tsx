// The history of one container or service, newest first as the page passes it: outcome chip, what was done, the
// images before and after, when.
import type { UpdateRecord } from '../../../schemas/generated/types.ts';

export function HistoryTimeline({ records }: { records: readonly UpdateRecord[] }) {
  return (
    <>
      <h2>History</h2>
      {records.length === 0 && <p class="muted">No history yet.</p>}
      <ol class="timeline">
        {records.map((record) => (
          <li key={record.metadata.name}>
            <span class={`chip outcome-${record.spec.outcome}`}>{record.spec.outcome}</span> {record.spec.type} {record.spec.oldImage ?? ''} → {record.spec.newImage ?? ''} <small class="muted">{record.metadata.creationTimestamp}</small>
          </li>
        ))}
      </ol>
    </>
  );
}
