// One container: its running update's step live from status.operation, its versions and tags with "update to this",
// its history (UpdateRecords) and its snapshots with a rollback to the chosen one (spec.rollback naming the Snapshot,
// through the resource API), its logs with follow, hooks, notification mode and dependencies (pages/container/).
import { mergePatch } from '../api/http.ts';
import { can } from '../api/session.ts';
import { ActionButton } from '../components/action-button.tsx';
import { StateChip } from '../components/chips.tsx';
import { OperationProgress } from '../components/operation-progress.tsx';
import { HistoryTimeline } from '../components/history-timeline.tsx';
import { rowOf } from '../live/container-view.ts';
import { useInformer } from '../live/on-demand.ts';
import { containers, snapshots, updateRecords } from '../live/stores.ts';
import { Logs } from './container/logs.tsx';
import { Dependencies, Hooks, NotifyMode } from './container/settings.tsx';
import { Versions } from './container/versions.tsx';

export function ContainerDetailPage({ namespace, name }: { namespace: string; name: string }) {
  useInformer(snapshots);
  const container = containers.items.value.get(`${namespace}/${name}`);
  if (container === undefined) return <p class="muted">No container {namespace}/{name} (yet).</p>;
  const row = rowOf(container);
  const uid = container.metadata.uid;
  const own = [...snapshots.items.value.values()]
    .filter((snapshot) => snapshot.metadata.namespace === namespace && (snapshot.metadata.ownerReferences?.some((owner) => owner.uid === uid) === true || snapshot.spec.containerName === row.dockerName))
    .sort((a, b) => b.spec.takenAt.localeCompare(a.spec.takenAt));
  const records = [...updateRecords.items.value.values()]
    .filter((record) => record.spec.containerName === row.dockerName && (record.metadata.namespace ?? namespace) === namespace)
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
  const operation = row.operation;
  return (
    <>
      <h1>{row.dockerName}</h1>
      <p>{row.image} · <StateChip state={row.state} health={row.health} /> · policy {row.policy} ({row.policySource})</p>
      {operation !== undefined && (
        <section class="card" aria-label="Running operation">
          <h2>{operation.type} in progress</h2>
          <p>Phase <strong>{operation.phase}</strong>{operation.step === undefined ? '' : `, step ${operation.step}`}, since {operation.startedAt}</p>
          <OperationProgress operation={operation} />
        </section>
      )}
      <Versions key={`versions-${row.key}`} row={row} />
      <h2>Snapshots</h2>
      {own.length === 0 && <p class="muted">No snapshot yet (one is taken before every update).</p>}
      <ul class="snapshots">
        {own.map((snapshot) => (
          <li key={snapshot.metadata.name}>
            {snapshot.spec.takenAt} · {snapshot.spec.image ?? snapshot.spec.imageID} · {snapshot.spec.reason ?? ''}{' '}
            {can('containers.rollback') && (
              <ActionButton
                kind="danger"
                label="Roll back to this"
                confirm={`Roll ${row.dockerName} back to ${snapshot.spec.image ?? snapshot.spec.imageID} (${snapshot.spec.takenAt})?`}
                run={() => mergePatch(`apis/vigil.dev/v1alpha1/namespaces/${encodeURIComponent(namespace)}/containers/${encodeURIComponent(name)}`, { spec: { rollback: { requestedAt: new Date().toISOString(), snapshot: snapshot.metadata.name } } })}
                done="rollback requested"
              />
            )}
          </li>
        ))}
      </ul>
      <HistoryTimeline records={records} />
      <Logs key={`logs-${row.key}`} row={row} />
      {can('settings.view') && <Hooks key={`hooks-${row.key}`} row={row} />}
      {can('settings.view') && <NotifyMode key={`notify-${row.key}`} row={row} />}
      <Dependencies key={`deps-${row.key}`} row={row} />
    </>
  );
}
