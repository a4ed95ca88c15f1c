// The inventory controller's part of a Container status, computed in one piece from the previous status and what it
// observed: the inspect facts, the effective settings and the conditions Running, Healthy and Ready. Fields other
// controllers own (registryCheck, operation, notify, their conditions and handled requests) pass through untouched.
// Pure, so that a second pass over an unchanged container computes the identical status and writes nothing.
import type { ContainerStatus } from '../../schemas/generated/types.ts';
import { setCondition, type ConditionUpdate } from '../runtime/index.ts';
import { FACT_FIELDS, type ContainerFacts } from './container-facts.ts';
import type { EffectiveResult, InvalidLabel } from './effective.ts';

export interface ContainerStatusInput {
  previous: ContainerStatus | undefined;
  facts: ContainerFacts;
  /** Absent for a gone container: its last effective settings stay. */
  effective?: EffectiveResult;
  generation: number | undefined;
  now: number;
  /** The requestedAt of a lifecycle request this pass carried out. */
  handledLifecycle?: string;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function runningCondition(facts: ContainerFacts): ConditionUpdate {
  switch (facts.state) {
    case 'running':
      return { type: 'Running', status: 'True', reason: 'Running', message: facts.startedAt === undefined ? 'running' : `running since ${facts.startedAt}` };
    case 'gone':
      return { type: 'Running', status: 'False', reason: 'ContainerGone', message: 'the Docker container no longer exists' };
    case 'exited':
      return { type: 'Running', status: 'False', reason: 'Exited', message: `exited with code ${facts.exitCode ?? 0}${facts.finishedAt === undefined ? '' : ` at ${facts.finishedAt}`}` };
    case undefined:
      return { type: 'Running', status: 'Unknown', reason: 'UnknownState', message: 'the engine reported a state Vigil does not know' };
    default:
      return { type: 'Running', status: 'False', reason: capitalised(facts.state), message: facts.state };
  }
}

function healthyCondition(facts: ContainerFacts): ConditionUpdate {
  if (facts.state === 'gone') return { type: 'Healthy', status: 'Unknown', reason: 'ContainerGone', message: 'the Docker container no longer exists' };
  switch (facts.health) {
    case 'healthy':
      return { type: 'Healthy', status: 'True', reason: 'Healthy', message: 'the health check passes' };
    case 'unhealthy':
      return { type: 'Healthy', status: 'False', reason: 'Unhealthy', message: 'the health check fails' };
    case 'starting':
      return { type: 'Healthy', status: 'Unknown', reason: 'Starting', message: 'the health check has not passed yet' };
    default:
      return { type: 'Healthy', status: 'Unknown', reason: 'NoHealthCheck', message: 'the container has no health check' };
  }
}

function describeInvalid(invalid: readonly InvalidLabel[]): string {
  return invalid.map((entry) => `label ${entry.label} ignored: ${entry.problem}`).join('; ');
}

function readyCondition(facts: ContainerFacts, invalid: readonly InvalidLabel[]): ConditionUpdate {
  if (facts.state === 'gone') {
    return { type: 'Ready', status: 'False', reason: 'ContainerGone', message: `the Docker container is gone since ${facts.goneSince ?? 'now'}; the resource is kept in case it comes back` };
  }
  if (invalid.length > 0) return { type: 'Ready', status: 'False', reason: 'InvalidLabel', message: describeInvalid(invalid) };
  return { type: 'Ready', status: 'True', reason: 'InSync', message: 'the status mirrors docker inspect' };
}

export function containerStatus(input: ContainerStatusInput): ContainerStatus {
  const { previous, facts, effective, generation, now } = input;
  const next: Record<string, unknown> = { ...previous };
  for (const field of FACT_FIELDS) delete next[field];
  Object.assign(next, facts);
  if (effective !== undefined) next.effective = effective.effective;
  if (generation !== undefined) next.observedGeneration = generation;
  if (input.handledLifecycle !== undefined) next.handledRequests = { ...previous?.handledRequests, lifecycle: input.handledLifecycle };
  // A gone container has no labels to judge: Ready says it is gone.
  const invalid = effective?.invalidLabels ?? [];
  let conditions = previous?.conditions;
  for (const update of [runningCondition(facts), healthyCondition(facts), readyCondition(facts, invalid)]) {
    conditions = setCondition(conditions, { ...update, observedGeneration: generation }, now);
  }
  next.conditions = conditions;
  return next as ContainerStatus;
}
