// Versions of one container: the newer versions its last registry check found (status.registryCheck.newerVersions,
// live from the informer: what GET /api/containers/:name/versions answers) and, on request, every tag of its repository (GET …/tags, a registry call), each with "Update to this" (asks;
// POST …/update-to-version), for users who want a version other than the one Vigil proposes.
import { useSignal } from '@preact/signals';
import { getJson, messageOf, postJson } from '../../api/http.ts';
import { can } from '../../api/session.ts';
import { ActionButton } from '../../components/action-button.tsx';
import type { ContainerRow } from '../../live/container-view.ts';
import { containers } from '../../live/stores.ts';

function VersionList({ row, versions, label }: { row: ContainerRow; versions: string[]; label: string }) {
  const update = can('containers.update');
  return (
    <ul class="versions" aria-label={label}>
      {versions.map((version) => (
        <li key={version} data-version={version}>
          <code>{version}</code>{version === row.version ? ' (running)' : ''}{' '}
          {update && version !== row.version && (
            <ActionButton
              label="Update to this"
              confirm={`Update ${row.dockerName} to ${version}?`}
              run={() => postJson(`api/containers/${encodeURIComponent(row.restKey)}/update-to-version`, { tag: version })}
              done={`update of ${row.dockerName} to ${version} started`}
            />
          )}
        </li>
      ))}
    </ul>
  );
}

export function Versions({ row }: { row: ContainerRow }) {
  const tags = useSignal<string[] | undefined>(undefined);
  const tagsError = useSignal('');
  const loadTags = async () => {
    try {
      tags.value = await getJson<string[]>(`api/containers/${encodeURIComponent(row.restKey)}/tags`);
      tagsError.value = '';
    } catch (error) {
      tagsError.value = messageOf(error);
    }
  };
  const found = containers.items.value.get(row.key)?.status?.registryCheck?.newerVersions ?? [];
  return (
    <section aria-label="Versions">
      <h2>Versions</h2>
      {found.length === 0 ? <p class="muted">No newer version found by the last check.</p> : <VersionList row={row} versions={found} label="Newer versions" />}
      {tags.value === undefined
        ? <button type="button" class="btn" onClick={() => void loadTags()}>Show all tags</button>
        : <details open><summary>All tags ({tags.value.length})</summary><VersionList row={row} versions={tags.value} label="All tags" /></details>}
      {tagsError.value !== '' && <p class="form-error" role="alert">{tagsError.value}</p>}
    </section>
  );
}
