// The rollout policy of a service update, written into UpdateConfig and RollbackConfig. Vigil's default failure action
// is `rollback`, not Swarm's `pause`: a paused update leaves a service half rolled with nobody told.
import type { JsonObject } from '../../schemas/json.ts';

export interface RolloutPolicy {
  /** Tasks replaced at once; 0 = all. Swarm's default 1. */
  parallelism?: number;
  /** Between batches. */
  delaySeconds?: number;
  /** How long each new task is watched for failure. Swarm's default 5 s. */
  monitorSeconds?: number;
  /** Default rollback (Swarm's is pause). */
  failureAction?: 'rollback' | 'pause' | 'continue';
  /** 0..1 of tasks that may fail. */
  maxFailureRatio?: number;
  order?: 'start-first' | 'stop-first';
}

const NS_PER_SECOND = 1_000_000_000;

function common(policy: RolloutPolicy): JsonObject {
  return {
    ...(policy.parallelism === undefined ? {} : { Parallelism: policy.parallelism }),
    ...(policy.delaySeconds === undefined ? {} : { Delay: Math.round(policy.delaySeconds * NS_PER_SECOND) }),
    ...(policy.monitorSeconds === undefined ? {} : { Monitor: Math.round(policy.monitorSeconds * NS_PER_SECOND) }),
    ...(policy.maxFailureRatio === undefined ? {} : { MaxFailureRatio: policy.maxFailureRatio }),
    ...(policy.order === undefined ? {} : { Order: policy.order }),
  };
}

/**
 * The spec with the policy merged into its UpdateConfig and RollbackConfig (fields the policy leaves unset keep the
 * service's own values). The rollback's failure action is left alone: Swarm allows only pause or continue there.
 */
export function withRolloutPolicy(spec: JsonObject, policy: RolloutPolicy): JsonObject {
  const current = (key: string): JsonObject => {
    const value = spec[key];
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
  };
  return {
    ...spec,
    UpdateConfig: { ...current('UpdateConfig'), ...common(policy), FailureAction: policy.failureAction ?? 'rollback' },
    RollbackConfig: { ...current('RollbackConfig'), ...common(policy) },
  };
}

export function checkRolloutPolicy(policy: RolloutPolicy): void {
  const nonNegative = (name: string, value: number | undefined): void => {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) throw new RangeError(`rollout ${name} must be a number ≥ 0, got ${value}`);
  };
  nonNegative('parallelism', policy.parallelism);
  nonNegative('delaySeconds', policy.delaySeconds);
  nonNegative('monitorSeconds', policy.monitorSeconds);
  if (policy.parallelism !== undefined && !Number.isInteger(policy.parallelism)) throw new RangeError(`rollout parallelism must be a whole number, got ${policy.parallelism}`);
  if (policy.maxFailureRatio !== undefined && !(policy.maxFailureRatio >= 0 && policy.maxFailureRatio <= 1)) {
    throw new RangeError(`rollout maxFailureRatio must be from 0 to 1, got ${policy.maxFailureRatio}`);
  }
}
