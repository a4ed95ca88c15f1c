// The digest schedule in local time. Most cases run with TZ=UTC so the expected instants read as written; the DST cases
// switch to Europe/Berlin (Node applies a change of process.env.TZ at once).
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { digestSchedule, slotAfter } from '../../../controllers/notifications/pipeline/digest-schedule.ts';

const HOUR = 3_600_000;
const previousZone = process.env.TZ;

function useZone(zone: string): void {
  process.env.TZ = zone;
}

/** The slots after `from`, each taken as the last digest of the next: what a controller sending on time produces. */
function series(from: string, time: string, intervalMs: number, count: number): string[] {
  const slots: string[] = [];
  let last = new Date(from);
  for (let i = 0; i < count; i++) {
    last = slotAfter(last, time, intervalMs);
    slots.push(last.toISOString());
  }
  return slots;
}

function dueAt(input: { enabled?: boolean; time?: string; interval?: string; lastDigest?: string; since?: string; now: string }): string | undefined {
  const schedule = digestSchedule({
    digest: { enabled: input.enabled ?? true, ...(input.time === undefined ? {} : { time: input.time }), ...(input.interval === undefined ? {} : { interval: input.interval }) },
    lastDigest: input.lastDigest,
    since: new Date(input.since ?? input.now),
    now: new Date(input.now),
  });
  return schedule.enabled ? schedule.dueAt.toISOString() : undefined;
}

beforeEach(() => useZone('UTC'));
afterEach(() => {
  if (previousZone === undefined) delete process.env.TZ;
  else process.env.TZ = previousZone;
});

describe('digest slots', () => {
  it('1h: every hour on the hour of `time`, 24 a day', () => {
    const slots = series('2026-03-10T08:30:00Z', '08:15', HOUR, 25);
    assert.equal(slots[0], '2026-03-10T09:15:00.000Z');
    assert.equal(slots[1], '2026-03-10T10:15:00.000Z');
    assert.equal(slots[24], '2026-03-11T09:15:00.000Z');
    assert.equal(new Set(slots).size, 25);
  });

  it('6h anchored at 08:00: 08:00, 14:00, 20:00, 02:00, then 08:00 again (not every minute as Sentinel)', () => {
    assert.deepEqual(series('2026-03-10T07:00:00Z', '08:00', 6 * HOUR, 6), [
      '2026-03-10T08:00:00.000Z', '2026-03-10T14:00:00.000Z', '2026-03-10T20:00:00.000Z',
      '2026-03-11T02:00:00.000Z', '2026-03-11T08:00:00.000Z', '2026-03-11T14:00:00.000Z',
    ]);
  });

  it('an interval that does not divide a day starts again at `time` every day (5h: 08, 13, 18, 23, 04, 08)', () => {
    assert.deepEqual(series('2026-03-10T07:00:00Z', '08:00', 5 * HOUR, 7), [
      '2026-03-10T08:00:00.000Z', '2026-03-10T13:00:00.000Z', '2026-03-10T18:00:00.000Z', '2026-03-10T23:00:00.000Z',
      '2026-03-11T04:00:00.000Z', '2026-03-11T08:00:00.000Z', '2026-03-11T13:00:00.000Z',
    ]);
  });

  it('24h: once a day at `time`', () => {
    assert.deepEqual(series('2026-03-10T09:00:00Z', '09:00', 24 * HOUR, 3), [
      '2026-03-11T09:00:00.000Z', '2026-03-12T09:00:00.000Z', '2026-03-13T09:00:00.000Z',
    ]);
  });

  it('3d: every third day at `time`, on the same days whatever the starting point', () => {
    const fromMonday = series('2026-03-09T00:00:00Z', '07:30', 72 * HOUR, 3);
    const fromWednesday = series('2026-03-11T00:00:00Z', '07:30', 72 * HOUR, 2);
    for (const slot of [...fromMonday, ...fromWednesday]) assert.match(slot, /T07:30:00\.000Z$/);
    assert.equal(Date.parse(fromMonday[1] ?? '') - Date.parse(fromMonday[0] ?? ''), 72 * HOUR);
    // The series is fixed: a later start lands on one of the same slots.
    assert.ok(fromMonday.includes(fromWednesday[0] ?? ''), `${fromWednesday[0]} in ${fromMonday.join(', ')}`);
  });

  it('7d (168h): every Monday at `time`', () => {
    const slots = series('2026-03-11T12:00:00Z', '09:00', 168 * HOUR, 3);
    assert.deepEqual(slots, ['2026-03-16T09:00:00.000Z', '2026-03-23T09:00:00.000Z', '2026-03-30T09:00:00.000Z']);
    for (const slot of slots) assert.equal(new Date(slot).getUTCDay(), 1);
  });

  it('a slot is strictly after the given instant: a digest sent at 08:00 exactly is next due at 14:00', () => {
    assert.equal(slotAfter(new Date('2026-03-10T08:00:00Z'), '08:00', 6 * HOUR).toISOString(), '2026-03-10T14:00:00.000Z');
  });

  it('before `time` on a day, the previous day\'s series continues (6h at 08:00, 05:00 → 08:00; 01:00 → 02:00)', () => {
    assert.equal(slotAfter(new Date('2026-03-10T05:00:00Z'), '08:00', 6 * HOUR).toISOString(), '2026-03-10T08:00:00.000Z');
    assert.equal(slotAfter(new Date('2026-03-10T01:00:00Z'), '08:00', 6 * HOUR).toISOString(), '2026-03-10T02:00:00.000Z');
  });

  it('in a time zone with DST, slots keep their local time of day across the change', () => {
    useZone('Europe/Berlin');
    // Berlin moves from UTC+1 to UTC+2 on 2026-03-29 at 02:00 local.
    const daily = series('2026-03-27T12:00:00Z', '09:00', 24 * HOUR, 4);
    assert.deepEqual(daily, ['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z', '2026-03-31T07:00:00.000Z']);
    const sixHourly = series('2026-03-28T12:00:00Z', '08:00', 6 * HOUR, 5).map((slot) => new Date(slot).getHours());
    // 02:00 does not exist that night: that slot comes at 03:00, the first local time after the gap; 08:00 stays 08:00.
    assert.deepEqual(sixHourly, [14, 20, 3, 8, 14]);
    // Back to UTC+1 on 2026-10-25 at 03:00 local: the repeated hour sends nothing twice and 08:00 stays 08:00.
    const autumn = series('2026-10-24T10:00:00Z', '08:00', 6 * HOUR, 5).map((slot) => new Date(slot).getHours());
    assert.deepEqual(autumn, [14, 20, 2, 8, 14]);
  });
});

describe('digestSchedule', () => {
  it('disabled (or absent) means no schedule', () => {
    assert.equal(dueAt({ enabled: false, now: '2026-03-10T10:00:00Z' }), undefined);
    assert.deepEqual(digestSchedule({ digest: undefined, lastDigest: undefined, since: new Date(0), now: new Date(0) }), { enabled: false });
  });

  it('defaults to 09:00 every 24h', () => {
    assert.equal(dueAt({ lastDigest: '2026-03-10T09:00:00Z', now: '2026-03-10T10:00:00Z' }), '2026-03-11T09:00:00.000Z');
  });

  it('reads the stored Go duration form of the interval (12h0m0s)', () => {
    assert.equal(dueAt({ time: '07:00', interval: '12h0m0s', lastDigest: '2026-03-10T07:00:00Z', now: '2026-03-10T08:00:00Z' }), '2026-03-10T19:00:00.000Z');
  });

  it('never sent: due at the first slot after the controller started, not at once', () => {
    assert.equal(dueAt({ time: '08:00', interval: '6h', since: '2026-03-10T15:00:00Z', now: '2026-03-10T15:00:00Z' }), '2026-03-10T20:00:00.000Z');
  });

  it('a digest missed while the server was down is due now, once; after it is sent the series goes on from now', () => {
    // Last sent Monday 08:00; the server was down until Wednesday 11:37: eight 6h slots were missed.
    const due = dueAt({ time: '08:00', interval: '6h', lastDigest: '2026-03-09T08:00:00Z', since: '2026-03-11T11:37:00Z', now: '2026-03-11T11:37:00Z' });
    assert.equal(due, '2026-03-09T14:00:00.000Z');
    assert.ok(Date.parse(due ?? '') <= Date.parse('2026-03-11T11:37:00Z'), 'due now');
    // Sent at 11:37: the next one is the 14:00 slot, not the missed ones one after another.
    assert.equal(dueAt({ time: '08:00', interval: '6h', lastDigest: '2026-03-11T11:37:00Z', now: '2026-03-11T11:38:00Z' }), '2026-03-11T14:00:00.000Z');
  });

  it('a clock that jumps forward a week sends one digest, then keeps to the series', () => {
    const now = '2026-03-17T10:00:00Z';
    const due = dueAt({ time: '09:00', interval: '1h', lastDigest: '2026-03-10T09:00:00Z', now });
    assert.ok(Date.parse(due ?? '') <= Date.parse(now));
    assert.equal(dueAt({ time: '09:00', interval: '1h', lastDigest: now, now }), '2026-03-17T11:00:00.000Z');
  });

  it('a clock set back a little does not send the same slot twice', () => {
    assert.equal(dueAt({ time: '08:00', interval: '6h', lastDigest: '2026-03-10T08:00:00Z', now: '2026-03-10T07:50:00Z' }), '2026-03-10T14:00:00.000Z');
  });

  it('a last digest far in the future (a wrong clock then) does not silence the digest until then', () => {
    assert.equal(dueAt({ time: '08:00', interval: '24h', lastDigest: '2030-01-01T08:00:00Z', now: '2026-03-10T10:00:00Z' }), '2026-03-11T08:00:00.000Z');
  });

  it('a manual digest (trigger) does not move the series: the next scheduled one keeps its slot', () => {
    assert.equal(dueAt({ time: '08:00', interval: '6h', lastDigest: '2026-03-10T12:47:00Z', now: '2026-03-10T12:48:00Z' }), '2026-03-10T14:00:00.000Z');
  });

  it('an unreadable last digest counts as none', () => {
    assert.equal(dueAt({ time: '08:00', interval: '24h', lastDigest: 'yesterday', since: '2026-03-10T09:00:00Z', now: '2026-03-10T09:00:00Z' }), '2026-03-11T08:00:00.000Z');
  });
});
