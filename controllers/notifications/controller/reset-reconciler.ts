// DELETE /api/notify-states (Settings spec.resetNotifyStates): forget which update digests and versions were
// notified, so every pending update notifies again. Only the update_available and version_available dedupe
// (lastNotifiedDigest, lastNotifiedAt, lastNotifiedVersion, lastVersionNotifiedAt) is cleared: the update_started and
// container_state markers say what was sent for events that are over, and clearing them would send those again.
// Recorded as handled in Settings status.handledRequests.resetNotifyStates. Swarm services' status.notify likewise.
import type { Container, NotifyState, Settings, SettingsStatus, SwarmService } from '../../../schemas/generated/types.ts';
import type { ResourceClient } from '../../../apiserver/resources/client.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import { statusOf, writeStatus, type Lister, type ReconcileContext, type Reconciler } from '../../runtime/index.ts';
import type { Stored } from '../../stored.ts';
import { isPending } from '../../update/controller/desired.ts';
import { SETTINGS_NAME } from './channel-reconciler.ts';

const FIELD_MANAGER = 'vigil-notifications';

export interface ResetReconcilerOptions {
  client: ResourceClient;
  settings: Lister<Stored<Settings>>;
  containers: Lister<Stored<Container>>;
  services: Lister<Stored<SwarmService>>;
}

export class ResetReconciler implements Reconciler {
  readonly #options: ResetReconcilerOptions;

  constructor(options: ResetReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(context: ReconcileContext): Promise<void> {
    const settings = this.#options.settings.get(SETTINGS_NAME);
    const request = settings?.spec?.resetNotifyStates;
    if (settings === undefined || request === undefined || !isPending(request, settings.status?.handledRequests?.resetNotifyStates)) return;
    let cleared = 0;
    for (const container of this.#options.containers.list()) {
      if (!hasDedupe(container.status?.notify)) continue;
      await this.#forget('Container', container);
      cleared++;
    }
    for (const service of this.#options.services.list()) {
      if (!hasDedupe(service.status?.notify)) continue;
      await this.#forget('SwarmService', service);
      cleared++;
    }
    await writeStatus(this.#options.client, 'Settings', undefined, SETTINGS_NAME, (current) => {
      const status = statusOf(current) as SettingsStatus;
      return { ...status, handledRequests: { ...status.handledRequests, resetNotifyStates: request.requestedAt } };
    }, { fieldManager: FIELD_MANAGER });
    context.logger.info({ cleared, requestedBy: request.requestedBy }, 'notification states cleared');
  }

  async #forget(kind: 'Container' | 'SwarmService', object: Stored<Container> | Stored<SwarmService>): Promise<void> {
    try {
      await writeStatus(this.#options.client, kind, object.metadata.namespace, object.metadata.name, (current) => {
        const status = statusOf(current) as { notify?: NotifyState };
        const { lastNotifiedDigest: _digest, lastNotifiedAt: _at, lastNotifiedVersion: _version, lastVersionNotifiedAt: _versionAt, ...kept } = status.notify ?? {};
        return { ...status, notify: kept };
      }, { fieldManager: FIELD_MANAGER });
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error;
    }
  }
}

function hasDedupe(notify: NotifyState | undefined): boolean {
  return notify?.lastNotifiedDigest !== undefined || notify?.lastNotifiedAt !== undefined || notify?.lastNotifiedVersion !== undefined || notify?.lastVersionNotifiedAt !== undefined;
}
