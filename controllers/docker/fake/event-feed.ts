// The fake engine's event stream: every subscriber gets the events published after it subscribed (and the buffered
// ones after `since`), until it aborts, the engine stops (the stream ends) or the connection breaks (it fails).
import { DockerError, type ContainerEvent } from '../../../domain/docker/client.ts';

/** Docker keeps its last 256 events in memory for `since`. */
const REPLAY_BUFFER = 256;

interface Subscriber {
  push(event: ContainerEvent): void;
  finish(error?: DockerError): void;
}

export class EventFeed {
  readonly #subscribers = new Set<Subscriber>();
  #buffer: ContainerEvent[] = [];

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  publish(event: ContainerEvent): void {
    this.#buffer.push(event);
    if (this.#buffer.length > REPLAY_BUFFER) this.#buffer = this.#buffer.slice(-REPLAY_BUFFER);
    for (const subscriber of this.#subscribers) subscriber.push(event);
  }

  /** Ends every stream normally (the engine closed it), or with `error`. */
  finishAll(error?: DockerError): void {
    for (const subscriber of [...this.#subscribers]) subscriber.finish(error);
  }

  /** Forgets the replay buffer (a new daemon process remembers nothing). */
  clearBuffer(): void {
    this.#buffer = [];
  }

  async *subscribe(signal: AbortSignal, since: string | undefined): AsyncIterable<ContainerEvent> {
    const queue: ContainerEvent[] = [];
    let finished = false;
    let failure: DockerError | undefined;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      wake?.();
      wake = undefined;
    };
    const subscriber: Subscriber = {
      push: (event) => {
        queue.push(event);
        notify();
      },
      finish: (error) => {
        finished = true;
        failure = error;
        this.#subscribers.delete(subscriber);
        notify();
      },
    };
    if (since !== undefined) {
      const sinceSeconds = Number(since);
      for (const event of this.#buffer) if (Math.floor(event.time.getTime() / 1000) >= sinceSeconds) queue.push(event);
    }
    this.#subscribers.add(subscriber);
    const onAbort = (): void => subscriber.finish();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (signal.aborted) return;
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (finished) {
          if (failure !== undefined && !signal.aborted) throw failure;
          return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.#subscribers.delete(subscriber);
    }
  }
}
