// On-demand informers (web/src/live/on-demand.ts): started by the first user, kept while any user remains, stopped a
// while after the last one leaves unless a new user comes first, and all stopped at once on sign-out.
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { acquire, LINGER_MS, release, stopOnDemand, type Startable } from '../../../web/src/live/on-demand.ts';

class Counted implements Startable {
  running = false;
  starts = 0;
  start(): void {
    if (this.running) return;
    this.running = true;
    this.starts += 1;
  }
  stop(): void {
    this.running = false;
  }
}

describe('on-demand informers', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => {
    stopOnDemand();
    mock.timers.reset();
  });

  test('runs while a user holds it and stops a while after the last user leaves', () => {
    const informer = new Counted();
    acquire(informer);
    acquire(informer);
    assert.equal(informer.running, true);
    release(informer);
    mock.timers.tick(LINGER_MS * 2);
    assert.equal(informer.running, true, 'one user is left');
    release(informer);
    mock.timers.tick(LINGER_MS - 1);
    assert.equal(informer.running, true, 'it lingers');
    mock.timers.tick(1);
    assert.equal(informer.running, false);
  });

  test('a new user within the linger keeps the same watch running (no second start)', () => {
    const informer = new Counted();
    acquire(informer);
    release(informer);
    mock.timers.tick(LINGER_MS - 1);
    acquire(informer);
    mock.timers.tick(LINGER_MS * 2);
    assert.equal(informer.running, true);
    assert.equal(informer.starts, 1);
  });

  test('sign-out stops every on-demand informer at once, users or not', () => {
    const used = new Counted();
    const lingering = new Counted();
    acquire(used);
    acquire(lingering);
    release(lingering);
    stopOnDemand();
    assert.equal(used.running, false);
    assert.equal(lingering.running, false);
    // A page unmounted after sign-out releases what it held: nothing starts again, nothing goes negative.
    release(used);
    acquire(used);
    assert.equal(used.running, true);
    assert.equal(used.starts, 2);
  });
});
