// One Swarm service: its tasks per node, the rollout (Swarm's UpdateStatus with its message, and the operation Vigil
// follows), policy and version scope with where each comes from, the last update, its UpdateRecords and the actions.
import type { ServiceTask, SwarmService } from '../../../schemas/generated/types.ts';
import { TasksBadge, UpdateStateChip } from '../components/service-chips.tsx';
import { HistoryTimeline } from '../components/history-timeline.tsx';
import { useInformer } from '../live/on-demand.ts';
import { serviceRowOf, shortId } from '../live/service-view.ts';
import { swarmServices, updateRecords } from '../live/stores.ts';
import { ServiceActions } from './service/actions.tsx';

function byNode(tasks: readonly ServiceTask[]): Array<[string, ServiceTask[]]> {
  const nodes = new Map<string, ServiceTask[]>();
  for (const task of tasks) {
    const node = task.nodeName ?? task.nodeID ?? '(not scheduled)';
    nodes.set(node, [...(nodes.get(node) ?? []), task]);
  }
  for (const list of nodes.values()) list.sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0) || a.id.localeCompare(b.id));
  return [...nodes.entries()].sort(([a], [b]) => a.localeCompare(b));
}

function Tasks({ service }: { service: SwarmService }) {
  const tasks = service.status?.tasks ?? [];
  return (
    <section class="card" aria-label="Tasks">
      <h2>Tasks</h2>
      {tasks.length === 0 && <p class="muted">No task.</p>}
      {byNode(tasks).map(([node, list]) => (
        <section key={node} aria-label={`Node ${node}`}>
          <h3>{node} <span class="count">{list.length}</span></h3>
          <table class="list">
            <thead><tr><th>Slot</th><th>State</th><th>Desired state</th><th>Image</th><th>Error</th></tr></thead>
            <tbody>
              {list.map((task) => (
                <tr key={task.id} data-task={task.id}>
                  <td data-label="Slot">{task.slot ?? ''}</td>
                  <td data-label="State">{task.state}</td>
                  <td data-label="Desired state">{task.desiredState}</td>
                  <td data-label="Image" class="image">{task.image ?? ''}</td>
                  <td data-label="Error">{task.error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </section>
  );
}

function Rollout({ service }: { service: SwarmService }) {
  const status = service.status ?? {};
  const update = status.updateStatus;
  const operation = status.operation;
  return (
    <section class="card" aria-label="Rollout">
      <h2>Rollout</h2>
      <p>
        Swarm's update status <UpdateStateChip state={update?.state ?? 'none'} />
        {update?.message !== undefined && <> · {update.message}</>}
        {update?.startedAt !== undefined && <small class="muted"> · since {update.startedAt}</small>}
        {update?.completedAt !== undefined && <small class="muted"> · done {update.completedAt}</small>}
      </p>
      {operation !== undefined && (
        <p>Vigil is {operation.phase} a {operation.kind}: {operation.fromImage ?? '?'} → {operation.toImage ?? operation.digest}, since {operation.startedAt}</p>
      )}
    </section>
  );
}

export function ServiceDetailPage({ name }: { name: string }) {
  useInformer(swarmServices);
  const service = swarmServices.items.value.get(`/${name}`);
  if (service === undefined) return <p class="muted">No Swarm service {name} (yet).</p>;
  const row = serviceRowOf(service);
  const status = service.status ?? {};
  const last = status.lastUpdate;
  const records = [...updateRecords.items.value.values()]
    .filter((record) => record.spec.service === name)
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
  return (
    <>
      <h1>{row.name}</h1>
      <p>
        {row.image} · {row.mode} · tasks <TasksBadge running={row.running} desired={row.desired} /> · swarm <span title={row.cluster}>{shortId(row.cluster)}</span>
        {status.host !== undefined && <> · read through Host {status.host}</>}
      </p>
      <p><ServiceActions row={row} /></p>
      <section class="card" aria-label="Policy">
        <h2>Policy</h2>
        <dl class="about">
          <div><dt>Policy</dt><dd>{row.policy} <small class="muted">({row.policySource})</small></dd></div>
          <div><dt>Version scope</dt><dd>{row.versionScope} <small class="muted">({row.versionScopeSource})</small></dd></div>
          <div><dt>Update found</dt><dd>{row.update === undefined ? 'none' : row.update.target}</dd></div>
          {row.previousReplicas !== undefined && row.previousReplicas > 0 && <div><dt>Replicas before scale to 0</dt><dd>{row.previousReplicas}</dd></div>}
        </dl>
      </section>
      <Rollout service={service} />
      <section class="card" aria-label="Last update">
        <h2>Last update</h2>
        {last === undefined ? <p class="muted">None yet.</p> : (
          <p>
            <span class={`chip outcome-${last.outcome}`}>{last.outcome}</span> {last.kind ?? 'update'}
            {(last.fromImage !== undefined || last.toImage !== undefined) && <> {last.fromImage ?? '?'} → {last.toImage ?? '?'}</>}{' '}
            <small class="muted">{last.finishedAt}</small>
            {last.message !== undefined && <> · {last.message}</>}
          </p>
        )}
      </section>
      <Tasks service={service} />
      <HistoryTimeline records={records} />
    </>
  );
}
