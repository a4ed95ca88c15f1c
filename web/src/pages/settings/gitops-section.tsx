// GitOps sources: every ManifestSource, live from its informer, with the revision it applied, its Ready condition and
// the result of each object of each file (created, configured, drift corrected with the fields and who changed them,
// failed with the error and the file's line), so a user sees where git and the running state disagree.
import type { ManifestSource } from '../../../../schemas/generated/types.ts';
import { useInformer } from '../../live/on-demand.ts';
import { manifestSources } from '../../live/stores.ts';

function Source({ source }: { source: ManifestSource }) {
  const status = source.status ?? {};
  const ready = status.conditions?.find((condition) => condition.type === 'Ready');
  const results = status.results ?? [];
  const drifted = results.filter((result) => result.action === 'driftCorrected' || result.drift !== undefined).length;
  return (
    <section class="card" aria-label={`Source ${source.metadata.name ?? ''}`} data-source={source.metadata.name}>
      <h3>{source.metadata.name} <span class={`chip ${ready?.status === 'True' ? 'outcome-success' : 'outcome-failed'}`}>{ready === undefined ? 'not reconciled yet' : ready.status === 'True' ? 'ready' : ready.reason}</span></h3>
      <p>Directory <code>{source.spec.directory}</code>{source.spec.suspend === true ? ' · suspended' : ''}{source.spec.prune === true ? ' · prunes' : ''}</p>
      <p class="muted">
        Revision {status.lastAppliedRevision ?? 'none'}{status.gitCommit === undefined ? '' : ` (commit ${status.gitCommit.slice(0, 12)})`}
        {status.lastAppliedAt === undefined ? '' : `, applied ${status.lastAppliedAt}`} · {results.length} object(s), {drifted} drifted
      </p>
      {ready !== undefined && ready.status !== 'True' && <p class="form-error">{ready.message}</p>}
      {results.length > 0 && (
        <table class="list">
          <thead><tr><th>File</th><th>Object</th><th>Result</th><th>Drift</th></tr></thead>
          <tbody>
            {results.map((result, index) => (
              <tr key={`${result.file ?? ''}/${result.object ?? index}`}>
                <td data-label="File">{result.file ?? ''}{result.line === undefined ? '' : `:${result.line}`}</td>
                <td data-label="Object">{result.object ?? ''}</td>
                <td data-label="Result"><span class={`chip ${result.action === 'failed' ? 'outcome-failed' : result.action === 'driftCorrected' ? 'outcome-rollback' : 'outcome-success'}`}>{result.action}</span>{result.error === undefined ? '' : ` ${result.error}`}</td>
                <td data-label="Drift">{result.drift === undefined ? <span class="muted">none</span> : `${(result.drift.fields ?? []).join(', ')}${result.drift.managers === undefined ? '' : ` by ${result.drift.managers.join(', ')}`}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function GitOpsSection() {
  useInformer(manifestSources);
  const sources = [...manifestSources.items.value.values()].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  return (
    <section aria-label="GitOps sources">
      <h2>GitOps sources</h2>
      {sources.length === 0 && <p class="muted">No ManifestSource: resources are managed by the API, kubectl and this dashboard only. Add one with <code>kubectl apply</code> (see docs/gitops.md).</p>}
      {sources.map((source) => <Source key={source.metadata.name} source={source} />)}
    </section>
  );
}
