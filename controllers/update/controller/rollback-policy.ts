// The one spec write of the update controller (docs/resources.md, "Who writes what"): after a rollback, with an
// effective rollbackPolicy of manual or pinned, `spec.policy` becomes that policy, so that the next scan does not
// try the broken version again — exactly as Sentinel sets its policy override. Written by server-side apply as field
// manager `vigil-rollback`, never forced (docs/gitops.md, "The rule for controller authors"): when git (or another
// writer) owns spec.policy, the apply answers 409 and the controller reports it instead of fighting.
import type { ResourceClient } from '../../../apiserver/resources/client.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import type { Container, ManifestSource } from '../../../schemas/generated/types.ts';

export const ROLLBACK_FIELD_MANAGER = 'vigil-rollback';
const GITOPS_FIELD_MANAGER = 'vigil-gitops';
const SOURCE_LABEL = 'vigil.dev/manifest-source';

export type PolicyResult =
  | { kind: 'unchanged' }
  | { kind: 'applied'; policy: 'manual' | 'pinned' }
  /** Someone else owns spec.policy: `reason` PolicyOwnedByGit when it is git. */
  | { kind: 'conflict'; reason: 'PolicyOwnedByGit' | 'PolicyOwnedByOther'; message: string };

/** The manager a FieldManagerConflict cause names (`conflict with "vigil-gitops"` …). */
function conflictingManager(error: unknown): string | undefined {
  if (!isApiError(error, 'Conflict')) return undefined;
  for (const cause of error.status.details?.causes ?? []) {
    if (cause.reason !== 'FieldManagerConflict') continue;
    const match = /conflict with "([^"]+)"/.exec(cause.message ?? '');
    if (match?.[1] !== undefined) return match[1];
  }
  return undefined;
}

/** Where git sets it: the ManifestSource the label names, and the file its last pass applied the Container from. */
async function gitLocation(client: ResourceClient, container: Container): Promise<string> {
  const source = container.metadata.labels?.[SOURCE_LABEL];
  if (source === undefined) return 'in git';
  const object = `Container/${container.metadata.namespace ?? ''}/${container.metadata.name ?? ''}`;
  try {
    const manifestSource = (await client.get('ManifestSource', undefined, source)) as unknown as ManifestSource;
    const file = manifestSource.status?.results?.find((result) => result.object === object)?.file;
    return file === undefined ? `in git (ManifestSource ${source})` : `in git (ManifestSource ${source}, file ${file})`;
  } catch (error) {
    if (isApiError(error, 'NotFound')) return `in git (ManifestSource ${source})`;
    throw error;
  }
}

/**
 * Sets spec.policy to `policy` unless it is that already. A conflict is an answer, not an error: git (or a person's
 * own apply) wins, and the caller records it.
 */
export async function applyRollbackPolicy(client: ResourceClient, container: Container, policy: 'manual' | 'pinned', rolledBackFrom: string): Promise<PolicyResult> {
  if (container.spec?.policy === policy) return { kind: 'unchanged' };
  const configuration = {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Container',
    metadata: { name: container.metadata.name, namespace: container.metadata.namespace },
    spec: { policy },
  };
  try {
    await client.apply(configuration, { fieldManager: ROLLBACK_FIELD_MANAGER });
    return { kind: 'applied', policy };
  } catch (error) {
    const manager = conflictingManager(error);
    if (manager === undefined) throw error;
    const current = container.spec?.policy ?? '(unset)';
    if (manager === GITOPS_FIELD_MANAGER) {
      const where = await gitLocation(client, container);
      return {
        kind: 'conflict',
        reason: 'PolicyOwnedByGit',
        message: `spec.policy is ${current} ${where}: the rollback policy ${policy} was not applied after rolling back from ${rolledBackFrom}; Vigil will not retry that version automatically, change the policy in git`,
      };
    }
    return {
      kind: 'conflict',
      reason: 'PolicyOwnedByOther',
      message: `spec.policy (${current}) is owned by field manager ${JSON.stringify(manager)}: the rollback policy ${policy} was not applied after rolling back from ${rolledBackFrom}; Vigil will not retry that version automatically`,
    };
  }
}
