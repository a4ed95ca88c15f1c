// The 5-field cron syntax Sentinel accepts (robfig/cron's standard parser): minute hour day-of-month month
// day-of-week, each field `*`, `?`, a value, a range `a-b`, a step `*/n` or `a-b/n` or `a/n`, or a comma list;
// months and weekdays also by English three-letter name. Parsing lives here so validation and the scheduler agree.

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Names accepted instead of numbers; names[i] means the value nameBase + i. */
  names?: readonly string[];
  nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], nameBase: 1 },
  { name: 'day-of-week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], nameBase: 0 },
];

/** The values each field allows, in field order: minutes, hours, days of month, months (1-12), weekdays (0 = Sunday). */
export interface CronSchedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
  /** Day-of-month and day-of-week were both restricted: cron then matches when either matches. */
  dayOr: boolean;
}

/** Parses a 5-field cron expression; throws an Error naming the offending field. */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw new Error(`expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  }
  const sets = FIELDS.map((field, index) => parseField(parts[index] ?? '', field));
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const restricted = (text: string | undefined): boolean => text !== '*' && text !== '?';
  return { minutes, hours, daysOfMonth, months, daysOfWeek, dayOr: restricted(parts[2]) && restricted(parts[4]) };
}

function parseField(text: string, field: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range = '', stepText, extra] = item.split('/');
    if (extra !== undefined) throw new Error(`${field.name} field ${JSON.stringify(item)}: more than one "/"`);
    const step = stepText === undefined ? 1 : parseNumber(stepText, field, 'step');
    if (step < 1) throw new Error(`${field.name} field ${JSON.stringify(item)}: step must be at least 1`);
    let low: number;
    let high: number;
    if (range === '*' || range === '?') {
      low = field.min;
      high = field.max;
    } else if (range.includes('-')) {
      const [from = '', to = ''] = range.split('-', 2);
      low = parseValue(from, field);
      high = parseValue(to, field);
      if (low > high) throw new Error(`${field.name} field ${JSON.stringify(item)}: range start is after its end`);
    } else {
      low = parseValue(range, field);
      // "a/n" means from a to the end of the field, stepping by n.
      high = stepText === undefined ? low : field.max;
    }
    for (let value = low; value <= high; value += step) values.add(value);
  }
  return values;
}

function parseValue(text: string, field: FieldSpec): number {
  const byName = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (byName >= 0) return byName + (field.nameBase ?? 0);
  const value = parseNumber(text, field, 'value');
  if (value < field.min || value > field.max) {
    throw new Error(`${field.name} value ${value} is out of range ${field.min}-${field.max}`);
  }
  return value;
}

function parseNumber(text: string, field: FieldSpec, what: string): number {
  if (!/^[0-9]+$/.test(text)) throw new Error(`${field.name} ${what} ${JSON.stringify(text)} is not a number`);
  return Number(text);
}

/** Whether the schedule fires in the minute containing `date` (local time, as Sentinel evaluates it). */
export function cronMatches(schedule: CronSchedule, date: Date): boolean {
  if (!schedule.minutes.has(date.getMinutes()) || !schedule.hours.has(date.getHours())) return false;
  if (!schedule.months.has(date.getMonth() + 1)) return false;
  const dom = schedule.daysOfMonth.has(date.getDate());
  const dow = schedule.daysOfWeek.has(date.getDay());
  return schedule.dayOr ? dom || dow : dom && dow;
}
