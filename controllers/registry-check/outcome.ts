// What the last registry check of a container concluded, read back from its status: the one place that turns
// `status.registryCheck` and the UpdateAvailable condition into Sentinel's words (update_available, up_to_date, …),
// for the REST facade's POST /api/check and for the scan summary.
import type { ContainerStatus } from '../../schemas/generated/types.ts';
import { findCondition } from '../runtime/index.ts';

export type CheckOutcome = 'update_available' | 'up_to_date' | 'local' | 'check_failed' | 'rate_limited';

/** The Container condition this controller owns. */
export const UPDATE_AVAILABLE = 'UpdateAvailable';

/** Reasons of the UpdateAvailable condition. */
export const UPDATE_AVAILABLE_REASONS = {
  /** True: a newer version in scope, or the tag's digest moved. */
  available: 'UpdateAvailable',
  /** False: the image the registry would give is the one that runs. */
  upToDate: 'UpToDate',
  /** False: the image has no registry digest (built locally, or pinned by digest): there is nothing to compare. */
  local: 'LocalImage',
  /** Unknown: the check failed and no earlier check had found an update. */
  checkFailed: 'CheckFailed',
  /** Unknown: the registry's request budget is down to its reserve (or it answered 429). */
  rateLimited: 'RateLimited',
} as const;

/** The outcome of the last check recorded in a Container status; undefined when it was never checked. */
export function checkOutcomeOf(status: ContainerStatus | undefined): CheckOutcome | undefined {
  const check = status?.registryCheck;
  if (check?.lastChecked === undefined) return undefined;
  if (check.lastError !== undefined) return check.rateLimited === true ? 'rate_limited' : 'check_failed';
  if (check.updateAvailable === true) return 'update_available';
  if (findCondition(status?.conditions, UPDATE_AVAILABLE)?.reason === UPDATE_AVAILABLE_REASONS.local) return 'local';
  return 'up_to_date';
}
