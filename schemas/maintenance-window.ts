// Sentinel's maintenance window syntax: "HH:MM-HH:MM" (daily, may cross midnight), "Day HH:MM-Day HH:MM"
// (a weekly span, may wrap the week) or "Day HH:MM-HH:MM" (one weekday), several joined by ";". End is
// exclusive, times are server local time. Sentinel's own evaluator misses the days inside "Fri 22:00-Mon 06:00";
// here every window is a span of minutes of the week, so the days in between are inside by construction.

const DAYS: Readonly<Record<string, number>> = {
  sun: 0, sunday: 0, mon: 1, monday: 1, tue: 2, tues: 2, tuesday: 2, wed: 3, wednesday: 3,
  thu: 4, thur: 4, thurs: 4, thursday: 4, fri: 5, friday: 5, sat: 6, saturday: 6,
};

const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/** One window. Daily windows have no days; weekly ones have both (a "Day HH:MM-HH:MM" window gets endDay = startDay). */
export interface MaintenanceWindowRange {
  startDay?: number;
  startMinute: number;
  endDay?: number;
  endMinute: number;
}

const WINDOW = /^(?:([A-Za-z]+)\s+)?([0-9]{1,2}):([0-9]{2})\s*-\s*(?:([A-Za-z]+)\s+)?([0-9]{1,2}):([0-9]{2})$/;

/** Parses the whole setting; throws an Error that quotes the offending part. */
export function parseMaintenanceWindow(text: string): MaintenanceWindowRange[] {
  const parts = text.split(';').map((part) => part.trim()).filter((part) => part !== '');
  if (parts.length === 0) throw new Error('no window given (expected e.g. "02:00-05:00" or "Sat 22:00-Sun 06:00")');
  return parts.map(parseOne);
}

function parseOne(part: string): MaintenanceWindowRange {
  const match = WINDOW.exec(part);
  if (match === null) {
    throw new Error(`${JSON.stringify(part)} is not "HH:MM-HH:MM", "Day HH:MM-Day HH:MM" or "Day HH:MM-HH:MM"`);
  }
  const [, startDayText, startHour = '', startMin = '', endDayText, endHour = '', endMin = ''] = match;
  if (startDayText === undefined && endDayText !== undefined) {
    throw new Error(`${JSON.stringify(part)}: an end day needs a start day`);
  }
  const startMinute = minuteOfDay(startHour, startMin, part);
  const endMinute = minuteOfDay(endHour, endMin, part);
  if (startDayText === undefined) {
    if (startMinute === endMinute) throw new Error(`${JSON.stringify(part)}: start and end are equal`);
    return { startMinute, endMinute };
  }
  const startDay = day(startDayText, part);
  const endDay = endDayText === undefined ? startDay : day(endDayText, part);
  if (endDayText === undefined && endMinute <= startMinute) {
    throw new Error(`${JSON.stringify(part)}: the end must be after the start on the same day (name the end day to cross midnight)`);
  }
  if (startDay === endDay && startMinute === endMinute) throw new Error(`${JSON.stringify(part)}: start and end are equal`);
  return { startDay, startMinute, endDay, endMinute };
}

function minuteOfDay(hour: string, minute: string, part: string): number {
  const h = Number(hour);
  const m = Number(minute);
  if (h > 23 || m > 59) throw new Error(`${JSON.stringify(part)}: ${hour}:${minute} is not a time of day`);
  return h * 60 + m;
}

function day(name: string, part: string): number {
  const value = DAYS[name.toLowerCase()];
  if (value === undefined) throw new Error(`${JSON.stringify(part)}: ${JSON.stringify(name)} is not an English day name`);
  return value;
}

/** Whether `date` (local time) falls inside any of the windows. */
export function inMaintenanceWindow(windows: readonly MaintenanceWindowRange[], date: Date): boolean {
  const minuteOfWeek = date.getDay() * MINUTES_PER_DAY + date.getHours() * 60 + date.getMinutes();
  return windows.some((window) => {
    if (window.startDay === undefined || window.endDay === undefined) {
      return within(minuteOfWeek % MINUTES_PER_DAY, window.startMinute, window.endMinute, MINUTES_PER_DAY);
    }
    const start = window.startDay * MINUTES_PER_DAY + window.startMinute;
    const end = window.endDay * MINUTES_PER_DAY + window.endMinute;
    return within(minuteOfWeek, start, end, MINUTES_PER_WEEK);
  });
}

/** [start, end) on a circle of `size` minutes, so spans that cross midnight or the week end wrap. */
function within(value: number, start: number, end: number, size: number): boolean {
  return ((value - start + size) % size) < ((end - start + size) % size);
}

/**
 * When the windows next let an update in, at or after `date`: `date` itself when it is inside one, else the earliest
 * start of a window to come (a window opens only at its start, so the candidates are the starts of the next eight
 * days, built in local time so that a daylight-saving change moves them as it moves the clock on the wall).
 */
export function nextMaintenanceWindowStart(windows: readonly MaintenanceWindowRange[], date: Date): Date {
  if (inMaintenanceWindow(windows, date)) return date;
  let next: Date | undefined;
  for (const window of windows) {
    for (let days = 0; days <= 7; days += 1) {
      const candidate = new Date(date.getFullYear(), date.getMonth(), date.getDate() + days, Math.floor(window.startMinute / 60), window.startMinute % 60);
      if (candidate <= date || (window.startDay !== undefined && candidate.getDay() !== window.startDay)) continue;
      if (next === undefined || candidate < next) next = candidate;
      break;
    }
  }
  // Every window has a start within a week; parseMaintenanceWindow never returns an empty list.
  if (next === undefined) throw new Error('no maintenance window start within a week');
  return next;
}
