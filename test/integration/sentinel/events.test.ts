// GET /api/events under pressure, over real sockets: a client that stops reading is dropped (its watch and socket
// released) while a reading client on the same server keeps every event; a client resuming from a Last-Event-ID the
// watch cache no longer keeps (or one newer than the server's history) gets one `resync` event and follows from now.
// The cache is kept small (history and per-watcher buffer) so that both limits are reached with few writes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApi } from '../apiserver/fixtures/api.ts';
import { addContainer, assertShape, setStatus, type TestApi } from './fixtures.ts';
import { openEvents as openEventStream, type EventStream } from './event-stream.ts';

const HISTORY = 30;
// Frames this big fill the socket buffers of a client that does not read within a few dozen events.
const BIG_NAME = `big-${'x'.repeat(64 * 1024)}`;

let api: TestApi;

before(async () => {
  api = await startApi({
    listen: true,
    cache: { historyCapacity: HISTORY, watcherCapacity: 50 },
    app: { sentinel: { live: { events: { drainTimeoutMs: 1000, maxBufferedBytes: 256 * 1024, heartbeatMs: 60_000 } } } },
  });
  await addContainer(api, { name: 'web' });
  await addContainer(api, { name: 'big', status: { name: BIG_NAME } });
});
after(async () => await api.close());

async function openEvents(headers: Record<string, string> = {}): Promise<EventStream> {
  return await openEventStream(api.url, { ...api.headers(), ...headers });
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check();) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
}

/** One container_state event: the container stops or starts again. Flips this container's own state: a counter
 * shared by all containers left 'web' unchanged (and so without an event) whenever an even number of toggles of
 * 'big' went before, which depends on how fast the slow client fills its buffers. */
async function toggle(name: string): Promise<void> {
  await setStatus(api, name, (status) => ({ ...status, state: status.state === 'exited' ? 'running' : 'exited' }));
}

describe('GET /api/events: slow clients and resuming', () => {
  test('a client that stops reading is dropped, its watch released, while a reading client gets every event', async () => {
    await until('no event streams open', () => api.store.watcherCount === api.ownWatchers);
    const reader = await openEvents();
    // The slow client: a raw socket that sends the request and never reads.
    const slow: Socket = connect({ host: '127.0.0.1', port: Number(new URL(api.url).port) });
    slow.pause();
    let slowClosed = false;
    slow.on('close', () => {
      slowClosed = true;
    });
    slow.on('error', () => undefined);
    slow.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${api.headers().authorization ?? ''}\r\n\r\n`);
    try {
      await until('both streams watch', () => api.store.watcherCount === api.ownWatchers + 2);
      let sent = 0;
      // Bounded: the buffers of a loopback socket fill well within this many 64 KiB frames.
      while (api.store.watcherCount > api.ownWatchers + 1 && sent < 400) {
        await toggle('big');
        sent += 1;
        // A write through the in-process registry never waits for I/O: let the sockets move between writes, as
        // they do between requests on a real server.
        await sleep(5);
      }
      assert.ok(sent < 400, `the slow client is still watched after ${sent} events of 64 KiB`);
      await until('the reader has every event', () => reader.frames.filter((frame) => frame.event === 'container_state').length === sent);
      assert.equal(api.store.watcherCount, api.ownWatchers + 1, 'only the reader still watches');
      slow.resume();
      await until('the server closed the slow client', () => slowClosed, 10_000);
      await toggle('web');
      await reader.waitFor((frame) => frame.event === 'container_state' && frame.data?.includes('"container_name":"web"') === true, 'the reader goes on');
    } finally {
      reader.close();
      slow.destroy();
    }
  });

  test('a Last-Event-ID older than the kept history gets one resync event, then what happens from now', async () => {
    const first = await openEvents();
    let oldID: string | undefined;
    try {
      await toggle('web');
      oldID = (await first.waitFor((frame) => frame.event === 'container_state', 'a container_state')).id;
    } finally {
      first.close();
    }
    assert.match(String(oldID), /^\d+$/);
    for (let index = 0; index < HISTORY + 5; index += 1) await toggle('web');

    const resumed = await openEvents({ 'last-event-id': String(oldID) });
    try {
      const resync = await resumed.waitFor((frame) => frame.event === 'resync', 'resync');
      assert.deepEqual(resumed.frames.slice(0, 2).map((frame) => frame.event), ['connected', 'resync']);
      assert.equal(resumed.frames[0]?.data, '{}');
      const body = JSON.parse(resync.data ?? '{}') as Record<string, unknown>;
      assertShape(body, { type: 'string', message: 'string', timestamp: 'string' });
      assert.equal(body.type, 'resync');
      assert.equal(body.message, `events after ${String(oldID)} are no longer kept: reload and follow from now`);
      await toggle('web');
      const next = await resumed.waitFor((frame) => frame.event === 'container_state', 'the next change after the resync');
      assert.ok(Number(next.id) > Number(oldID) + HISTORY, 'nothing from the forgotten history is replayed');
      assert.equal(resumed.frames.filter((frame) => frame.event === 'container_state').length, 1);
      assert.equal(resumed.frames.filter((frame) => frame.event === 'resync').length, 1);
    } finally {
      resumed.close();
    }
  });

  test('a Last-Event-ID newer than the server\'s history (another store) gets a resync too', async () => {
    const resumed = await openEvents({ 'last-event-id': '999999999' });
    try {
      const resync = await resumed.waitFor((frame) => frame.event === 'resync', 'resync');
      assert.match(JSON.parse(resync.data ?? '{}').message as string, /^event 999999999 is newer than this server's history/);
      await toggle('web');
      await resumed.waitFor((frame) => frame.event === 'container_state', 'the next change');
    } finally {
      resumed.close();
    }
  });
});
