import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerResourceName } from '../../../schemas/container-name.ts';
import { cronMatches, nextCronRun, parseCron } from '../../../schemas/cron.ts';
import { formatDuration, isDuration, parseDuration } from '../../../schemas/duration.ts';
import { inMaintenanceWindow, parseMaintenanceWindow } from '../../../schemas/maintenance-window.ts';
import { compileTagRegex } from '../../../schemas/tag-regex.ts';

describe('parseDuration', () => {
  it('reads Go durations into milliseconds', () => {
    assert.equal(parseDuration('45s'), 45_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('0s'), 0);
    assert.equal(parseDuration('250us'), 0.25);
  });

  it('reads days', () => {
    assert.equal(parseDuration('3d'), 3 * 86_400_000);
    assert.equal(parseDuration('1d12h'), 36 * 3_600_000);
  });

  it('refuses days when asked to', () => {
    assert.throws(() => parseDuration('3d', { days: false }), /the unit "d" is not accepted here/);
  });

  it('explains what is wrong with bad input', () => {
    assert.throws(() => parseDuration('5 minutes'), /^Error: invalid duration "5 minutes": unexpected "5 minutes" \(expected e\.g\. "45s", "1h30m" or "3d"\)$/);
    assert.throws(() => parseDuration('1h5x'), /unexpected "5x"/);
    assert.throws(() => parseDuration(''), /empty/);
    assert.throws(() => parseDuration('-1s'), /invalid duration/);
    assert.throws(() => parseDuration('10'), /invalid duration/);
    assert.equal(isDuration('1w'), false);
  });
});

describe('formatDuration', () => {
  it('formats like Go time.Duration.String', () => {
    assert.equal(formatDuration(4 * 3_600_000), '4h0m0s');
    assert.equal(formatDuration(90_000), '1m30s');
    assert.equal(formatDuration(45_000), '45s');
    assert.equal(formatDuration(1_500), '1.5s');
    assert.equal(formatDuration(500), '500ms');
    assert.equal(formatDuration(0.25), '250µs');
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(3 * 86_400_000), '72h0m0s');
  });

  it('round-trips through parseDuration', () => {
    for (const text of ['6h', '30s', '1h30m', '10m', '24h']) {
      assert.equal(parseDuration(formatDuration(parseDuration(text))), parseDuration(text));
    }
  });
});

describe('parseCron', () => {
  it('accepts ranges, lists, steps and names', () => {
    const schedule = parseCron('*/15 9-17 * jan,jul mon-fri');
    // 2025-01-15 is a Wednesday in January; 2025-02-12 a Wednesday in February.
    assert.equal(cronMatches(schedule, new Date(2025, 0, 15, 9, 45)), true);
    assert.equal(cronMatches(schedule, new Date(2025, 0, 15, 9, 46)), false);
    assert.equal(cronMatches(schedule, new Date(2025, 0, 15, 18, 0)), false);
    assert.equal(cronMatches(schedule, new Date(2025, 1, 12, 9, 15)), false);
    assert.equal(cronMatches(schedule, new Date(2025, 0, 18, 9, 15)), false, 'a Saturday');
  });

  it('finds the next run strictly after a time', () => {
    assert.deepEqual(nextCronRun(parseCron('0 3 * * *'), new Date(2025, 0, 15, 3, 0)), new Date(2025, 0, 16, 3, 0));
    assert.deepEqual(nextCronRun(parseCron('30 22 * * fri'), new Date(2025, 0, 15, 12, 0)), new Date(2025, 0, 17, 22, 30));
  });

  it('names the field that is out of range', () => {
    assert.throws(() => parseCron('60 * * * *'), /minute value 60 is out of range 0-59/);
    assert.throws(() => parseCron('* * 0 * *'), /day-of-month value 0 is out of range 1-31/);
    assert.throws(() => parseCron('* * * * 7'), /day-of-week value 7 is out of range 0-6/);
    assert.throws(() => parseCron('@daily'), /expected 5 fields/);
    assert.throws(() => parseCron('*/0 * * * *'), /step must be at least 1/);
  });

  it('matches a minute in local time, OR-ing day-of-month and day-of-week when both are set', () => {
    assert.equal(cronMatches(parseCron('0 3 * * *'), new Date(2025, 0, 15, 3, 0)), true);
    assert.equal(cronMatches(parseCron('0 3 * * *'), new Date(2025, 0, 15, 3, 1)), false);
    // 2025-01-15 is a Wednesday: day 1 or Wednesday matches.
    assert.equal(cronMatches(parseCron('0 3 1 * wed'), new Date(2025, 0, 15, 3, 0)), true);
    assert.equal(cronMatches(parseCron('0 3 1 * *'), new Date(2025, 0, 15, 3, 0)), false);
  });
});

describe('maintenance windows', () => {
  it('parses the three Sentinel forms joined by semicolons', () => {
    assert.deepEqual(parseMaintenanceWindow('02:00-05:00; Sat 22:00-Mon 06:00; Sunday 01:00-03:30'), [
      { startMinute: 120, endMinute: 300 },
      { startDay: 6, startMinute: 1320, endDay: 1, endMinute: 360 },
      { startDay: 0, startMinute: 60, endDay: 0, endMinute: 210 },
    ]);
  });

  it('says what is wrong', () => {
    assert.throws(() => parseMaintenanceWindow('25:00-26:00'), /is not a time of day/);
    assert.throws(() => parseMaintenanceWindow('Fun 01:00-02:00'), /"Fun" is not an English day name/);
    assert.throws(() => parseMaintenanceWindow('01:00-Mon 02:00'), /an end day needs a start day/);
    assert.throws(() => parseMaintenanceWindow(''), /no window given/);
  });

  it('includes the days inside a window that spans the weekend (Sentinel misses them)', () => {
    const windows = parseMaintenanceWindow('Fri 22:00-Mon 06:00');
    assert.equal(inMaintenanceWindow(windows, new Date(2025, 0, 18, 12, 0)), true); // Saturday noon
    assert.equal(inMaintenanceWindow(windows, new Date(2025, 0, 19, 12, 0)), true); // Sunday noon
    assert.equal(inMaintenanceWindow(windows, new Date(2025, 0, 20, 6, 0)), false); // Monday 06:00, end exclusive
    assert.equal(inMaintenanceWindow(windows, new Date(2025, 0, 17, 21, 59)), false); // Friday before
  });

  it('wraps daily windows across midnight', () => {
    const windows = parseMaintenanceWindow('23:00-01:00');
    assert.equal(inMaintenanceWindow(windows, new Date(2025, 0, 15, 0, 30)), true);
    assert.equal(inMaintenanceWindow(windows, new Date(2025, 0, 15, 1, 0)), false);
  });
});

describe('compileTagRegex', () => {
  it('turns the RE2 leading flag group into a JavaScript flag', () => {
    assert.equal(compileTagRegex('(?i)^RC').test('rc1'), true);
  });

  it('refuses JavaScript-only syntax', () => {
    assert.throws(() => compileTagRegex('(?!alpine)'), /look-around/);
    assert.throws(() => compileTagRegex('(a)\\1'), /back-references/);
  });
});

describe('containerResourceName', () => {
  it('keeps a Docker name that is already a valid resource name', () => {
    assert.equal(containerResourceName('nginx'), 'nginx');
    assert.equal(containerResourceName('/web-1.app'), 'web-1.app');
  });

  it('lowercases, replaces invalid characters and appends a hash of the exact Docker name', () => {
    assert.equal(containerResourceName('My_App'), 'my-app-0e86b84b');
    assert.equal(containerResourceName('/My_App'), 'my-app-0e86b84b');
    assert.notEqual(containerResourceName('my_app'), containerResourceName('My_App'));
    assert.match(containerResourceName('_x..y_'), /^x-y-[0-9a-f]{8}$/);
  });

  it('stays within 253 characters', () => {
    assert.ok(containerResourceName(`A${'b'.repeat(300)}`).length <= 253);
  });
});
