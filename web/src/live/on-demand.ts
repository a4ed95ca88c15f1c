// Informers that run only while a page needs them. Chromium opens at most 6 HTTP/1.1 connections per origin and every
// watch holds one for as long as it runs, so each always-on informer takes a connection from the REST calls for good:
// with 6 of them no action, list or sign-out would ever be sent and the dashboard would never be Live. A page that
// reads a kind no other page needs calls useInformer(informer): the first user starts it, and it stops a little after
// the last one leaves (so that going from a list to its detail page does not list the collection again).
import { useEffect } from 'preact/hooks';

/** How long an informer nobody uses keeps running, in case the next page uses it too. */
export const LINGER_MS = 5_000;

/** What an informer is to this module (an interface, so that the reference counting is tested without a server). */
export interface Startable {
  start(): void;
  stop(): void;
}

interface Use {
  users: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const uses = new Map<Startable, Use>();

function useOf(informer: Startable): Use {
  let use = uses.get(informer);
  if (use === undefined) {
    use = { users: 0, timer: undefined };
    uses.set(informer, use);
  }
  return use;
}

export function acquire(informer: Startable): void {
  const use = useOf(informer);
  use.users += 1;
  clearTimeout(use.timer);
  use.timer = undefined;
  informer.start();
}

export function release(informer: Startable, lingerMs = LINGER_MS): void {
  const use = useOf(informer);
  use.users = Math.max(0, use.users - 1);
  if (use.users > 0) return;
  clearTimeout(use.timer);
  use.timer = setTimeout(() => {
    use.timer = undefined;
    if (use.users === 0) informer.stop();
  }, lingerMs);
}

/** Stops every on-demand informer at once (sign-out: no watch may outlive the session and be refused with 401). */
export function stopOnDemand(): void {
  for (const [informer, use] of uses) {
    clearTimeout(use.timer);
    use.timer = undefined;
    use.users = 0;
    informer.stop();
  }
}

/** Runs `informer` while the calling component is mounted. */
export function useInformer(informer: Startable): void {
  useEffect(() => {
    acquire(informer);
    return () => release(informer);
  }, [informer]);
}
