// Time, injected: everything time-based in Vigil (work queue delays, backoff, reconcile timeouts, resync timers,
// leader-election guards) reads the time and arms timers through a Clock, so that tests step a FakeClock instead of
// sleeping (STYLE.md: "Reading the wall clock or sleeping inside logic" is what the anchors avoid).

/** A pending timer; cancelling it after it fired (or twice) does nothing. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `callback` once, `delayMs` (≥ 0) from now. */
  setTimeout(callback: () => void, delayMs: number): Timer;
  /**
   * Resolves `delayMs` from now. Rejects with the signal's reason (an AbortError DOMException when it has none) as
   * soon as `signal` aborts, and at once when it already has.
   */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
}

/** The reason an aborted sleep rejects with when its signal carries none. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/** The wall clock and Node's timers. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, delayMs, signal);
  }
}

/** The one SystemClock; components default to it when no clock is given. */
export const systemClock: Clock = new SystemClock();

/** `Clock.sleep` in terms of `Clock.setTimeout`, shared by every implementation. */
export function sleepOn(clock: Pick<Clock, 'setTimeout'>, delayMs: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      timer.cancel();
      reject(abortReason(signal as AbortSignal));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface Deadline {
  /** Aborts `delayMs` after creation with a TimeoutError DOMException. */
  readonly signal: AbortSignal;
  /** Disarms the timer (call it when the guarded work ends, so no timer outlives it and holds the process open). */
  cancel(): void;
}

/** AbortSignal.timeout on an injected clock, cancellable. */
export function deadline(clock: Clock, delayMs: number): Deadline {
  const controller = new AbortController();
  const timer = clock.setTimeout(() => controller.abort(new DOMException(`timed out after ${delayMs} ms`, 'TimeoutError')), delayMs);
  return { signal: controller.signal, cancel: () => timer.cancel() };
}
