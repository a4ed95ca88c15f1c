// What should happen to a Container that has no update in progress, decided from its resource alone: a pending
// rollback or update request, or an auto-update the registry check found (Sentinel's order: dry-run, pull-only, update
// delay, maintenance window), or nothing, or waiting until a given time. Pure, so that a pass over an unchanged
// container decides the same, and so that the controller can ask it about other containers (is a dependency due?).
import type { Container, Operation, RollbackRequest, SettingsSpec, UpdateRequest } from '../../../schemas/generated/types.ts';
import { parseDuration } from '../../../schemas/duration.ts';
import { nextMaintenanceWindowStart, parseMaintenanceWindow } from '../../../schemas/maintenance-window.ts';
import { parseImageReference, withTag } from '../../../domain/registry/reference.ts';
import { checkedAnotherImage } from '../../../domain/registry/checked-image.ts';
import type { UpdateDetails } from '../machine/operation.ts';

/** Phases in which an operation is under way (the inventory controller keeps such a resource, too). */
export const ACTIVE_PHASES: ReadonlySet<string> = new Set(['Pending', 'Running', 'Verifying', 'RollingBack']);

export function isActive(operation: Operation | undefined): boolean {
  return operation !== undefined && ACTIVE_PHASES.has(operation.phase);
}

export type UpdateReason = 'Auto' | 'Manual' | 'Approved' | 'ChosenTag' | 'SwitchRegistry';

export interface UpdateStart {
  kind: 'update';
  reason: UpdateReason;
  /** The request it serves (absent for auto-updates). */
  request?: UpdateRequest;
  targetImage: string;
  /** An approval binds the pull to this digest. */
  targetDigest?: string;
  /** registryCheck.target.digest, for the record and so that auto-updates do not repeat an attempt. */
  checkedDigest?: string;
  pullOnly: boolean;
}

/** Why nothing starts now, and until when (for the Updating condition and requeueAfter). */
export interface Waiting {
  reason: 'WaitingForUpdateDelay' | 'WaitingForMaintenanceWindow';
  message: string;
  until: number;
}

export type IdleDecision =
  | { kind: 'none'; waiting?: Waiting }
  | { kind: 'rollback'; request: RollbackRequest }
  | UpdateStart
  | { kind: 'dryRun'; targetImage: string; checkedDigest?: string }
  /** A request that cannot be carried out: recorded as handled, with why. */
  | { kind: 'refuse'; request: 'update' | 'rollback'; requestedAt: string; requestedBy?: string; reason: string; message: string };

/** Whether request `spec.X` is newer than `handledRequests.X` (instants; absent handled = pending). */
export function isPending(request: { requestedAt: string } | undefined, handled: string | undefined): boolean {
  if (request === undefined) return false;
  return handled === undefined || Date.parse(request.requestedAt) > Date.parse(handled);
}

function durationMs(text: string | undefined): number {
  if (text === undefined) return 0;
  try {
    return parseDuration(text);
  } catch {
    // status.effective values were validated where they came from; an unreadable one counts as unset.
    return 0;
  }
}

/** The target of an update request, or why there is none. */
function requestTarget(container: Container, request: UpdateRequest): { targetImage: string; targetDigest?: string } | { problem: string; reason: string } {
  const status = container.status ?? {};
  const current = status.image ?? '';
  // A finding about another image than the one running is no target: "update now" then pulls the current reference.
  const found = checkedAnotherImage(container) ? undefined : status.registryCheck?.target?.image;
  switch (request.reason ?? 'Manual') {
    case 'Manual':
      // Whatever the registry check found; without a finding, the current reference again (a moved tag is pulled).
      return { targetImage: found ?? current };
    case 'Approved':
      return { targetImage: found ?? status.pendingUpdate?.targetImage ?? current, ...(request.digest === undefined ? {} : { targetDigest: request.digest }) };
    case 'ChosenTag': {
      try {
        return { targetImage: withTag(parseImageReference(current), request.tag ?? '') };
      } catch (error) {
        return { reason: 'InvalidImageReference', problem: `cannot update ${current} to tag ${request.tag ?? ''}: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    case 'SwitchRegistry':
      // A digest binds the switch to the build that was compared (a GHCR tag that moved since is refused).
      return { targetImage: request.image ?? current, ...(request.digest === undefined ? {} : { targetDigest: request.digest }) };
  }
}

/** Whether the last operation said not to try this target again automatically (see UpdateDetails.avoid). */
export function avoided(operation: Operation | undefined, image: string, digest: string | undefined, lastChecked: string | undefined): boolean {
  const avoid = (operation?.details as Partial<UpdateDetails> | undefined)?.avoid;
  if (avoid === undefined || avoid.image !== image || avoid.digest !== digest) return false;
  if (avoid.retryAfterCheck === undefined) return true;
  return lastChecked === undefined || Date.parse(lastChecked) <= Date.parse(avoid.retryAfterCheck);
}

function autoUpdate(container: Container, settings: SettingsSpec | undefined, now: number): IdleDecision {
  const status = container.status ?? {};
  const effective = status.effective ?? {};
  if (status.self === true || effective.policy?.value !== 'auto') return { kind: 'none' };
  const check = status.registryCheck;
  const target = check?.target;
  if (check?.updateAvailable !== true || target === undefined) return { kind: 'none' };
  // A finding about the image the container ran before (an update or rollback since): the registry check runs again
  // at once, and its status write brings the container back here.
  if (checkedAnotherImage(container)) return { kind: 'none' };
  if (avoided(status.operation, target.image, target.digest, check.lastChecked)) return { kind: 'none' };
  const checked = target.digest === undefined ? {} : { checkedDigest: target.digest };
  if (settings?.dryRun === true) return { kind: 'dryRun', targetImage: target.image, ...checked };
  const pullOnly = effective.pullOnly?.value === true;
  if (!pullOnly) {
    const delay = durationMs(effective.updateDelay?.value);
    const firstSeen = check.firstSeen === undefined ? now : Date.parse(check.firstSeen);
    if (firstSeen + delay > now) {
      const until = firstSeen + delay;
      return { kind: 'none', waiting: { reason: 'WaitingForUpdateDelay', message: `${target.image} is applied once it has been known for ${effective.updateDelay?.value ?? ''}, at ${new Date(until).toISOString()}`, until } };
    }
    const window = effective.maintenanceWindow?.value;
    if (window !== undefined) {
      const opens = nextMaintenanceWindowStart(parseMaintenanceWindow(window), new Date(now)).getTime();
      if (opens > now) {
        return { kind: 'none', waiting: { reason: 'WaitingForMaintenanceWindow', message: `${target.image} is applied in the maintenance window ${JSON.stringify(window)}, next at ${new Date(opens).toISOString()}`, until: opens } };
      }
    }
  }
  return { kind: 'update', reason: 'Auto', targetImage: target.image, ...checked, pullOnly };
}

export function decideIdle(container: Container, settings: SettingsSpec | undefined, now: number): IdleDecision {
  const spec = container.spec ?? {};
  const status = container.status ?? {};
  // A gone container may come back (compose recreating it): requests wait for it.
  if (status.state === 'gone' || status.id === undefined || isActive(status.operation)) return { kind: 'none' };
  const handled = status.handledRequests ?? {};
  const self = status.self === true;
  const selfRefusal = (request: 'update' | 'rollback', requested: { requestedAt: string; requestedBy?: string }): IdleDecision => ({
    kind: 'refuse',
    request,
    requestedAt: requested.requestedAt,
    ...(requested.requestedBy === undefined ? {} : { requestedBy: requested.requestedBy }),
    reason: 'SelfContainer',
    message: `refused to ${request === 'update' ? 'update' : 'roll back'} Vigil's own container (label sentinel.self or vigil.self) on the normal path`,
  });
  if (spec.rollback !== undefined && isPending(spec.rollback, handled.rollback)) {
    return self ? selfRefusal('rollback', spec.rollback) : { kind: 'rollback', request: spec.rollback };
  }
  if (spec.update !== undefined && isPending(spec.update, handled.update)) {
    if (self) return selfRefusal('update', spec.update);
    const target = requestTarget(container, spec.update);
    if ('problem' in target) {
      return { kind: 'refuse', request: 'update', requestedAt: spec.update.requestedAt, ...(spec.update.requestedBy === undefined ? {} : { requestedBy: spec.update.requestedBy }), reason: target.reason, message: target.problem };
    }
    const checkedDigest = status.registryCheck?.target?.image === target.targetImage ? status.registryCheck.target.digest : undefined;
    return {
      kind: 'update',
      reason: spec.update.reason ?? 'Manual',
      request: spec.update,
      ...target,
      ...(checkedDigest === undefined ? {} : { checkedDigest }),
      pullOnly: false,
    };
  }
  return autoUpdate(container, settings, now);
}

/** Whether the container has an update that would start now if nothing held it back (ordering asks this). */
export function isDue(container: Container, settings: SettingsSpec | undefined, now: number): boolean {
  if (isActive(container.status?.operation)) return true;
  const decision = decideIdle(container, settings, now);
  return decision.kind === 'update' || decision.kind === 'rollback';
}
