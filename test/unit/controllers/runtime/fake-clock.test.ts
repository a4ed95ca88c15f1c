import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, FAKE_CLOCK_START } from '../../../../controllers/runtime/fake-clock.ts';
import { deadline } from '../../../../controllers/runtime/clock.ts';

describe('FakeClock', () => {
  test('advance fires due timers in due order, each at its own time, and leaves later ones armed', async () => {
    const clock = new FakeClock();
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['c', clock.now() - FAKE_CLOCK_START]), 300);
    clock.setTimeout(() => fired.push(['a', clock.now() - FAKE_CLOCK_START]), 100);
    clock.setTimeout(() => fired.push(['b', clock.now() - FAKE_CLOCK_START]), 100);
    clock.setTimeout(() => fired.push(['late', clock.now() - FAKE_CLOCK_START]), 1_000);
    await clock.advance(500);
    assert.deepEqual(fired, [['a', 100], ['b', 100], ['c', 300]]);
    assert.equal(clock.now(), FAKE_CLOCK_START + 500);
    assert.equal(clock.pendingTimers, 1);
    assert.equal(clock.nextDueAt(), FAKE_CLOCK_START + 1_000);
  });

  test('timers armed by async continuations inside the window fire in the same advance', async () => {
    const clock = new FakeClock();
    const wokeAt: number[] = [];
    const loop = (async () => {
      for (let index = 0; index < 3; index++) {
        await clock.sleep(100);
        wokeAt.push(clock.now() - FAKE_CLOCK_START);
      }
    })();
    await clock.advance(1_000);
    await loop;
    assert.deepEqual(wokeAt, [100, 200, 300]);
  });

  test('a cancelled timer never fires', async () => {
    const clock = new FakeClock();
    let fired = false;
    const timer = clock.setTimeout(() => (fired = true), 10);
    timer.cancel();
    await clock.advance(100);
    assert.equal(fired, false);
    assert.equal(clock.pendingTimers, 0);
  });

  test('sleep rejects with the signal reason when aborted, and at once when already aborted', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    controller.abort(new Error('stop now'));
    await assert.rejects(sleeping, /stop now/);
    assert.equal(clock.pendingTimers, 0);
    await assert.rejects(clock.sleep(10, AbortSignal.abort()), { name: 'AbortError' });
  });

  test('a deadline aborts with TimeoutError when its time is up, and never once cancelled', async () => {
    const clock = new FakeClock();
    const first = deadline(clock, 50);
    await clock.advance(49);
    assert.equal(first.signal.aborted, false);
    await clock.advance(1);
    assert.equal(first.signal.aborted, true);
    assert.equal((first.signal.reason as DOMException).name, 'TimeoutError');
    const second = deadline(clock, 50);
    second.cancel();
    await clock.advance(100);
    assert.equal(second.signal.aborted, false);
  });

  test('refuses to move backwards', async () => {
    await assert.rejects(new FakeClock().advance(-1), RangeError);
  });
});
