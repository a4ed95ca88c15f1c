import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../controllers/runtime/fake-clock.ts';
import { ExponentialBackoff, TokenBucket, defaultControllerRateLimiter } from '../../../../controllers/runtime/rate-limiter.ts';
import { WorkQueue } from '../../../../controllers/runtime/workqueue.ts';

/** Takes every key waiting right now, without waiting for more. */
async function takeWaiting(queue: WorkQueue<string>): Promise<string[]> {
  const keys: string[] = [];
  while (queue.length > 0) {
    const key = await queue.get();
    if (key === undefined) break;
    keys.push(key);
  }
  return keys;
}

describe('WorkQueue', () => {
  test('a burst of adds of one key coalesces into one pending entry, in first-add order with other keys', async () => {
    const queue = new WorkQueue<string>({ clock: new FakeClock() });
    for (let index = 0; index < 1_000; index++) {
      queue.add('a');
      queue.add('b');
    }
    queue.add('a');
    assert.equal(queue.length, 2);
    assert.deepEqual(await takeWaiting(queue), ['a', 'b']);
  });

  test('a key being processed is not handed out again; added meanwhile, it comes back once after done', async () => {
    const queue = new WorkQueue<string>({ clock: new FakeClock() });
    queue.add('a');
    const first = await queue.get();
    assert.equal(first, 'a');
    queue.add('a');
    queue.add('a');
    assert.equal(queue.length, 0, 'not queued while processing');
    let second: string | undefined;
    void queue.get().then((key) => (second = key));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(second, undefined, 'a waiting worker does not get the key being processed');
    queue.done('a');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(second, 'a');
    assert.equal(queue.processing, 1);
    queue.done('a');
    assert.equal(queue.length, 0, 'added twice while processing, reprocessed once');
    assert.equal(queue.processing, 0);
  });

  test('a waiting get receives the next key added', async () => {
    const queue = new WorkQueue<string>({ clock: new FakeClock() });
    const waiting = queue.get();
    queue.add('x');
    assert.equal(await waiting, 'x');
  });

  test('delayed adds arrive in due order on the clock, and only the earliest of two adds of one key counts', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue<string>({ clock });
    queue.addAfter('late', 300);
    queue.addAfter('early', 100);
    queue.addAfter('middle', 500);
    queue.addAfter('middle', 200); // earlier: replaces the 500 ms add
    queue.addAfter('early', 400); // later: ignored
    assert.equal(queue.length, 0);
    assert.equal(queue.delayed, 3);
    await clock.advance(99);
    assert.equal(queue.length, 0);
    await clock.advance(1);
    assert.deepEqual(await takeWaiting(queue), ['early']);
    await clock.advance(200);
    assert.deepEqual(await takeWaiting(queue), ['middle', 'late']);
    await clock.advance(1_000);
    assert.equal(queue.length, 0, 'the replaced and ignored adds never fire');
    assert.equal(queue.delayed, 0);
  });

  test('addRateLimited backs off per key exponentially until forget resets it', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue<string>({ clock, rateLimiter: new ExponentialBackoff({ baseDelayMs: 10, maxDelayMs: 1_000 }) });
    const arrivals: number[] = [];
    const start = clock.now();
    for (let attempt = 0; attempt < 4; attempt++) {
      queue.addRateLimited('k');
      while (queue.length === 0) await clock.advance(1);
      arrivals.push(clock.now() - start);
      assert.equal(await queue.get(), 'k');
      queue.done('k');
    }
    assert.deepEqual(arrivals, [10, 30, 70, 150], 'waits of 10, 20, 40, 80 ms');
    assert.equal(queue.numRequeues('k'), 4);
    queue.forget('k');
    assert.equal(queue.numRequeues('k'), 0);
    const before = clock.now();
    queue.addRateLimited('k');
    while (queue.length === 0) await clock.advance(1);
    assert.equal(clock.now() - before, 10, 'after forget, the next wait is the base delay again');
  });

  test('shutDown ignores new adds, drops delayed ones, hands out what was queued, then get resolves undefined', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue<string>({ clock });
    queue.add('a');
    queue.add('b');
    queue.addAfter('later', 10);
    queue.shutDown();
    queue.add('c');
    await clock.advance(100);
    assert.equal(await queue.get(), 'a');
    assert.equal(await queue.get(), 'b');
    assert.equal(await queue.get(), undefined);
    assert.equal(queue.delayed, 0);
    assert.equal(clock.pendingTimers, 0, 'no timer left behind');
  });

  test('shutDown wakes idle workers with undefined', async () => {
    const queue = new WorkQueue<string>({ clock: new FakeClock() });
    const waiting = [queue.get(), queue.get()];
    queue.shutDown();
    assert.deepEqual(await Promise.all(waiting), [undefined, undefined]);
  });

  test('shutDownWithDrain resolves only when every key handed out is done, including one re-added before shutdown', async () => {
    const queue = new WorkQueue<string>({ clock: new FakeClock() });
    queue.add('a');
    assert.equal(await queue.get(), 'a');
    queue.add('a'); // owed another pass
    let drained = false;
    const draining = queue.shutDownWithDrain().then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false);
    queue.done('a');
    assert.equal(await queue.get(), 'a', 'the pass owed from before shutdown is still handed out');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false);
    queue.done('a');
    await draining;
    assert.equal(drained, true);
    assert.equal(await queue.get(), undefined);
  });

  test('reports its depth and retries to its metrics', async () => {
    const depths: number[] = [];
    let retries = 0;
    const clock = new FakeClock();
    const queue = new WorkQueue<string>({ clock, metrics: { setDepth: (depth) => depths.push(depth), incRetries: () => (retries += 1) } });
    queue.add('a');
    queue.add('b');
    await queue.get();
    queue.addRateLimited('c');
    assert.equal(retries, 1);
    assert.deepEqual(depths, [1, 2, 1]);
  });
});

describe('rate limiters', () => {
  test('exponential backoff doubles from the base and stops at the cap', () => {
    const backoff = new ExponentialBackoff<string>({ baseDelayMs: 5, maxDelayMs: 1_000_000 });
    const delays = Array.from({ length: 30 }, () => backoff.when('k'));
    assert.deepEqual(delays.slice(0, 5), [5, 10, 20, 40, 80]);
    assert.equal(Math.max(...delays), 1_000_000);
    assert.equal(delays.at(-1), 1_000_000);
    assert.equal(backoff.when('other'), 5, 'per key');
  });

  test('the token bucket lets a burst through at once, then paces at qps, and refills with time', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket<string>({ clock, qps: 10, burst: 3 });
    assert.deepEqual([bucket.when('a'), bucket.when('b'), bucket.when('c')], [0, 0, 0]);
    assert.equal(bucket.when('d'), 100);
    assert.equal(bucket.when('e'), 200, 'reservations queue behind each other');
    await clock.advance(10_000);
    assert.equal(bucket.when('f'), 0, 'refilled (up to the burst)');
  });

  test('the controller default is the slower of per-key backoff and the global bucket', async () => {
    const clock = new FakeClock();
    const limiter = defaultControllerRateLimiter<string>(clock);
    assert.equal(limiter.when('k'), 5);
    assert.equal(limiter.when('k'), 10);
    // 100 tokens of burst; after 98 more retries of other keys the bucket is dry and paces at 10 qps.
    for (let index = 0; index < 98; index++) limiter.when(`other-${index}`);
    assert.equal(limiter.when('fresh'), 100);
    limiter.forget('k');
    assert.equal(limiter.numRequeues('k'), 0);
  });
});
