// The event stream behind every Watcher: a bounded queue between a producer (a backend or the watch cache) and one
// consumer iterating it. A consumer that falls `capacity` events behind is cut off (endReason 'too-slow') rather than
// allowed to grow memory without bound; it resumes from the last revision it saw, as Kubernetes clients do.
import type { WatchEvent, Watcher } from './interface.ts';

export interface WatchStreamOptions {
  capacity: number;
  /** Called once when the stream ends for any reason, so the producer can drop it. */
  onEnd?: () => void;
  signal?: AbortSignal;
}

export class WatchStream implements Watcher {
  readonly #capacity: number;
  readonly #onEnd: (() => void) | undefined;
  #buffer: WatchEvent[] = [];
  #head = 0;
  #waiting: ((result: IteratorResult<WatchEvent>) => void) | undefined;
  #waitingReject: ((error: unknown) => void) | undefined;
  #failure: unknown = undefined;
  #endReason: Watcher['endReason'] = undefined;
  #iterator: AsyncIterator<WatchEvent> | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #abortListener = (): void => this.stop();

  constructor(options: WatchStreamOptions) {
    this.#capacity = options.capacity;
    this.#onEnd = options.onEnd;
    this.#signal = options.signal;
    if (this.#signal?.aborted) queueMicrotask(() => this.stop());
    else this.#signal?.addEventListener('abort', this.#abortListener, { once: true });
  }

  get endReason(): Watcher['endReason'] {
    return this.#endReason;
  }

  get ended(): boolean {
    return this.#endReason !== undefined || this.#failure !== undefined;
  }

  /** Queues an event; returns false when the stream has ended (the producer should drop it). */
  push(event: WatchEvent): boolean {
    if (this.ended) return false;
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      this.#waitingReject = undefined;
      waiting({ value: event, done: false });
      return true;
    }
    if (this.#buffer.length - this.#head >= this.#capacity) {
      this.end('too-slow');
      return false;
    }
    this.#buffer.push(event);
    return true;
  }

  /** Ends the stream after the consumer has drained what is queued. */
  end(reason: 'stopped' | 'too-slow' | 'closed'): void {
    if (this.ended) return;
    this.#endReason = reason;
    if (reason === 'too-slow') this.#buffer = [];
    this.#finish();
    const waiting = this.#waiting;
    this.#waiting = undefined;
    this.#waitingReject = undefined;
    waiting?.({ value: undefined, done: true });
  }

  /** Ends the stream with an error the consumer receives after the queued events. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.#failure = error;
    this.#finish();
    const reject = this.#waitingReject;
    this.#waiting = undefined;
    this.#waitingReject = undefined;
    reject?.(error);
  }

  stop(): void {
    this.end('stopped');
    this.#buffer = [];
  }

  #finish(): void {
    this.#signal?.removeEventListener('abort', this.#abortListener);
    this.#onEnd?.();
  }

  /** The one event stream of this watch: iterating it again continues where the last iteration stopped. */
  get events(): AsyncIterable<WatchEvent> {
    this.#iterator ??= this.#createIterator();
    const iterator = this.#iterator;
    return { [Symbol.asyncIterator]: () => iterator };
  }

  #createIterator(): AsyncIterator<WatchEvent> {
    return {
      next: () => {
        if (this.#head < this.#buffer.length) {
          const value = this.#buffer[this.#head++] as WatchEvent;
          if (this.#head > 1024 && this.#head * 2 > this.#buffer.length) {
            this.#buffer = this.#buffer.slice(this.#head);
            this.#head = 0;
          }
          return Promise.resolve({ value, done: false });
        }
        if (this.#failure !== undefined) return Promise.reject(this.#failure);
        if (this.#endReason !== undefined) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.#waiting = resolve;
          this.#waitingReject = reject;
        });
      },
      return: () => {
        this.stop();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
