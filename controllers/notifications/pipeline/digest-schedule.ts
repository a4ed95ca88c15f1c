// When the digest is due (Settings spec.digest, status.lastDigest). Sentinel adds one interval to today's anchor and
// clamps a negative delay to one minute, so with an interval under 24 h it sends every minute once anchor+interval has
// passed (about 540 digests a day for 09:00/6h). Here the digest is a fixed series of slots anchored at `time`, in the
// server's local time zone (as the schema says and Sentinel does), and the schedule is a pure function of the last
// digest: a restart, or a clock that jumps, cannot multiply digests.
//
// The slots, computed on the local wall clock (so a DST change moves no slot off its time of day):
// - interval under 24 h: every day starts again at `time`, then one slot per interval until the next day's `time`
//   (08:00 with 6h: 08:00, 14:00, 20:00, 02:00; 08:00 with 5h: 08:00, 13:00, 18:00, 23:00, 04:00).
// - interval of 24 h or more: `time` plus whole multiples of the interval counted from Monday 1970-01-05 at `time`, so
//   a 7-day digest comes on Mondays and a 3-day one on the same days whatever restarts happened.
// The digest is due at the first slot after the last digest; when that is already past (the server was down, the clock
// jumped forward) it is due now, once: after it is sent the next slot is the first one after now.
import type { SettingsSpec } from '../../../schemas/generated/types.ts';
import { parseDuration } from '../../../schemas/duration.ts';

const DAY_MS = 86_400_000;
const DEFAULT_TIME = '09:00';
const DEFAULT_INTERVAL = '24h';
/** The series of slots of intervals of a day or more starts here (a Monday), at `time`. */
const SERIES_ORIGIN = { year: 1970, month: 0, day: 5 };

export interface DigestScheduleInput {
  digest: SettingsSpec['digest'];
  /** Settings status.lastDigest: when the last digest (scheduled or requested) was sent. */
  lastDigest: string | undefined;
  /** When the controller started watching; the reference while no digest was ever sent (so enabling sends none at once). */
  since: Date;
  now: Date;
}

export type DigestSchedule =
  | { enabled: false }
  /** dueAt ≤ now: send now. Otherwise wait until dueAt. */
  | { enabled: true; dueAt: Date };

/** Milliseconds on the local wall clock, as if local time were UTC: the line the slots are laid out on. */
function wallOf(instant: Date): number {
  return Date.UTC(instant.getFullYear(), instant.getMonth(), instant.getDate(), instant.getHours(), instant.getMinutes(), instant.getSeconds(), instant.getMilliseconds());
}

/** The instant a wall-clock time means (a time skipped by DST moves forward, as Date does). */
function instantOf(wall: number): Date {
  const w = new Date(wall);
  return new Date(w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes(), w.getUTCSeconds(), w.getUTCMilliseconds());
}

function timeOfDayMs(time: string): number {
  const match = /^([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(time);
  if (match === null) throw new RangeError(`digest time must be HH:MM, got ${JSON.stringify(time)}`);
  return (Number(match[1]) * 60 + Number(match[2])) * 60_000;
}

/** The first slot strictly after the wall-clock time `wall`. */
function wallSlotAfter(wall: number, origin: number, interval: number): number {
  if (interval >= DAY_MS) return origin + (Math.floor((wall - origin) / interval) + 1) * interval;
  const dayAnchor = origin + Math.floor((wall - origin) / DAY_MS) * DAY_MS;
  const candidate = dayAnchor + (Math.floor((wall - dayAnchor) / interval) + 1) * interval;
  return candidate >= dayAnchor + DAY_MS ? dayAnchor + DAY_MS : candidate;
}

/** The first digest slot strictly after `instant`. */
export function slotAfter(instant: Date, time: string, intervalMs: number): Date {
  const origin = Date.UTC(SERIES_ORIGIN.year, SERIES_ORIGIN.month, SERIES_ORIGIN.day) + timeOfDayMs(time);
  let wall = wallOf(instant);
  // In the hour a DST change repeats, a wall-clock slot can name an instant before `instant`: take the one after it.
  for (;;) {
    wall = wallSlotAfter(wall, origin, intervalMs);
    const slot = instantOf(wall);
    if (slot.getTime() > instant.getTime()) return slot;
  }
}

export function digestSchedule(input: DigestScheduleInput): DigestSchedule {
  const digest = input.digest;
  if (digest?.enabled !== true) return { enabled: false };
  const intervalMs = parseDuration(digest.interval ?? DEFAULT_INTERVAL);
  const time = digest.time ?? DEFAULT_TIME;
  const last = input.lastDigest === undefined ? Number.NaN : Date.parse(input.lastDigest);
  let reference = Number.isNaN(last) ? input.since : new Date(last);
  // A last digest more than one interval ahead of the clock means the clock was wrong then (or is now): trusting it
  // would silence the digest until the clock catches up. Within one interval it is honoured, so a small step back of
  // the clock does not send the same slot twice.
  if (reference.getTime() - input.now.getTime() > intervalMs) reference = input.now;
  return { enabled: true, dueAt: slotAfter(reference, time, intervalMs) };
}
