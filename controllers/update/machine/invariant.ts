// The promise of the update, as a check: once an operation has ended, the container exists exactly once, under its
// name, running the old image or the new one (the new one only after a success), and no recovery copy is left.
import { containerName } from '../docker/types.ts';
import type { UpdateDocker } from '../docker/update-docker.ts';
import { isTerminal, type UpdateOperation } from './operation.ts';

/** What is wrong with the converged state of `operation`; empty when the promise holds. */
export async function convergenceProblems(docker: UpdateDocker, operation: UpdateOperation, signal: AbortSignal): Promise<string[]> {
  const problems: string[] = [];
  if (!isTerminal(operation)) problems.push(`the operation has not ended (phase ${operation.phase}, step ${operation.step})`);
  const { containerName: name, recoveryName, outcome } = operation.details;
  const lookups = [name, recoveryName, operation.oldContainerID, ...(operation.newContainerID === undefined ? [] : [operation.newContainerID])];
  const found = new Map<string, string>();
  for (const lookup of lookups) {
    const inspect = await docker.inspectContainer(lookup, signal);
    if (inspect !== undefined) found.set(inspect.Id, `${containerName(inspect)} (${inspect.Id.slice(0, 12)}) on ${inspect.Image}`);
  }
  if (found.size !== 1) problems.push(`expected exactly one container, found ${found.size}: ${[...found.values()].join(', ') || 'none'}`);
  const holder = await docker.inspectContainer(name, signal);
  if (holder === undefined || containerName(holder) !== name) {
    problems.push(`no container is named ${name}`);
    return problems;
  }
  const expected = outcome === 'success' ? operation.details.newImageID : operation.oldImageID;
  if (expected !== undefined && holder.Image !== expected) problems.push(`${name} runs ${holder.Image}, expected ${expected} after outcome ${outcome ?? 'none'}`);
  if (operation.details.oldWasRunning !== false && !holder.State.Running) problems.push(`${name} is ${holder.State.Status}, expected running`);
  return problems;
}
