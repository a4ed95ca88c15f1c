// The time the sync loop reads and the timers it arms (debounce, resync), injected so tests step a fake clock.
// TODO(issue 4): the controller runtime's Clock (controllers/runtime/clock.ts) has this shape; import it from there
// once it is on main.
export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  },
};
