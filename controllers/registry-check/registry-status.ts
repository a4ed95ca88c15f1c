// What a registry's status says: its request budget as the last answers told it, its health, the requests made since
// the server started, the last error, and (for a Registry resource) the Ready condition. Pure: the same figures give
// the same status, so a pass with nothing new writes nothing.
import type { ImplicitRegistryStatus, RegistryStatus } from '../../schemas/generated/types.ts';
import { setCondition, timestamp, type ConditionUpdate } from '../runtime/index.ts';
import type { RateLimitState } from '../registry/rate-limit.ts';
import type { RegistryConfigError } from '../registry/registry-config.ts';
import type { RegistryReport } from './registry-access.ts';

export interface RegistryStatusInput {
  current: RegistryStatus | undefined;
  /** Undefined while no check has used the registry since the server started. */
  report: RegistryReport | undefined;
  configError: RegistryConfigError | undefined;
  /** The Registry resource used instead of this one for the same server. */
  duplicateOf: string | undefined;
  generation: number | undefined;
  now: number;
}

type Figures = Omit<RegistryStatus, 'conditions' | 'observedGeneration'>;

function rateLimitOf(state: RateLimitState | undefined): Figures['rateLimit'] | undefined {
  if (state === undefined) return undefined;
  const figures = {
    ...(state.limit === undefined ? {} : { limit: state.limit }),
    ...(state.remaining === undefined ? {} : { remaining: state.remaining }),
    ...(state.windowSeconds === undefined ? {} : { windowSeconds: state.windowSeconds }),
    ...(state.reset === undefined ? {} : { reset: timestamp(state.reset) }),
  };
  return Object.keys(figures).length === 0 ? undefined : figures;
}

function figuresOf(report: RegistryReport): Figures {
  const rateLimit = rateLimitOf(report.rateLimit);
  return {
    ...(rateLimit === undefined ? {} : { rateLimit }),
    health: report.health,
    requests: report.requests,
    ...(report.lastError === undefined ? {} : { lastError: report.lastError }),
    ...(report.lastChecked === undefined ? {} : { lastChecked: timestamp(report.lastChecked) }),
  };
}

function readyCondition(input: RegistryStatusInput): ConditionUpdate {
  if (input.duplicateOf !== undefined) {
    return { type: 'Ready', status: 'False', reason: 'DuplicateServer', message: `Registry ${input.duplicateOf} configures the same server and is used instead` };
  }
  if (input.configError !== undefined) return { type: 'Ready', status: 'False', reason: input.configError.reason, message: input.configError.message };
  const report = input.report;
  if (report === undefined) return { type: 'Ready', status: 'Unknown', reason: 'NotChecked', message: 'no check has used this registry since the server started' };
  if (report.failing) {
    const reason = report.failureCode === 'unauthorized' ? 'Unauthorized' : report.failureCode === 'tls' ? 'TLSError' : 'RegistryError';
    return { type: 'Ready', status: 'False', reason, message: report.lastError ?? 'the last check failed' };
  }
  return { type: 'Ready', status: 'True', reason: 'Reachable', message: 'the registry answered the last check' };
}

export function registryStatus(input: RegistryStatusInput): RegistryStatus {
  const figures: Figures = input.report === undefined ? { health: input.configError === undefined ? 'unknown' : 'error' } : figuresOf(input.report);
  if (input.report === undefined && input.configError !== undefined) figures.lastError = input.configError.message;
  return {
    ...(input.generation === undefined ? {} : { observedGeneration: input.generation }),
    ...figures,
    conditions: setCondition(input.current?.conditions, { ...readyCondition(input), observedGeneration: input.generation }, input.now),
  };
}

/** An entry of Settings status.registries: a registry used without a Registry resource. */
export function implicitRegistryStatus(report: RegistryReport): ImplicitRegistryStatus {
  return { server: report.server, ...figuresOf(report) };
}
