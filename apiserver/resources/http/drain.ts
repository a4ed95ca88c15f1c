// Waiting for a slow client's socket to take more, for the streams that must not buffer without bound (watch
// responses, the REST facade's server-sent events).
import type { Writable } from 'node:stream';

export interface DrainOptions {
  /** Give up (false) after this long: a client that does not read is dropped. */
  timeoutMs: number;
  /** Checked every 200 ms: true gives up at once (the watch cache cut the watcher off, the stream was stopped). */
  abandoned: () => boolean;
}

/** Resolves true when `socket` drains, false when it closes, is abandoned or the timeout passes. */
export function drained(socket: Writable, options: DrainOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(deadline);
      clearInterval(poll);
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    const deadline = setTimeout(() => done(false), options.timeoutMs);
    const poll = setInterval(() => {
      if (options.abandoned()) done(false);
    }, 200);
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}
