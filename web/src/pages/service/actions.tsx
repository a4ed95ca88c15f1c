// The actions on one Swarm service, on the list and on its detail page: Update (to the version the registry check
// found, bound to the digest it found), Rollback (to the spec Vigil stored before its last update; asks), Scale
// (replicated services only; to 0 asks, and Scale up restores the count a scale to 0 remembered) and Check. Each one
// is a REST route (apiserver/sentinel/routes/services.ts) and is shown only to a role with its permission, as the
// server's access table has it. A single service cannot be checked on its own (docs/swarm.md): Check asks for the
// full scan, which checks every service.
import { useSignal } from '@preact/signals';
import { postJson } from '../../api/http.ts';
import { can } from '../../api/session.ts';
import { ActionButton } from '../../components/action-button.tsx';
import type { ServiceRow } from '../../live/service-view.ts';

const MAX_REPLICAS = 100;

const routeOf = (row: ServiceRow, action: string): string => `api/services/${encodeURIComponent(row.name)}/${action}`;

function Scale({ row }: { row: ServiceRow }) {
  const wanted = useSignal(String(row.replicas ?? row.desired));
  // An empty field is no number (not 0): the server answers what is wrong with it rather than scaling to 0.
  const replicas = wanted.value.trim() === '' ? Number.NaN : Number(wanted.value);
  const restore = row.replicas === 0 && row.previousReplicas !== undefined && row.previousReplicas > 0 ? row.previousReplicas : undefined;
  return (
    <span class="scale">
      <input aria-label={`Replicas of ${row.name}`} class="replicas" type="number" min={0} max={MAX_REPLICAS} step={1} inputMode="numeric" value={wanted.value} onInput={(event) => (wanted.value = event.currentTarget.value)} />
      <ActionButton
        label="Scale"
        run={() => postJson(routeOf(row, 'scale'), { replicas })}
        {...(replicas === 0 ? { confirm: `Scale ${row.name} to 0? Its tasks stop; Scale up brings back ${row.replicas ?? row.desired}.`, kind: 'danger' as const } : {})}
        done={`${row.name} scaled to ${wanted.value}`}
      />
      {restore !== undefined && (
        <ActionButton label={`Scale up to ${restore}`} run={() => postJson(routeOf(row, 'scale'), { replicas: restore })} done={`${row.name} scaled to ${restore}`} />
      )}
    </span>
  );
}

export function ServiceActions({ row }: { row: ServiceRow }) {
  return (
    <span class="actions">
      {can('containers.update') && row.update !== undefined && (
        <ActionButton kind="primary" label="Update" run={() => postJson(routeOf(row, 'update'))} done={`update of ${row.name} to ${row.update.target} requested`} />
      )}
      {can('containers.rollback') && (
        <ActionButton
          kind="danger"
          label="Rollback"
          confirm={`Roll ${row.name} back to the spec stored before its last update?`}
          run={() => postJson(routeOf(row, 'rollback'))}
          done={`rollback of ${row.name} requested`}
        />
      )}
      {can('containers.manage') && row.replicated && <Scale row={row} />}
      {can('containers.update') && <ActionButton label="Check" run={() => postJson('api/scan')} done="scan started: it checks every service" />}
    </span>
  );
}
