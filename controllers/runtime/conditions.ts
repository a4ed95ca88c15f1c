// Status conditions with the Kubernetes rules (apimachinery pkg/api/meta/conditions.go): one condition per type;
// lastTransitionTime moves only when the status flips, so that "Ready since" means what it says and a pass that
// finds nothing new writes exactly what is there (a no-op write: no new resourceVersion, no event, no wake-up).
// Pure functions over arrays: objects from the informer cache are frozen and never modified in place.
import type { Condition } from '../../schemas/generated/types.ts';

export type { Condition } from '../../schemas/generated/types.ts';

export type ConditionStatus = Condition['status'];

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  /** CamelCase, e.g. "EngineUnreachable". */
  reason: string;
  /** Default ''. */
  message?: string;
  /** The metadata.generation the condition was computed from. */
  observedGeneration?: number | undefined;
}

const CAMEL_CASE_REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/**
 * The conditions with `update` applied: added when its type is new; otherwise reason, message and
 * observedGeneration replaced, and lastTransitionTime set to `now` only when the status differs. Input is not modified.
 */
export function setCondition(conditions: readonly Condition[] | undefined, update: ConditionUpdate, now: Date | number): Condition[] {
  if (!CAMEL_CASE_REASON.test(update.reason)) throw new Error(`condition ${update.type}: reason ${JSON.stringify(update.reason)} is not CamelCase`);
  const existing = findCondition(conditions, update.type);
  const transitionTime = existing !== undefined && existing.status === update.status ? existing.lastTransitionTime : timestamp(now);
  const next: Condition = {
    type: update.type,
    status: update.status,
    ...(update.observedGeneration === undefined ? {} : { observedGeneration: update.observedGeneration }),
    lastTransitionTime: transitionTime,
    reason: update.reason,
    message: update.message ?? '',
  };
  const list = conditions ?? [];
  return existing === undefined ? [...list, next] : list.map((condition) => (condition.type === update.type ? next : condition));
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/** The conditions without `type` (the same content when there is none). */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((condition) => condition.type !== type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

export function isConditionFalse(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'False';
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function timestamp(now: Date | number): string {
  const date = typeof now === 'number' ? new Date(now) : now;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
