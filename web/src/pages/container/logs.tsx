// The container's log: the last lines from GET /api/containers/:name/logs, and Follow, which asks again every two
// seconds while it is on. The REST route answers a tail (Sentinel's shape), not a stream; polling it keeps the page a
// plain client of that route, and the tail replaces the text, so nothing grows without bound in the page.
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { getJson, messageOf } from '../../api/http.ts';
import type { ContainerRow } from '../../live/container-view.ts';

const LINES = 200;
const FOLLOW_EVERY_MS = 2000;

export function Logs({ row }: { row: ContainerRow }) {
  const text = useSignal<string | undefined>(undefined);
  const error = useSignal('');
  const follow = useSignal(false);
  const load = async () => {
    try {
      text.value = (await getJson<{ logs: string }>(`api/containers/${encodeURIComponent(row.restKey)}/logs?lines=${LINES}`)).logs;
      error.value = '';
    } catch (failure) {
      error.value = messageOf(failure);
    }
  };
  useEffect(() => {
    if (!follow.value) return undefined;
    void load();
    const timer = setInterval(() => void load(), FOLLOW_EVERY_MS);
    return () => clearInterval(timer);
  }, [follow.value, row.restKey]);
  return (
    <section aria-label="Logs">
      <h2>Logs</h2>
      <p class="actions">
        <button type="button" class="btn" onClick={() => void load()}>{text.value === undefined ? 'Show logs' : 'Refresh'}</button>
        <label class="setting-bool"><input type="checkbox" checked={follow.value} onChange={(event) => (follow.value = event.currentTarget.checked)} /> Follow</label>
      </p>
      {error.value !== '' && <p class="form-error" role="alert">{error.value}</p>}
      {text.value !== undefined && <pre class="logs" tabIndex={0} aria-label={`Last ${LINES} log lines`}>{text.value === '' ? '(no output)' : text.value}</pre>}
    </section>
  );
}
