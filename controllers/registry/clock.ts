// The time a registry client needs: now, and a sleep that an AbortSignal ends (429 backoff, waiting for quota).
// Structurally a subset of the controller runtime's Clock, so that the runtime's clock (and its fake) can be passed.
import { setTimeout as sleep } from 'node:timers/promises';

export interface RegistryClock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: RegistryClock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await sleep(ms, undefined, signal === undefined ? undefined : { signal });
  },
};
