// "Dependents restart after": once a container was replaced (or rolled back, which restarted it), the running
// containers that declare a dependency on it (sentinel.depends-on, compose depends_on, spec.dependsOn) are restarted,
// in dependency order, so that they reconnect to it. Containers joined to it by network namespace or link were
// already recreated by the update itself (machine/steps/dependents.ts). A container with an update of its own under
// way is left to it. Restarting twice (after a crash) does no harm.
import { analyzeDependencies, dockerNameOf } from '../../dependencies/graph.ts';
import type { Container } from '../../../schemas/generated/types.ts';
import type { UpdateDocker } from '../docker/update-docker.ts';
import type { StepRecord } from '../machine/operation.ts';
import { isActive } from './desired.ts';

/** Direct dependents by declaration, in the host's dependency order. */
export function declaredDependents(containers: readonly Container[], name: string): Container[] {
  const analysis = analyzeDependencies(containers);
  const dependents = new Set(analysis.edges.filter((edge) => edge.dependency === name && edge.kinds.includes('dependsOn') && !edge.kinds.includes('network') && !edge.kinds.includes('link')).map((edge) => edge.dependent));
  const byName = new Map(containers.map((container) => [dockerNameOf(container), container]));
  return analysis.order.filter((member) => dependents.has(member)).flatMap((member) => byName.get(member) ?? []);
}

export async function restartDependents(docker: UpdateDocker, containers: readonly Container[], name: string, now: () => number, signal: AbortSignal): Promise<StepRecord | undefined> {
  const started = now();
  const restarted: string[] = [];
  const problems: string[] = [];
  for (const dependent of declaredDependents(containers, name)) {
    const dependentName = dockerNameOf(dependent);
    if (isActive(dependent.status?.operation)) continue;
    const inspect = await docker.inspectContainer(dependentName, signal);
    if (inspect === undefined || !inspect.State.Running) continue;
    try {
      await docker.stopContainer(inspect.Id, signal);
      await docker.startContainer(inspect.Id, signal);
      restarted.push(dependentName);
    } catch (error) {
      if (signal.aborted) throw error;
      problems.push(`${dependentName}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (restarted.length === 0 && problems.length === 0) return undefined;
  const message = [restarted.length > 0 ? `restarted ${restarted.join(', ')}` : '', problems.length > 0 ? `could not restart ${problems.join('; ')}` : ''].filter(Boolean).join('; ');
  return { name: 'restartDependents', outcome: problems.length > 0 ? 'failed' : 'success', startedAt: new Date(started).toISOString(), finishedAt: new Date(now()).toISOString(), message };
}
