// The ManifestSource `default`: the directory `vigil serve --manifests DIR` names, else Settings.manifests.directory.
// It is an ordinary ManifestSource (status, inventory, kubectl get msrc) whose spec the server applies from those two
// places with its own field manager, so a person sees where it came from and an edit of Settings moves it.
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import type { Settings } from '../../schemas/generated/types.ts';
import { BOOTSTRAP_FIELD_MANAGER, DEFAULT_SOURCE_NAME } from './ownership.ts';

/** On the `default` ManifestSource the server made: where its spec comes from ("flag" or "settings"). */
export const BOOTSTRAP_ANNOTATION = 'vigil.dev/bootstrap';

export interface BootstrapSpec {
  directory: string;
  resyncInterval?: string;
  prune: boolean;
  from: 'flag' | 'settings';
}

/** The default source's spec: the flag's directory over the Settings' one; pruning on unless Settings turn it off. */
export function bootstrapSpec(flagDirectory: string | undefined, settings: Settings | undefined): BootstrapSpec | undefined {
  const manifests = settings?.spec?.manifests;
  const directory = flagDirectory ?? manifests?.directory;
  if (directory === undefined) return undefined;
  return {
    directory,
    ...(manifests?.resyncInterval === undefined ? {} : { resyncInterval: manifests.resyncInterval }),
    prune: manifests?.prune ?? true,
    from: flagDirectory === undefined ? 'settings' : 'flag',
  };
}

async function readSettings(client: ResourceClient): Promise<Settings | undefined> {
  try {
    return (await client.get('Settings', undefined, 'default')) as unknown as Settings;
  } catch (error) {
    if (isApiError(error, 'NotFound')) return undefined;
    throw error;
  }
}

/**
 * Makes ManifestSource `default` match the flag and Settings: applied when a directory is configured; deleted when
 * none is any more and the server had made it (its objects stay: they are only no longer kept in sync).
 */
export async function reconcileBootstrap(client: ResourceClient, flagDirectory: string | undefined): Promise<void> {
  const spec = bootstrapSpec(flagDirectory, await readSettings(client));
  if (spec !== undefined) {
    const { from, ...fields } = spec;
    await client.apply({
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'ManifestSource',
      metadata: { name: DEFAULT_SOURCE_NAME, annotations: { [BOOTSTRAP_ANNOTATION]: from } },
      spec: fields,
    }, { fieldManager: BOOTSTRAP_FIELD_MANAGER, force: true });
    return;
  }
  try {
    const existing = await client.get('ManifestSource', undefined, DEFAULT_SOURCE_NAME);
    if (existing.metadata.annotations?.[BOOTSTRAP_ANNOTATION] !== undefined) {
      await client.delete('ManifestSource', undefined, DEFAULT_SOURCE_NAME, { preconditions: { uid: existing.metadata.uid ?? '' } });
    }
  } catch (error) {
    if (!isApiError(error, 'NotFound') && !isApiError(error, 'Conflict')) throw error;
  }
}
