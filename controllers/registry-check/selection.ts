// Which containers a scan (or a check of one image) looks at, as Sentinel's scan decides it: running containers
// (paused and restarting ones included, as `docker ps` lists them), not pinned, not excluded by a Settings filter,
// on a Host that is not paused. Pure, so that the scheduler, the image check and the tests share one rule.
import type { Container, SettingsSpec } from '../../schemas/generated/types.ts';
import { nameMatches } from '../../domain/inventory/policy-match.ts';

export type SkipReason =
  /** Effective policy pinned: never checked by scans. */
  | 'pinned'
  /** Its Docker name matches one of Settings `filters`. */
  | 'filtered'
  /** The Docker container no longer exists. */
  | 'gone'
  /** Exited, created or dead: Sentinel scans running containers only. */
  | 'notRunning'
  /** Its Host has `spec.paused`. */
  | 'hostPaused'
  /** No image reference known yet (the inventory has not inspected it). */
  | 'noImage';

const SCANNED_STATES = new Set(['running', 'paused', 'restarting']);

export function dockerNameOf(container: Container): string {
  return container.status?.name ?? container.spec?.containerName ?? container.metadata.name ?? '';
}

export function effectivePolicyOf(container: Container): 'auto' | 'manual' | 'pinned' {
  return container.status?.effective?.policy?.value ?? 'manual';
}

/** Why a scan leaves this container out, or undefined when it checks it. */
export function scanSkipReason(container: Container, settings: SettingsSpec | undefined, hostPaused: boolean): SkipReason | undefined {
  const status = container.status;
  if (status?.image === undefined || status.image === '') return 'noImage';
  if (status.state === 'gone') return 'gone';
  if (!SCANNED_STATES.has(status.state ?? '')) return 'notRunning';
  if (hostPaused) return 'hostPaused';
  if (effectivePolicyOf(container) === 'pinned') return 'pinned';
  const filters = settings?.filters ?? [];
  if (filters.length > 0 && nameMatches(filters, dockerNameOf(container))) return 'filtered';
  return undefined;
}
