// A clock for tests that skips time: sleep(ms) moves `now` forward by ms at once, so a 30 s grace period costs
// nothing and timing is exact. `advance` moves it by hand.
import type { Clock } from '../../controllers/update/clock.ts';

export class FakeClock implements Clock {
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

  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.advance(ms);
    // Let other tasks run, as a real sleep would.
    await Promise.resolve();
  }
}
