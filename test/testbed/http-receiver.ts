// A recording HTTP receiver on 127.0.0.1 for the notification tests: it keeps every request with the moment it
// arrived and answers with the next scripted response (default 200). It can go down and come back on the same port,
// as a webhook receiver that is restarted or unreachable for a while.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { deadlines } from './deadlines.ts';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request had arrived in full. */
  receivedAt: number;
  /** The status of the answer once it was handed to the connection in full: what the sender can have seen. */
  acknowledged?: number;
  /** The connection closed while the answer was held (the sender went away): it never got one. */
  abandoned?: boolean;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /**
   * Holds the answer until this settles, as a receiver that is slow to acknowledge: the request is in flight at the
   * sender meanwhile. A connection that closes first gets no answer (the request is marked abandoned).
   */
  hold?: Promise<unknown>;
}

export interface HttpReceiverOptions {
  /**
   * Checks each request as the real service would (its limits and markup, test/testbed/service-limits.ts): an answer
   * to send instead of the scripted one (a 400), or undefined when the request is acceptable.
   */
  validate?: (request: ReceivedRequest) => ScriptedAnswer | undefined;
}

export interface HttpReceiver {
  /** http://127.0.0.1:PORT */
  base: string;
  readonly requests: ReceivedRequest[];
  /** Queues the answer to the next request (FIFO); unscripted requests get 200 "ok". */
  respondWith(answer: ScriptedAnswer): void;
  /** Stops listening (connections refused) until up(). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Resolves once `count` requests (matching `filter`) have arrived; fails after the condition deadline. */
  waitFor(count: number, filter?: (request: ReceivedRequest) => boolean, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startHttpReceiver(options: HttpReceiverOptions = {}): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const script: ScriptedAnswer[] = [];
  let server: http.Server | undefined;
  let port = 0;

  const listen = async (): Promise<void> => {
    const next = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: performance.now() };
        requests.push(request);
        const answer = options.validate?.(request) ?? script.shift() ?? { status: 200, body: 'ok' };
        res.once('finish', () => (request.acknowledged = answer.status));
        const reply = (): void => {
          res.writeHead(answer.status, answer.headers ?? {});
          res.end(answer.body ?? '');
        };
        if (answer.hold === undefined) {
          reply();
          return;
        }
        res.once('close', () => {
          if (!res.writableEnded) request.abandoned = true;
        });
        const answerLater = (): void => {
          if (!res.destroyed && !res.writableEnded) reply();
        };
        answer.hold.then(answerLater, answerLater);
      });
    });
    // Keep-alive sockets of a stopped server would keep it from closing; none are kept.
    next.keepAliveTimeout = 1;
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    const address = next.address();
    if (address === null || typeof address === 'string') throw new Error('the receiver has no port');
    port = address.port;
    server = next;
  };
  const stop = async (): Promise<void> => {
    const current = server;
    server = undefined;
    if (current === undefined) return;
    current.closeAllConnections();
    await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    respondWith: (answer) => script.push(answer),
    down: stop,
    up: listen,
    waitFor: async (count, filter = () => true, timeoutMs = deadlines.condition) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matching = requests.filter(filter);
        if (matching.length >= count) return matching;
        if (Date.now() > deadline) throw new Error(`the receiver got ${matching.length} of ${count} requests within ${timeoutMs} ms`);
        await sleep(50);
      }
    },
    close: stop,
  };
}
