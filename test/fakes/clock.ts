// A Clock (the runtime's interface) for tests of code that only sleeps: sleep(ms) moves `now` forward by ms at once,
// so a 30 s grace period costs nothing and timing is exact; `advance` moves it by hand. Timers fire as soon as the
// caller yields, `delayMs` later in clock time. For code driven by timers of several parties (the controller
// runtime), use the runtime's FakeClock, which moves only when the test steps it.
import type { Clock, Timer } from '../../controllers/runtime/index.ts';

export class SkippingClock implements Clock {
  #now: number;

  constructor(start = Date.parse('2025-01-15T14:30:00Z')) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += Math.max(0, ms);
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    let cancelled = false;
    void this.sleep(delayMs).then(() => {
      if (!cancelled) callback();
    });
    return { cancel: () => (cancelled = true) };
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.advance(ms);
    // Let other tasks run, as a real sleep would.
    await Promise.resolve();
  }
}
