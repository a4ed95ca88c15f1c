// A clock that only moves when a test steps it (the Temporal SDK's time-skipping environments, client-go's
// testing clock): `advance(ms)` fires the timers that fall due, in due order, letting the promise continuations each
// one triggers run before the next fires, so that code which re-arms timers behaves as it would in real time.
import { sleepOn, type Clock, type Timer } from './clock.ts';

interface PendingTimer {
  dueAt: number;
  /** Creation order breaks ties between timers due at the same instant. */
  serial: number;
  callback: () => void;
}

/** 2025-01-01T00:00:00Z: a fixed start, so timestamps in test assertions are stable. */
export const FAKE_CLOCK_START = Date.UTC(2025, 0, 1);

export class FakeClock implements Clock {
  #now: number;
  #serial = 0;
  readonly #timers = new Set<PendingTimer>();

  constructor(startMs: number = FAKE_CLOCK_START) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    const timer: PendingTimer = { dueAt: this.#now + Math.max(0, delayMs), serial: this.#serial++, callback };
    this.#timers.add(timer);
    return { cancel: () => this.#timers.delete(timer) };
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, delayMs, signal);
  }

  /** How many timers are armed and not yet fired. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** When the next timer falls due, or undefined when none is armed. */
  nextDueAt(): number | undefined {
    return this.#next()?.dueAt;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way (including timers armed by the
   * callbacks and their promise continuations), each at its own due time. Resolves once time is `now + ms` and the
   * continuations of the last timer have run.
   */
  async advance(ms: number): Promise<void> {
    if (ms < 0) throw new RangeError(`cannot move a clock backwards (advance(${ms}))`);
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const timer = this.#next();
      if (timer === undefined || timer.dueAt > target) break;
      this.#timers.delete(timer);
      this.#now = Math.max(this.#now, timer.dueAt);
      timer.callback();
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /** Fires whatever is due now (timers armed with delay 0) without moving time. */
  tick(): Promise<void> {
    return this.advance(0);
  }

  #next(): PendingTimer | undefined {
    let next: PendingTimer | undefined;
    for (const timer of this.#timers) {
      if (next === undefined || timer.dueAt < next.dueAt || (timer.dueAt === next.dueAt && timer.serial < next.serial)) next = timer;
    }
    return next;
  }
}

/** Lets pending promise continuations (and I/O callbacks already queued) run: one turn of the event loop. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
