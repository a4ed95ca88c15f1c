// The 5-field cron syntax Sentinel accepts (robfig/cron's standard parser): minute hour day-of-month month
// day-of-week, with `*`, `?`, values, ranges, steps, lists and English month/weekday names. Parsing and
// scheduling are croner's (a maintained, dependency-free cron library); this module pins the dialect
// (exactly five fields, minute precision, day-of-month OR day-of-week as in Vixie cron and robfig/cron)
// so that validation and the scheduler agree.
import { Cron } from 'croner';

/** A parsed schedule. Evaluated in the server's local time, as Sentinel evaluates it. */
export interface CronSchedule {
  readonly expression: string;
  readonly cron: Cron;
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  // robfig/cron's day-of-week is 0-6; croner would also take 7 for Sunday, which Sentinel refuses.
  { name: 'day-of-week', min: 0, max: 6 },
] as const;

/**
 * croner's messages for out-of-range values are off by its internal offsets ("Invalid value for day: -1" for a 0);
 * checking the plain numbers first gives users a message naming the field and its range.
 */
function checkRanges(parts: readonly string[]): void {
  FIELDS.forEach((field, index) => {
    for (const item of (parts[index] ?? '').split(',')) {
      const [range = '', step] = item.split('/');
      if (step !== undefined && /^\d+$/.test(step) && Number(step) < 1) throw new Error(`${field.name} field ${JSON.stringify(item)}: step must be at least 1`);
      for (const value of range.split('-')) {
        if (/^\d+$/.test(value) && (Number(value) < field.min || Number(value) > field.max)) {
          throw new Error(`${field.name} value ${value} is out of range ${field.min}-${field.max}`);
        }
      }
    }
  });
}

/** Parses a 5-field cron expression; throws an Error saying what is wrong. */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw new Error(`expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  }
  checkRanges(parts);
  try {
    // domAndDow false: when both day fields are restricted, either one matching is enough (cron's classic rule).
    const cron = new Cron(parts.join(' '), { paused: true, mode: '5-part', domAndDow: false });
    return { expression: parts.join(' '), cron };
  } catch (error) {
    throw new Error(error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error));
  }
}

/** Whether the schedule fires in the minute containing `date`. */
export function cronMatches(schedule: CronSchedule, date: Date): boolean {
  const minute = new Date(date);
  minute.setSeconds(0, 0);
  return schedule.cron.match(minute);
}

/** The first time the schedule fires strictly after `after`, or undefined if never. */
export function nextCronRun(schedule: CronSchedule, after: Date): Date | undefined {
  return schedule.cron.nextRun(after) ?? undefined;
}
