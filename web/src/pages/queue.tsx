// The approval queue: GET /api/queue, fetched again whenever a Container changes (the informer), so the queue is as
// live as the list. Bulk approve first shows the plan (what will be updated, what stays) and runs only when confirmed.
import { useSignal, useSignalEffect } from '@preact/signals';
import { getJson, messageOf, postJson } from '../api/http.ts';
import { can } from '../api/session.ts';
import { ActionButton } from '../components/action-button.tsx';
import { SeverityChip } from '../components/chips.tsx';
import { severityOf } from '../components/severity.ts';
import { toast } from '../components/toasts.tsx';
import { containers } from '../live/stores.ts';

interface QueueEntry {
  key: string;
  container_name: string;
  current_image: string;
  resolved_current_version: string;
  resolved_target_version: string;
  newer_versions: string[];
  release_notes_url?: string;
}

const keyPath = (entry: QueueEntry) => encodeURIComponent(entry.key);

export function QueuePage() {
  const entries = useSignal<QueueEntry[]>([]);
  const error = useSignal('');
  const plan = useSignal<QueueEntry[] | undefined>(undefined);
  const approve = can('containers.approve');

  useSignalEffect(() => {
    void containers.items.value;
    getJson<QueueEntry[]>('api/queue').then((answer) => {
      entries.value = answer;
      error.value = '';
    }, (failure: unknown) => {
      error.value = messageOf(failure);
    });
  });

  const runPlan = async (list: QueueEntry[]) => {
    plan.value = undefined;
    for (const entry of list) {
      try {
        await postJson(`api/approve/${keyPath(entry)}`);
        toast(`update of ${entry.container_name} to ${entry.resolved_target_version} started`, 'ok');
      } catch (failure) {
        toast(`${entry.container_name}: ${messageOf(failure)}`, 'error');
      }
    }
  };

  return (
    <>
      <h1>Queue</h1>
      {error.value !== '' && <p class="form-error" role="alert">{error.value}</p>}
      {entries.value.length === 0 && <p class="muted">Nothing waits for approval.</p>}
      {approve && entries.value.length > 0 && plan.value === undefined && (
        <button type="button" class="btn btn-primary" onClick={() => (plan.value = entries.value)}>Approve all…</button>
      )}
      {plan.value !== undefined && (
        <section class="card plan" aria-label="Plan">
          <h2>Plan: {plan.value.length} update(s)</h2>
          <ul>{plan.value.map((entry) => <li key={entry.key}>{entry.container_name}: {entry.resolved_current_version || entry.current_image} → {entry.resolved_target_version || 'new digest'}</li>)}</ul>
          <p class="muted">Everything else stays as it is.</p>
          <button type="button" class="btn btn-primary" onClick={() => void runPlan(plan.value ?? [])}>Run plan</button>{' '}
          <button type="button" class="btn" onClick={() => (plan.value = undefined)}>Cancel</button>
        </section>
      )}
      <table class="list">
        <thead><tr><th>Container</th><th>Current</th><th>Target</th><th>Notes</th><th>Actions</th></tr></thead>
        <tbody>
          {entries.value.map((entry) => (
            <tr key={entry.key} data-container={entry.container_name}>
              <td data-label="Container">{entry.container_name}</td>
              <td data-label="Current">{entry.resolved_current_version || entry.current_image}</td>
              <td data-label="Target">{entry.resolved_target_version} <SeverityChip severity={severityOf(entry.resolved_current_version, entry.resolved_target_version)} /></td>
              <td data-label="Notes">{entry.release_notes_url === undefined ? <span class="muted">none</span> : <a href={entry.release_notes_url} rel="noreferrer" target="_blank">release notes</a>}</td>
              <td data-label="Actions">
                {approve && (
                  <span class="actions">
                    <ActionButton kind="primary" label="Approve" run={() => postJson(`api/approve/${keyPath(entry)}`)} done={`update of ${entry.container_name} started`} />
                    <ActionButton label="Reject" confirm={`Reject this update of ${entry.container_name}?`} run={() => postJson(`api/reject/${keyPath(entry)}`)} done="rejected" />
                    <ActionButton label="Ignore version" confirm={`Never offer ${entry.resolved_target_version} for ${entry.container_name} again?`} run={() => postJson(`api/ignore/${keyPath(entry)}`)} done="ignored" />
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
