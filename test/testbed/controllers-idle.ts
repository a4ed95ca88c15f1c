// Waiting, in real time, until controllers have nothing to do: no key waiting and no pass in flight in any of their
// queues (delayed keys aside), twice in a row some milliseconds apart, since a watch event may still be on its way
// from the store.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Controller } from '../../controllers/runtime/index.ts';
import { deadlines } from './deadlines.ts';

export interface IdleOptions {
  /** Default 10 s. */
  timeoutMs?: number;
  /** How long the queues must stay empty. Default 30 ms. */
  settleMs?: number;
  /** Default 5 ms. */
  pollMs?: number;
}

/** Whether every controller's queue is empty with nothing processing (a controller not started counts as idle). */
export function controllersQuiet(controllers: readonly Controller[]): boolean {
  return controllers.every((controller) => {
    const queue = controller.queue;
    return queue === undefined || (queue.length === 0 && queue.processing === 0);
  });
}

export async function waitUntilIdle(controllers: readonly Controller[], options: IdleOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? deadlines.condition;
  for (const deadline = Date.now() + timeoutMs; ;) {
    if (controllersQuiet(controllers)) {
      await sleep(options.settleMs ?? 30);
      if (controllersQuiet(controllers)) return;
    }
    if (Date.now() > deadline) throw new Error(`the controllers did not become idle within ${timeoutMs} ms`);
    await sleep(options.pollMs ?? 5);
  }
}
