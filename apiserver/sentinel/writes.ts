// Every write of the facade is a change to a resource through the ResourceClient's modify() (read the newest state,
// change it, write; retried on conflict; a change to nothing is free), under the field manager `vigil-rest`, with the
// user in the request's requestedBy. Requests follow docs/resources.md "Requests": `spec.X.requestedAt` later than
// `status.handledRequests.X` (and than a request still pending, which it replaces).
import type { Container, ContainerSpec, Settings } from '../../schemas/generated/types.ts';
import type { ResourceClient, ResourceObject } from '../resources/client.ts';
import { isApiError } from '../resources/errors.ts';
import { describeRef, type ContainerRef, type StoredContainer } from './container-key.ts';
import type { RequestBy } from './context.ts';
import { restErrors } from './errors.ts';

/** The GitOps controller's field manager (controllers/gitops): fields it owns are restored from git on its next pass. */
const GITOPS_FIELD_MANAGER = 'vigil-gitops';
const MANIFEST_SOURCE_LABEL = 'vigil.dev/manifest-source';

/** RFC 3339 with milliseconds, later than what was handled and than what is pending, whatever the clock says. */
export function nextRequestedAt(now: Date, handled: string | undefined, pending: string | undefined): string {
  const handledMs = handled === undefined ? Number.NaN : Date.parse(handled) + 1;
  const pendingMs = pending === undefined ? Number.NaN : Date.parse(pending);
  const floor = Math.max(Number.isNaN(handledMs) ? 0 : handledMs, Number.isNaN(pendingMs) ? 0 : pendingMs);
  return new Date(Math.max(now.getTime(), floor)).toISOString();
}

function fieldsOf(entry: unknown): Record<string, unknown> {
  const fields = (entry as { fieldsV1?: unknown }).fieldsV1;
  return typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>) : {};
}

/**
 * Refuses (409) to change a spec field that git owns: the GitOps controller would put it back on its next pass, so
 * the change would silently not last. The user changes it in the manifests instead.
 */
export function refuseGitOwned(object: ResourceObject, field: string, what: string): void {
  const owned = (object.metadata.managedFields ?? []).some((entry) => {
    if ((entry as { manager?: string }).manager !== GITOPS_FIELD_MANAGER) return false;
    const spec = fieldsOf(entry)['f:spec'];
    return typeof spec === 'object' && spec !== null && `f:${field}` in spec;
  });
  if (!owned) return;
  const source = object.metadata.labels?.[MANIFEST_SOURCE_LABEL];
  throw restErrors.conflict(`${what} is set in git${source === undefined ? '' : ` (ManifestSource ${source})`}: change it in the manifests, or it would be restored on the next sync`);
}

/** Changes a Container's spec (the mutation gets a private copy of the newest state). */
export async function modifyContainer(
  resources: ResourceClient,
  ref: ContainerRef,
  by: RequestBy,
  change: (container: StoredContainer, spec: ContainerSpec) => ContainerSpec,
): Promise<StoredContainer> {
  try {
    return (await resources.modify('Container', ref.namespace, ref.name, (current) => {
      const container = current as StoredContainer;
      return { ...container, spec: change(container, { ...container.spec }) } as ResourceObject;
    }, { fieldManager: by.fieldManager })) as StoredContainer;
  } catch (error) {
    if (isApiError(error, 'NotFound')) throw restErrors.notFound(`container ${describeRef(ref)} not found`);
    throw error;
  }
}

type RequestField = 'update' | 'rollback' | 'lifecycle';

/** `spec.X` of a request: requestedAt after the last handled and any pending one. */
export function requestTimes(container: Container, field: RequestField | 'check', now: Date): string {
  return nextRequestedAt(now, container.status?.handledRequests?.[field], container.spec?.[field]?.requestedAt);
}

/** Settings `default`, created empty when nobody has yet (every field then has its default), for request writes. */
export async function ensureSettings(resources: ResourceClient, by: RequestBy): Promise<Settings> {
  try {
    return (await resources.get('Settings', undefined, 'default')) as unknown as Settings;
  } catch (error) {
    if (!isApiError(error, 'NotFound')) throw error;
  }
  try {
    return (await resources.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: {} }, { fieldManager: by.fieldManager })) as unknown as Settings;
  } catch (error) {
    if (!isApiError(error, 'AlreadyExists')) throw error;
    return (await resources.get('Settings', undefined, 'default')) as unknown as Settings;
  }
}
