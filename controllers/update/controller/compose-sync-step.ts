// The update controller's side of compose file sync (controllers/update/compose/): when an ended operation changed
// the image a compose container runs, the compose file is made to name it too, and the outcome becomes a step of the
// UpdateRecord and the Container's ComposeSynced condition. Settings composeSync turns it on; Container
// spec.composeSync overrides that per container; a pinned container's file is never touched.
import type { Container, SettingsSpec } from '../../../schemas/generated/types.ts';
import type { ConditionUpdate } from '../../runtime/index.ts';
import { syncComposeImage, type ComposeTarget } from '../compose/compose-sync.ts';
import type { StepRecord, UpdateOperation } from '../machine/operation.ts';

export const COMPOSE_SYNCED = 'ComposeSynced';

export interface ComposeSyncStep {
  step: StepRecord;
  condition: ConditionUpdate;
}

/** The image reference the container runs after `operation`, when that differs from before; else undefined. */
export function imageAfter(operation: UpdateOperation): string | undefined {
  const { outcome, oldImage } = operation.details;
  let image: string | undefined;
  if (operation.type === 'update' && outcome === 'success') image = operation.targetImage;
  // Rolled back after a failed health check: the file should still name the old image; said again in case it does not.
  else if (operation.type === 'update' && outcome === 'rollback') image = oldImage;
  else if (operation.type === 'rollback' && outcome === 'success') image = operation.targetImage;
  // A snapshot whose image had no name is restored by image ID: no reference a compose file could name.
  if (image === undefined || image.startsWith('sha256:')) return undefined;
  return image;
}

export function composeSyncEnabled(container: Container, settings: SettingsSpec | undefined): boolean {
  if (container.status?.effective?.policy?.value === 'pinned') return false;
  return container.spec?.composeSync ?? settings?.composeSync ?? false;
}

function targetOf(container: Container): ComposeTarget | undefined {
  const compose = container.status?.compose;
  if (compose?.service === undefined || compose.configFiles === undefined || compose.configFiles.length === 0) return undefined;
  return { service: compose.service, configFiles: compose.configFiles, ...(compose.workingDir === undefined ? {} : { workingDir: compose.workingDir }) };
}

/** Syncs the compose file after `operation` ended; undefined when there is nothing to sync. */
export async function composeSyncStep(operation: UpdateOperation, container: Container, settings: SettingsSpec | undefined, now: () => number): Promise<ComposeSyncStep | undefined> {
  const image = imageAfter(operation);
  const target = targetOf(container);
  if (image === undefined || target === undefined || !composeSyncEnabled(container, settings)) return undefined;
  const startedAt = new Date(now()).toISOString();
  const result = await syncComposeImage(target, image);
  const finishedAt = new Date(now()).toISOString();
  return {
    step: { name: 'composeSync', outcome: result.synced ? 'success' : 'failed', startedAt, finishedAt, message: `${result.reason}: ${result.message}` },
    condition: { type: COMPOSE_SYNCED, status: result.synced ? 'True' : 'False', reason: result.reason, message: result.message },
  };
}
