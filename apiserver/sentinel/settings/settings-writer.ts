// Every write of the global settings the REST facade makes: a JSON merge patch of Settings `default` through the
// resource client, recorded in managedFields under the facade's field manager, so that kubectl and git see the change
// and who made it. A merge patch (an Update in managedFields, like kubectl edit) rather than server-side apply: each
// REST call sets one setting, and an apply owns exactly the fields it names, so applying one field would remove the
// ones the facade set before. Settings `default` is created by the first write when nobody made it yet.
import type { Settings } from '../../../schemas/generated/types.ts';
import type { ResourceClient } from '../../resources/client.ts';
import { isApiError } from '../../resources/errors.ts';
import { REST_FIELD_MANAGER } from '../context.ts';
import { refuseGitOwned } from '../writes.ts';
import { withoutNulls, type SpecPatch } from './setting-keys.ts';

export const SETTINGS_NAME = 'default';

export interface SettingsWriteOptions {
  fieldManager?: string;
}

/** Applies `patch` to the spec of Settings `default` (creating it); the stored object after the write. */
export async function patchSettings(resources: ResourceClient, patch: SpecPatch, options: SettingsWriteOptions = {}): Promise<Settings> {
  const fieldManager = options.fieldManager ?? REST_FIELD_MANAGER;
  await refuseGitOwnedSettings(resources, patch);
  for (let attempt = 0; ; attempt += 1) {
    try {
      return (await resources.patch('Settings', undefined, SETTINGS_NAME, 'merge', { spec: patch }, { fieldManager })) as unknown as Settings;
    } catch (error) {
      if (!isApiError(error, 'NotFound') || attempt > 0) throw error;
    }
    try {
      return (await resources.create(newSettings(withoutNulls(patch)), { fieldManager })) as unknown as Settings;
    } catch (error) {
      // Someone else created it meanwhile: patch theirs.
      if (!isApiError(error, 'AlreadyExists')) throw error;
    }
  }
}

/**
 * Creates Settings `default` with `spec` when it does not exist yet (the environment seeding at start); an existing
 * object is left exactly as it is. Whether it was created.
 */
export async function createSettingsIfMissing(resources: ResourceClient, spec: SpecPatch, options: SettingsWriteOptions = {}): Promise<boolean> {
  try {
    await resources.create(newSettings(spec), { fieldManager: options.fieldManager ?? 'vigil-environment' });
    return true;
  } catch (error) {
    if (isApiError(error, 'AlreadyExists')) return false;
    throw error;
  }
}

/** A setting git owns is refused (409): the next sync would restore it (writes.ts refuseGitOwned). */
async function refuseGitOwnedSettings(resources: ResourceClient, patch: SpecPatch): Promise<void> {
  let current: Settings;
  try {
    current = (await resources.get('Settings', undefined, SETTINGS_NAME)) as unknown as Settings;
  } catch (error) {
    if (isApiError(error, 'NotFound')) return;
    throw error;
  }
  for (const field of Object.keys(patch)) refuseGitOwned(current as unknown as Parameters<typeof refuseGitOwned>[0], field, `the setting ${field}`);
}

function newSettings(spec: SpecPatch): Record<string, unknown> {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: SETTINGS_NAME }, spec };
}
