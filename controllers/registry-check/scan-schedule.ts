// When scans are due, from Settings and what the last scan recorded. Pure functions of the time: the scheduler
// reads the clock once per pass and hands it here, so that fake-clock tests step exactly through these rules.
//  - Settings `schedule` (cron, server local time) replaces `pollInterval` (default 6h).
//  - The first scan ever runs at once; after a restart or a change of leader, the next one is due from the last
//    recorded scan (`status.lastScan`), so a missed scan runs at once and none runs twice.
//  - `paused` stops scheduled scans and per-container schedules; requested scans and checks still run.
//  - A container with its own schedule (effective `schedule`, label `sentinel.schedule`) is checked only when that
//    schedule fired since its last check (or when it was never checked), never by the global scan.
import { parseCron, nextCronRun, type CronSchedule } from '../../schemas/cron.ts';
import { parseDuration } from '../../schemas/duration.ts';
import type { SettingsSpec, SettingsStatus } from '../../schemas/generated/types.ts';

export const DEFAULT_POLL_INTERVAL_MS = 6 * 3600_000;

export interface ScanTiming {
  intervalMs: number;
  cron: CronSchedule | undefined;
  paused: boolean;
}

export function scanTiming(spec: SettingsSpec | undefined): ScanTiming {
  let intervalMs = DEFAULT_POLL_INTERVAL_MS;
  if (spec?.pollInterval !== undefined) {
    try {
      intervalMs = parseDuration(spec.pollInterval);
    } catch {
      // The schema validated it; a value that still fails keeps the default rather than stopping scans.
    }
  }
  return { intervalMs, cron: spec?.schedule === undefined ? undefined : parseCronOrUndefined(spec.schedule), paused: spec?.paused === true };
}

/** When the next scheduled scan is due (epoch ms): now when never scanned; undefined while paused. */
export function nextScanAt(timing: ScanTiming, lastScan: number | undefined, now: number): number | undefined {
  if (timing.paused) return undefined;
  if (lastScan === undefined) return now;
  if (timing.cron !== undefined) return nextCronRun(timing.cron, new Date(lastScan))?.getTime();
  return lastScan + timing.intervalMs;
}

/** When a container with its own schedule is next due: the schedule's first firing after its last check; now if never checked. */
export function containerDueAt(schedule: CronSchedule, lastChecked: number | undefined, now: number): number | undefined {
  if (lastChecked === undefined) return now;
  return nextCronRun(schedule, new Date(lastChecked))?.getTime();
}

/** The requestedAt of a pending Settings `spec.scan` request, if there is one. */
export function pendingScanRequest(spec: SettingsSpec | undefined, status: SettingsStatus | undefined): string | undefined {
  const requestedAt = spec?.scan?.requestedAt;
  if (requestedAt === undefined) return undefined;
  const handled = status?.handledRequests?.scan;
  return handled === undefined || Date.parse(requestedAt) > Date.parse(handled) ? requestedAt : undefined;
}

/** Epoch ms of an RFC 3339 time, or undefined. */
export function parseInstant(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

const cronCache = new Map<string, CronSchedule | undefined>();

/** A cron expression parsed once (per expression, bounded cache); undefined when it does not parse. */
export function parseCronOrUndefined(expression: string): CronSchedule | undefined {
  if (cronCache.has(expression)) return cronCache.get(expression);
  let schedule: CronSchedule | undefined;
  try {
    schedule = parseCron(expression);
  } catch {
    schedule = undefined;
  }
  if (cronCache.size >= 1000) cronCache.clear();
  cronCache.set(expression, schedule);
  return schedule;
}
