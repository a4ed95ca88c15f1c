// What a service's rollout has come to, from one read of the service and its tasks: every UpdateStatus state (and
// none) has an answer and a deadline, so that a service without tasks or with unavailable nodes never hangs an update.
// Pure: the caller (a reconcile) reads, asks, acts on the answer and requeues on `wait`.
import type { ServiceInspect, TaskSummary } from './service-api.ts';
import { digestOf, serviceImage, serviceMode } from './service-spec.ts';

export type RolloutOutcome = 'success' | 'rollback' | 'failed' | 'timeout' | 'rollback_success' | 'rollback_failed';

export interface RolloutExpectation {
  /** update: Vigil wrote a new spec; rollback: Vigil asked Swarm for `rollback=previous`. */
  kind: 'update' | 'rollback';
  /** The digest every running task must have at the end. */
  digest: string;
  /** Epoch ms when the ServiceUpdate was accepted. */
  startedAt: number;
  now: number;
  /** How long UpdateStatus may stay absent before the outcome is timeout (Swarm found nothing to do, or cannot start). */
  startDeadlineMs: number;
  /** How long the whole rollout may take. */
  rolloutDeadlineMs: number;
  /** What a `paused` update gets: Vigil's default rolls it back. */
  onPaused: 'rollback' | 'fail';
}

export type RolloutStep =
  | { kind: 'wait'; phase: string; message: string }
  | { kind: 'done'; outcome: RolloutOutcome; message: string; alert?: boolean }
  /** Paused under a rollback policy: ask Swarm to roll back (`rollback=previous`), then follow that. */
  | { kind: 'rollback'; message: string };

function runningTasks(tasks: readonly TaskSummary[]): TaskSummary[] {
  return tasks.filter((task) => task.desiredState === 'running' && task.state === 'running');
}

/** Every task meant to run, runs the digest; and as many run as the mode wants (global: whatever Swarm placed). */
function converged(service: ServiceInspect, tasks: readonly TaskSummary[], digest: string): boolean {
  const meant = tasks.filter((task) => task.desiredState === 'running');
  const running = runningTasks(tasks);
  if (meant.some((task) => digestOf(task.image) !== digest) || running.length !== meant.length) return false;
  const { replicas } = serviceMode(service.spec);
  return replicas === undefined || running.length === replicas;
}

function lastTaskError(tasks: readonly TaskSummary[]): string {
  const failed = tasks.filter((task) => task.error !== undefined).sort((a, b) => ((a.updatedAt ?? '') < (b.updatedAt ?? '') ? 1 : -1))[0];
  return failed?.error === undefined ? '' : `; last task error: ${failed.error}`;
}

export function observeRollout(service: ServiceInspect, tasks: readonly TaskSummary[], expectation: RolloutExpectation): RolloutStep {
  const elapsed = expectation.now - expectation.startedAt;
  const state = service.updateStatus?.state;
  const message = service.updateStatus?.message ?? '';
  const specDigest = digestOf(serviceImage(service.spec));
  const timedOut = elapsed > expectation.rolloutDeadlineMs;
  const timeout = (what: string): RolloutStep => ({ kind: 'done', outcome: 'timeout', message: `${what} after ${Math.round(elapsed / 1000)} s${lastTaskError(tasks)}` });
  switch (state) {
    case undefined: {
      if (specDigest === expectation.digest && converged(service, tasks, expectation.digest)) {
        return { kind: 'done', outcome: expectation.kind === 'update' ? 'success' : 'rollback_success', message: 'every running task has the digest' };
      }
      const { replicas } = serviceMode(service.spec);
      if (replicas === 0 && specDigest === expectation.digest) return { kind: 'done', outcome: expectation.kind === 'update' ? 'success' : 'rollback_success', message: 'the service has no tasks to replace (0 replicas): the spec carries the digest' };
      if (elapsed > expectation.startDeadlineMs) return timeout('Swarm did not start the rollout');
      return { kind: 'wait', phase: 'pending', message: 'waiting for Swarm to start the rollout' };
    }
    case 'updating':
      return timedOut ? timeout('the update did not finish') : { kind: 'wait', phase: state, message };
    case 'completed':
      if (converged(service, tasks, expectation.digest)) return { kind: 'done', outcome: expectation.kind === 'update' ? 'success' : 'rollback_success', message: 'every running task has the digest' };
      return timedOut ? timeout('Swarm completed but not every task runs the digest') : { kind: 'wait', phase: 'converging', message: 'waiting for every task to run the digest' };
    case 'paused':
      if (expectation.onPaused === 'rollback') return { kind: 'rollback', message: `the update paused (${message}): rolling back` };
      return { kind: 'done', outcome: 'failed', message: `the update paused: ${message}${lastTaskError(tasks)}` };
    case 'rollback_started':
      return timedOut ? timeout('the rollback did not finish') : { kind: 'wait', phase: state, message };
    case 'rollback_completed':
      // Swarm rolled back by itself (failure action rollback) or on Vigil's request.
      return { kind: 'done', outcome: expectation.kind === 'update' ? 'rollback' : 'rollback_success', message: `${message}${lastTaskError(tasks)}` };
    case 'rollback_paused':
      return { kind: 'done', outcome: 'rollback_failed', message: `the rollback paused: ${message}${lastTaskError(tasks)}`, alert: true };
  }
}
