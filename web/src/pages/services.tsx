// Swarm services, live from the SwarmService informer, which runs only while this page (or a service's page) is open:
// per service its swarm, image and tag, mode, running/desired tasks, Swarm's update state, the update the registry
// check found with the policy, and the actions a role may use.
import { SeverityChip } from '../components/chips.tsx';
import { TasksBadge, UpdateStateChip } from '../components/service-chips.tsx';
import { useInformer } from '../live/on-demand.ts';
import { serviceRowOf, shortId, type ServiceRow } from '../live/service-view.ts';
import { swarmServices } from '../live/stores.ts';
import { hrefOf } from '../router.ts';
import { ServiceActions } from './service/actions.tsx';

function Row({ row }: { row: ServiceRow }) {
  return (
    <tr data-service={row.name}>
      <td data-label="Name"><a href={hrefOf(`/services/${encodeURIComponent(row.name)}`)}>{row.name}</a></td>
      <td data-label="Swarm" title={row.cluster}>{shortId(row.cluster)}</td>
      <td data-label="Image" class="image">{row.image}</td>
      <td data-label="Mode">{row.mode}</td>
      <td data-label="Tasks"><TasksBadge running={row.running} desired={row.desired} /></td>
      <td data-label="Update status"><UpdateStateChip state={row.updateState} /></td>
      <td data-label="Update">{row.update === undefined ? <span class="muted">up to date</span> : <>{row.update.target} <SeverityChip severity={row.update.severity} /></>}</td>
      <td data-label="Policy">{row.policy} <small class="muted" title="where the effective policy comes from">{row.policySource}</small></td>
      <td data-label="Actions"><ServiceActions row={row} /></td>
    </tr>
  );
}

export function ServicesPage() {
  useInformer(swarmServices);
  const rows = [...swarmServices.items.value.values()].map(serviceRowOf).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <>
      <h1>Services</h1>
      {rows.length === 0 && <p class="muted">No Swarm service (yet). A Host whose engine is a Swarm manager lists its services here.</p>}
      {rows.length > 0 && (
        <table class="list">
          <thead><tr><th>Name</th><th>Swarm</th><th>Image</th><th>Mode</th><th>Tasks</th><th>Update status</th><th>Update</th><th>Policy</th><th>Actions</th></tr></thead>
          <tbody>{rows.map((row) => <Row key={row.name} row={row} />)}</tbody>
        </table>
      )}
    </>
  );
}
