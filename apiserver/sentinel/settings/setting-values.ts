// The checks every way of setting a global setting shares (a REST body, an imported backup, a SENTINEL_* environment
// variable): each parser returns the value as it is stored in Settings or throws a SettingValueError whose message
// says what is expected, without the field name (the caller knows which field or variable it was).
import { formatDuration, parseDuration } from '../../../schemas/duration.ts';
import { parseCron } from '../../../schemas/cron.ts';
import { parseMaintenanceWindow } from '../../../schemas/maintenance-window.ts';

export class SettingValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingValueError';
  }
}

export interface DurationRange {
  /** Milliseconds; inclusive. */
  min: number;
  max?: number;
  /** Accept the day unit (`3d`), as Sentinel's delay does. Default false (Go's time.ParseDuration). */
  days?: boolean;
}

/** A Go duration within a range, normalised to Go's own spelling (`4h` → `4h0m0s`), as Sentinel echoes and stores it. */
export function durationValue(text: string, range: DurationRange): string {
  let ms: number;
  try {
    ms = parseDuration(text, { days: range.days ?? false });
  } catch (error) {
    throw new SettingValueError(error instanceof Error ? error.message : String(error));
  }
  const bounds = range.max === undefined ? `at least ${formatDuration(range.min)}` : `between ${formatDuration(range.min)} and ${formatDuration(range.max)}`;
  if (ms < range.min || (range.max !== undefined && ms > range.max)) {
    throw new SettingValueError(`must be ${bounds} (got ${JSON.stringify(text)})`);
  }
  return formatDuration(ms);
}

/** The text form of booleans Go's strconv.ParseBool accepts (environment variables and imported backups). */
export function booleanText(text: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  throw new SettingValueError(`must be true or false (got ${JSON.stringify(text)})`);
}

export function integerText(text: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(text.trim())) throw new SettingValueError(`must be a whole number from ${min} to ${max} (got ${JSON.stringify(text)})`);
  return integerValue(Number(text.trim()), min, max);
}

export function integerValue(value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new SettingValueError(`must be a whole number from ${min} to ${max} (got ${value})`);
  return value;
}

export function enumValue<T extends string>(text: string, allowed: readonly T[]): T {
  const found = allowed.find((value) => value === text);
  if (found === undefined) throw new SettingValueError(`must be one of ${allowed.map((value) => JSON.stringify(value)).join(', ')} (got ${JSON.stringify(text)})`);
  return found;
}

/** A 5-field cron expression (schemas/cron.ts), normalised to single spaces. */
export function cronValue(text: string): string {
  try {
    return parseCron(text).expression;
  } catch (error) {
    throw new SettingValueError(`invalid cron expression ${JSON.stringify(text)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Sentinel's maintenance window syntax (schemas/maintenance-window.ts). */
export function maintenanceWindowValue(text: string): string {
  try {
    parseMaintenanceWindow(text);
  } catch (error) {
    throw new SettingValueError(`invalid maintenance window: ${error instanceof Error ? error.message : String(error)}`);
  }
  return text.trim();
}

/** HH:MM, 00:00 to 23:59 (the digest's first send time). */
export function timeOfDayValue(text: string): string {
  if (!/^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(text)) throw new SettingValueError(`must be a time of day HH:MM, e.g. "09:00" (got ${JSON.stringify(text)})`);
  return text;
}

/**
 * A list stored as text: a JSON array of strings, or items separated by newlines or commas (Sentinel stores its scan
 * filters one per line). Empty items are dropped.
 */
export function listText(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new SettingValueError(`must be a JSON array of strings or a list separated by newlines or commas (got ${JSON.stringify(text)})`);
    }
    if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw new SettingValueError('must be a JSON array of strings');
    return stringList(parsed);
  }
  return stringList(trimmed.split(/[\n,]/));
}

/** Items trimmed, empty ones dropped, duplicates removed (first kept). */
export function stringList(items: readonly string[]): string[] {
  return [...new Set(items.map((item) => item.trim()).filter((item) => item !== ''))];
}
