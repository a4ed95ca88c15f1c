// container_state: once per transition into a bad state (exited non-zero, unhealthy, restart-looping), not once per
// status write. The bad state's name is the transition's identity: the key names it together with what marks this
// occurrence (the exit's restart count), so the same state seen again after a restart of the controller is the same
// event, and a new crash is a new one.
import type { Container } from '../../../schemas/generated/types.ts';
import type { DerivedEvent } from './update-events.ts';

/** Restarts at or above this count while Docker says `restarting` count as a restart loop. */
export const RESTART_LOOP_COUNT = 3;

export type BadState = 'exited' | 'unhealthy' | 'restarting';

export function badStateOf(container: Container): { state: BadState; text: string } | undefined {
  const status = container.status;
  if (status === undefined) return undefined;
  if (status.state === 'exited' && status.exitCode !== undefined && status.exitCode !== 0) return { state: 'exited', text: `exited ${status.exitCode}` };
  if (status.state === 'restarting' && (status.restartCount ?? 0) >= RESTART_LOOP_COUNT) return { state: 'restarting', text: `restarting (${status.restartCount ?? 0} restarts)` };
  if (status.state === 'running' && status.health === 'unhealthy') return { state: 'unhealthy', text: 'unhealthy' };
  return undefined;
}

/**
 * The event for a transition from `before` to `after`, or none when the container did not newly enter a bad state.
 * `before` undefined (first sight after a start) still derives the event: its key makes the outbox drop a repeat.
 */
export function containerStateEvent(before: Container | undefined, after: Container, now: Date): DerivedEvent | undefined {
  const bad = badStateOf(after);
  if (bad === undefined) return undefined;
  const previous = before === undefined ? undefined : badStateOf(before);
  if (previous?.state === bad.state && before?.status?.restartCount === after.status?.restartCount) return undefined;
  const namespace = after.metadata.namespace ?? '';
  const name = after.metadata.name ?? '';
  return {
    key: `state/${namespace}/${name}/${bad.state}/${after.status?.restartCount ?? 0}/${after.status?.id ?? ''}`,
    payload: {
      type: 'container_state',
      timestamp: now.toISOString(),
      containers: [{ name: after.status?.name ?? name, host: namespace, image: after.status?.image ?? '', state: bad.text }],
    },
  };
}
