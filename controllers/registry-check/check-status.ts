// The registry-check controller's part of a Container status, computed in one piece from the stored status and a
// check result: registryCheck, pendingUpdate, the UpdateAvailable condition and (for a request) handledRequests.check.
// Every other field passes through untouched (the inventory's facts, the update controller's operation, ...). Pure.
// A check that finds what the last one found changes nothing but its times (lastChecked, lastSeen): those are then
// left as they are until they are `refreshAfterMs` old, so that a scan of unchanged containers writes nothing (as a
// kubelet reports an unchanged node status only every nodeStatusReportFrequency).
import { isDeepStrictEqual } from 'node:util';
import type { ContainerStatus, RegistryCheck } from '../../schemas/generated/types.ts';
import { setCondition, type ConditionUpdate } from '../runtime/index.ts';
import type { ContainerCheckResult } from '../registry/check.ts';
import { UPDATE_AVAILABLE, UPDATE_AVAILABLE_REASONS } from './outcome.ts';

export interface CheckStatusInput {
  /** The status as stored now. */
  current: ContainerStatus | undefined;
  result: ContainerCheckResult;
  generation: number | undefined;
  now: number;
  /** The spec.check requestedAt this check answers. */
  handledCheck?: string;
  /** Keep the stored lastChecked/lastSeen of an unchanged result younger than this. Default 0: always move them. */
  refreshAfterMs?: number;
}

function availableMessage(check: RegistryCheck): string {
  const target = check.target;
  if (target === undefined) return 'an update is available';
  const what = target.version !== undefined && target.version !== check.currentTag ? `version ${target.version}` : `a new image for tag ${target.tag ?? check.currentTag ?? ''}`;
  return `${what} is available: ${target.image}${target.digest === undefined ? '' : ` (${target.digest})`}`;
}

function updateAvailableCondition(result: ContainerCheckResult): ConditionUpdate {
  const check = result.registryCheck;
  switch (result.outcome) {
    case 'update_available':
      return { type: UPDATE_AVAILABLE, status: 'True', reason: UPDATE_AVAILABLE_REASONS.available, message: availableMessage(check) };
    case 'up_to_date': {
      const beyond = check.beyondScopeCount ?? 0;
      const version = check.resolvedCurrentVersion ?? check.currentTag ?? 'the current tag';
      return { type: UPDATE_AVAILABLE, status: 'False', reason: UPDATE_AVAILABLE_REASONS.upToDate, message: `${version} is the newest in scope${beyond > 0 ? `; ${beyond} newer beyond the scope` : ''}` };
    }
    case 'local':
      return { type: UPDATE_AVAILABLE, status: 'False', reason: UPDATE_AVAILABLE_REASONS.local, message: 'the image has no registry digest (built locally, or pinned by digest): there is nothing to compare with' };
    default: {
      const failure = `the last check failed: ${check.lastError ?? 'unknown error'}`;
      // A failed check never clears an update an earlier check found.
      if (check.updateAvailable === true) {
        return { type: UPDATE_AVAILABLE, status: 'True', reason: UPDATE_AVAILABLE_REASONS.available, message: `${availableMessage(check)}; ${failure}` };
      }
      const reason = result.outcome === 'rate_limited' ? UPDATE_AVAILABLE_REASONS.rateLimited : UPDATE_AVAILABLE_REASONS.checkFailed;
      return { type: UPDATE_AVAILABLE, status: 'Unknown', reason, message: failure };
    }
  }
}

/** The result's registryCheck, with the stored times when nothing else changed and they are recent enough. */
function registryCheckOf(input: CheckStatusInput): RegistryCheck {
  const fresh = input.result.registryCheck;
  const stored = input.current?.registryCheck;
  const refreshAfterMs = input.refreshAfterMs ?? 0;
  if (stored?.lastChecked === undefined || refreshAfterMs <= 0 || input.handledCheck !== undefined) return fresh;
  if (input.now - Date.parse(stored.lastChecked) >= refreshAfterMs) return fresh;
  const kept: RegistryCheck = { ...fresh, lastChecked: stored.lastChecked };
  if (fresh.lastSeen !== undefined && stored.lastSeen !== undefined) kept.lastSeen = stored.lastSeen;
  return isDeepStrictEqual(kept, stored) ? stored : fresh;
}

export function statusWithCheck(input: CheckStatusInput): ContainerStatus {
  const { current, result } = input;
  const next: ContainerStatus = { ...current, registryCheck: registryCheckOf(input) };
  if (result.pendingUpdate === undefined) delete next.pendingUpdate;
  else next.pendingUpdate = result.pendingUpdate;
  if (input.handledCheck !== undefined) next.handledRequests = { ...current?.handledRequests, check: input.handledCheck };
  next.conditions = setCondition(current?.conditions, { ...updateAvailableCondition(result), observedGeneration: input.generation }, input.now);
  return next;
}
