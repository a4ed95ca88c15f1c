// What the pages show of a Container, derived from its status in one place so that the list, the stat cards and
// the detail page always agree.
import type { Container, Operation } from '../../../schemas/generated/types.ts';
import { severityOf, type Severity } from '../components/severity.ts';

export interface ContainerRow {
  key: string;
  namespace: string;
  resourceName: string;
  /** The Docker name, which the REST routes take (HOST::name off the local host). */
  dockerName: string;
  restKey: string;
  stack: string;
  image: string;
  version: string;
  update: { target: string; severity: Severity; releaseNotesUrl: string | undefined } | undefined;
  policy: string;
  policySource: string;
  state: string;
  health: string;
  lastChecked: string | undefined;
  operation: Operation | undefined;
  /** The spec fields git owns (field manager vigil-gitops): the REST API refuses to change them (409). */
  gitFields: ReadonlySet<string>;
  /** The ManifestSource the container comes from (its label), if any. */
  manifestSource: string | undefined;
}

export const NO_STACK = '(no stack)';
/** The GitOps controller's field manager and the label naming the ManifestSource (controllers/gitops). */
const GITOPS_FIELD_MANAGER = 'vigil-gitops';
const MANIFEST_SOURCE_LABEL = 'vigil.dev/manifest-source';
const LOCAL_HOST = 'local';

function tagOf(image: string): string {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}

/** The top-level spec fields whose owner in managedFields is the GitOps controller. */
export function gitOwnedSpecFields(container: Container): Set<string> {
  const owned = new Set<string>();
  for (const entry of container.metadata.managedFields ?? []) {
    if (entry.manager !== GITOPS_FIELD_MANAGER) continue;
    const fields: unknown = entry.fieldsV1;
    const spec: unknown = typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>)['f:spec'] : undefined;
    if (typeof spec !== 'object' || spec === null) continue;
    for (const key of Object.keys(spec)) if (key.startsWith('f:')) owned.add(key.slice(2));
  }
  return owned;
}

/**
 * Rows by the informer's objects: an object the watch did not change is the same object after an event, so a page
 * that renders hundreds of rows derives again only the one that changed.
 */
const derived = new WeakMap<Container, ContainerRow>();

export function rowOf(container: Container): ContainerRow {
  const known = derived.get(container);
  if (known !== undefined) return known;
  const row = deriveRow(container);
  derived.set(container, row);
  return row;
}

function deriveRow(container: Container): ContainerRow {
  const status = container.status ?? {};
  const namespace = container.metadata.namespace ?? LOCAL_HOST;
  const resourceName = container.metadata.name ?? '';
  const dockerName = status.name ?? container.spec?.containerName ?? resourceName;
  const image = status.image ?? '';
  const check = status.registryCheck;
  const version = check?.resolvedCurrentVersion ?? check?.currentTag ?? tagOf(image);
  const pending = status.pendingUpdate;
  let update: ContainerRow['update'];
  if (pending !== undefined) {
    const target = pending.resolvedTargetVersion ?? pending.newerVersions?.[0] ?? '';
    update = { target, severity: severityOf(version, target), releaseNotesUrl: pending.releaseNotesUrl };
  } else if (check?.updateAvailable === true) {
    const target = check.target?.version ?? check.target?.tag ?? check.newerVersions?.[0] ?? '';
    update = { target, severity: severityOf(version, target), releaseNotesUrl: undefined };
  }
  return {
    key: `${namespace}/${resourceName}`,
    namespace,
    resourceName,
    dockerName,
    restKey: namespace === LOCAL_HOST ? dockerName : `${namespace}::${dockerName}`,
    stack: status.compose?.project ?? NO_STACK,
    image,
    version,
    update,
    policy: status.effective?.policy?.value ?? container.spec?.policy ?? 'manual',
    policySource: status.effective?.policy?.source ?? (container.spec?.policy === undefined ? 'default' : 'spec'),
    state: status.state ?? 'unknown',
    health: status.health ?? 'none',
    lastChecked: check?.lastChecked,
    operation: status.operation,
    gitFields: gitOwnedSpecFields(container),
    manifestSource: container.metadata.labels?.[MANIFEST_SOURCE_LABEL],
  };
}
