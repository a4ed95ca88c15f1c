// One pass over a Registry resource: rebuild the registry sessions whose configuration changed (this Registry, one of
// its Secrets) and write the Registry's status from what the process's client knows of its server. Woken by the
// Registry and its Secrets changing, and after every batch of checks (the figures moved).
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import type { Registry, RegistryStatus } from '../../schemas/generated/types.ts';
import { writeStatus, type Lister, type ReconcileContext, type Reconciler } from '../runtime/index.ts';
import { canonicalRegistry } from '../../domain/registry/reference.ts';
import type { Stored } from '../stored.ts';
import { REGISTRY_CHECK_FIELD_MANAGER } from './container-checker.ts';
import type { RegistryAccess } from './registry-access.ts';
import { registryStatus } from './registry-status.ts';

export interface RegistryReconcilerOptions {
  client: ResourceClient;
  registries: Lister<Stored<Registry>>;
  access: RegistryAccess;
}

export class RegistryReconciler implements Reconciler {
  readonly #options: RegistryReconcilerOptions;

  constructor(options: RegistryReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(context: ReconcileContext, key: string): Promise<void> {
    const { access, registries, client } = this.#options;
    // Also when the Registry is gone: its server falls back to config.json or anonymous access.
    await access.refresh();
    const registry = registries.get(key);
    if (registry === undefined || registry.metadata.deletionTimestamp !== undefined) return;
    const server = canonicalRegistry(registry.spec.server);
    const used = access.registryFor(server);
    const duplicateOf = used !== undefined && used.metadata.name !== key ? used.metadata.name : undefined;
    try {
      await writeStatus(client, 'Registry', undefined, key, (current) => registryStatus({
        current: current.status as RegistryStatus | undefined,
        report: duplicateOf === undefined ? access.report(server) : undefined,
        configError: duplicateOf === undefined ? access.configError(server) : undefined,
        duplicateOf,
        generation: current.metadata.generation,
        now: context.clock.now(),
      }) as Record<string, unknown>, { fieldManager: REGISTRY_CHECK_FIELD_MANAGER });
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error;
    }
  }
}
