// A client of GET /api/events over a real socket, reading the stream as an EventSource does: frames end at a blank
// line; `id`, `event` and `data` fields are kept, comments (heartbeats) dropped.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Frame {
  id?: string;
  event?: string;
  data?: string;
}

export interface EventStream {
  /** Every frame received so far, in order. */
  frames: Frame[];
  /** The first frame (from the start) that matches; fails after timeoutMs (default 20 s). */
  waitFor(match: (frame: Frame) => boolean, what: string, timeoutMs?: number): Promise<Frame>;
  close(): void;
}

/** Opens `${baseUrl}/api/events` with `headers` (authorization, Last-Event-ID …); the answer must be a 200 stream. */
export async function openEvents(baseUrl: string, headers: Record<string, string>): Promise<EventStream> {
  const abort = new AbortController();
  const response = await fetch(`${baseUrl}/api/events`, { headers, signal: abort.signal });
  assert.equal(response.status, 200);
  assert.match(String(response.headers.get('content-type')), /^text\/event-stream/);
  const body = response.body;
  assert.ok(body !== null);
  const frames: Frame[] = [];
  // Reads until the stream is closed (the abort ends the loop by rejecting, which is expected).
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const frame: Frame = {};
        for (const line of buffered.slice(0, end).split('\n')) {
          const [field, ...rest] = line.split(': ');
          if (field === 'id' || field === 'event' || field === 'data') frame[field] = rest.join(': ');
        }
        buffered = buffered.slice(end + 2);
        if (frame.event !== undefined) frames.push(frame);
      }
    }
  })().catch(() => undefined);
  return {
    frames,
    waitFor: async (match, what, timeoutMs = 20_000) => {
      for (const deadline = Date.now() + timeoutMs; ;) {
        const found = frames.find(match);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms; events: ${frames.map((frame) => frame.event).join(', ')}`);
        await sleep(50);
      }
    },
    close: () => abort.abort(),
  };
}
