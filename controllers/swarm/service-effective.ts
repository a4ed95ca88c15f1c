// A SwarmService's effective settings (status.effective), by the Containers' one precedence (controllers/inventory/
// effective.ts): spec > `sentinel.*` label on the service > matching UpdatePolicy > Settings > default. An UpdatePolicy
// selects a service as it selects a container: its selector over the service's labels, containerNames over the
// service name, hosts over the manager Host it is read through. Only the settings a service can use are passed from
// its spec; the rest come from labels, policies and Settings as for any container.
import type { ContainerSpec, Settings, SwarmServiceSpec, UpdatePolicy } from '../../schemas/generated/types.ts';
import { resolveEffective, type EffectiveResult } from '../inventory/effective.ts';

export interface ServiceEffectiveInput {
  name: string;
  spec: SwarmServiceSpec | undefined;
  /** The service's own labels (spec Labels, not the task template's). */
  labels: Readonly<Record<string, string>>;
  /** The image without its digest pin (for Settings.latestAutoUpdate). */
  image: string;
  /** The manager Host the service is read through. */
  hostName: string;
  policies: readonly UpdatePolicy[];
  settings: Settings | undefined;
}

/** The part of a SwarmService spec that overrides effective settings, in a Container spec's words. */
function overrides(spec: SwarmServiceSpec | undefined): ContainerSpec {
  if (spec === undefined) return {};
  return {
    ...(spec.policy === undefined ? {} : { policy: spec.policy }),
    ...(spec.versionScope === undefined ? {} : { versionScope: spec.versionScope }),
    ...(spec.includeTags === undefined ? {} : { includeTags: spec.includeTags }),
    ...(spec.excludeTags === undefined ? {} : { excludeTags: spec.excludeTags }),
    ...(spec.notifyMode === undefined ? {} : { notifyMode: spec.notifyMode }),
    ...(spec.notifySnooze === undefined ? {} : { notifySnooze: spec.notifySnooze }),
  };
}

export function serviceEffective(input: ServiceEffectiveInput): EffectiveResult {
  return resolveEffective({
    spec: overrides(input.spec),
    labels: input.labels,
    containerName: input.name,
    hostName: input.hostName,
    image: input.image,
    policies: input.policies,
    settings: input.settings?.spec,
  });
}
