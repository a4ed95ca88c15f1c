// When scans run, on a fake clock: the first scan at start, then the poll interval or the cron schedule from Settings,
// requested scans, pause, and containers with their own schedule. The fake registry counts what each scan asks.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nextCronRun, parseCron } from '../../../schemas/cron.ts';
import type { SettingsSpec, UpdateRecord } from '../../../schemas/generated/types.ts';
import { createContainer, eventually, getContainer, getSettings, HOUR, SERVER, seedVersions, startCheckStack, type CheckStack } from './fixtures.ts';

const REPO = 'team/app';
const IMAGE = `${SERVER}/${REPO}:1.0.0`;

describe('scan triggers (fake clock)', () => {
  let stack: CheckStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function start(settings: SettingsSpec | undefined, containers: Array<Parameters<typeof createContainer>[1]> = [{ name: 'app', image: IMAGE }]): Promise<CheckStack> {
    stack = await startCheckStack({
      ...(settings === undefined ? {} : { settings }),
      seed: async (api, registry) => {
        const digests = seedVersions(registry, REPO, ['1.0.0', '1.1.0']);
        for (const container of containers) await createContainer(api, { digest: digests['1.0.0']?.digest, ...container });
      },
    });
    await stack.idle();
    return stack;
  }

  async function lastChecked(name: string): Promise<string | undefined> {
    return (await getContainer(requireStack().api, name)).status?.registryCheck?.lastChecked;
  }

  function requireStack(): CheckStack {
    assert.ok(stack !== undefined);
    return stack;
  }

  test('the first scan runs at start; the next one after the poll interval, not before', async () => {
    const s = await start({ pollInterval: '2h' });
    const t0 = s.clock.now();
    const app = await getContainer(s.api, 'app');
    assert.equal(app.status?.registryCheck?.lastChecked, new Date(t0).toISOString());
    assert.equal(app.status?.registryCheck?.target?.tag, '1.1.0');
    const settings = await getSettings(s.api);
    assert.equal(settings.status?.lastScan, new Date(t0).toISOString().replace('.000', ''));
    assert.equal(settings.status?.nextScan, new Date(t0 + 2 * HOUR).toISOString().replace('.000', ''));
    assert.equal(settings.status?.scanning, false);
    assert.deepEqual(settings.status?.counts, { containers: 1, running: 1, pending: 1 });
    assert.deepEqual(s.registry.requests, { tags: 1, head: 1, get: 0 });

    await s.advance(2 * HOUR - 60_000);
    assert.deepEqual(s.registry.requests, { tags: 1, head: 1, get: 0 }, 'nothing before the interval');
    await s.advance(60_000);
    await eventually('the second scan', async () => (await lastChecked('app')) === new Date(t0 + 2 * HOUR).toISOString());
    assert.deepEqual(s.registry.requests, { tags: 2, head: 2, get: 0 });
  });

  test('a changed poll interval applies to the next scan at once', async () => {
    const s = await start({ pollInterval: '6h' });
    const t0 = s.clock.now();
    await s.api.modify('Settings', undefined, 'default', (current) => ({ ...current, spec: { pollInterval: '30m' } }));
    await eventually('nextScan moved', async () => (await getSettings(s.api)).status?.nextScan === new Date(t0 + 30 * 60_000).toISOString().replace('.000', ''));
    await s.advance(30 * 60_000 - 1000);
    assert.equal(s.registry.requests.head, 1);
    await s.advance(1000);
    await eventually('scanned after 30 minutes', () => s.registry.requests.head === 2);
    // Nothing changed in 30 minutes: the status stays as it was (lastChecked moves at least hourly).
    assert.equal(await lastChecked('app'), new Date(t0).toISOString());
    await eventually('nextScan 30 minutes on', async () => (await getSettings(s.api)).status?.nextScan === new Date(t0 + 60 * 60_000).toISOString().replace('.000', ''));
  });

  test('a cron schedule replaces the interval', async () => {
    const s = await start({ pollInterval: '5m', schedule: '0 */4 * * *' });
    const t0 = s.clock.now();
    const expected = nextCronRun(parseCron('0 */4 * * *'), new Date(t0));
    assert.ok(expected !== undefined);
    assert.equal((await getSettings(s.api)).status?.nextScan, expected.toISOString().replace('.000', ''));
    await s.advance(expected.getTime() - t0 - 1000);
    assert.equal(s.registry.requests.head, 1, 'the 5m interval is not used');
    await s.advance(1000);
    await eventually('scanned at the cron time', async () => (await lastChecked('app')) === expected.toISOString());
  });

  test('paused: no scheduled scans and no nextScan, but a requested scan runs and is recorded as handled', async () => {
    const s = await start({ paused: true });
    assert.equal(s.registry.requests.head, 0, 'paused from the start: no first scan');
    const paused = await getSettings(s.api);
    assert.equal(paused.status?.nextScan, undefined);
    assert.equal(paused.status?.conditions?.find((c) => c.type === 'Scanning')?.reason, 'Paused');
    await s.advance(24 * HOUR);
    assert.equal(s.registry.requests.head, 0);

    const requestedAt = new Date(s.clock.now()).toISOString();
    await s.api.modify('Settings', undefined, 'default', (current) => ({ ...current, spec: { paused: true, scan: { requestedAt, requestedBy: 'admin' } } }));
    const done = await eventually('the requested scan is handled', async () => {
      const settings = await getSettings(s.api);
      return settings.status?.handledRequests?.scan === requestedAt ? settings : undefined;
    });
    assert.equal(done.status?.lastScan, new Date(s.clock.now()).toISOString().replace('.000', ''));
    assert.equal(s.registry.requests.head, 1);
    const records = await s.api.list('UpdateRecord', { namespace: 'vigil-system' });
    assert.equal(records.items.length, 1);
    const record = records.items[0] as unknown as UpdateRecord;
    assert.equal(record.spec.reason, 'Manual');
    assert.equal(record.spec.requestedBy, 'admin');
    assert.deepEqual(record.spec.summary, { checked: 1, updatesAvailable: 1, updated: 0, failed: 0, rateLimited: 0, skipped: 0 });
  });

  test('a container with its own schedule is checked when it fires, and never by the global scan', async () => {
    const s = await start({ pollInterval: '1h' }, [
      { name: 'app', image: IMAGE },
      { name: 'nightly', image: IMAGE, schedule: '30 3 * * *' },
    ]);
    const t0 = s.clock.now();
    // Never checked: due at once.
    assert.equal(await lastChecked('nightly'), new Date(t0).toISOString());
    const firing = nextCronRun(parseCron('30 3 * * *'), new Date(t0));
    assert.ok(firing !== undefined);
    // Global scans every hour until then check only `app`.
    for (let hour = 1; hour * HOUR < firing.getTime() - t0; hour += 1) await s.advance(HOUR);
    await s.idle();
    assert.equal(await lastChecked('nightly'), new Date(t0).toISOString());
    assert.notEqual(await lastChecked('app'), new Date(t0).toISOString());
    await s.advance(firing.getTime() - s.clock.now());
    await eventually('nightly checked at its time', async () => (await lastChecked('nightly')) === firing.toISOString());
  });

  test('a pass with nothing due writes nothing', async () => {
    const s = await start({ pollInterval: '1h' });
    const before = await getSettings(s.api);
    const app = await getContainer(s.api, 'app');
    await s.advance(10 * 60_000);
    s.controllers.scans.enqueue('default');
    await s.idle();
    assert.equal((await getSettings(s.api)).metadata.resourceVersion, before.metadata.resourceVersion);
    assert.equal((await getContainer(s.api, 'app')).metadata.resourceVersion, app.metadata.resourceVersion);
  });

  test('a scan that finds what the last one found writes nothing; a new version is written at once; lastChecked moves hourly', async () => {
    const s = await start({ pollInterval: '5m' });
    const t0 = s.clock.now();
    const first = await getContainer(s.api, 'app');
    await s.advance(5 * 60_000);
    await eventually('second scan', () => s.registry.requests.head === 2);
    await s.idle();
    assert.equal((await getContainer(s.api, 'app')).metadata.resourceVersion, first.metadata.resourceVersion, 'unchanged: not written');

    s.registry.tag(REPO, '1.2.0', s.registry.image('1.2.0').digest);
    await s.advance(5 * 60_000);
    const moved = await eventually('the new version is written', async () => {
      const app = await getContainer(s.api, 'app');
      return app.status?.registryCheck?.target?.tag === '1.2.0' ? app : undefined;
    });
    assert.equal(moved.status?.registryCheck?.lastChecked, new Date(t0 + 10 * 60_000).toISOString());

    // Unchanged scans every 5 minutes: lastChecked (t0 + 10 min) stays until the scan that finds it an hour old.
    for (let i = 0; i < 11; i += 1) await s.advance(5 * 60_000);
    await s.idle();
    assert.equal(await lastChecked('app'), new Date(t0 + 10 * 60_000).toISOString());
    await s.advance(5 * 60_000);
    await eventually('lastChecked refreshed after an hour', async () => (await lastChecked('app')) === new Date(t0 + 70 * 60_000).toISOString());
  });

  test('scan summaries beyond Settings historyRetention are deleted', async () => {
    const s = await start({ pollInterval: '5m', historyRetention: { maxRecords: 10 } });
    for (let i = 0; i < 12; i += 1) await s.advance(5 * 60_000);
    await eventually('13 scans ran', () => s.registry.requests.head >= 13);
    await s.idle();
    const records = await s.api.list('UpdateRecord', { namespace: 'vigil-system', labelSelector: 'vigil.dev/record-type=scan_summary' });
    assert.equal(records.items.length, 10);
    const times = records.items.map((item) => (item as unknown as UpdateRecord).spec.finishedAt).sort();
    assert.equal(times.at(-1), new Date(s.clock.now()).toISOString().replace('.000', ''), 'the newest are kept');
  });

  test('scan summaries older than Settings historyRetention.maxAge are deleted', async () => {
    const s = await start({ pollInterval: '5m', historyRetention: { maxAge: '30m' } });
    const t0 = s.clock.now();
    for (let i = 0; i < 12; i += 1) await s.advance(5 * 60_000);
    await eventually('13 scans ran', () => s.registry.requests.head >= 13);
    await s.idle();
    const records = await s.api.list('UpdateRecord', { namespace: 'vigil-system', labelSelector: 'vigil.dev/record-type=scan_summary' });
    const times = records.items.map((item) => Date.parse((item as unknown as UpdateRecord).spec.finishedAt)).sort((a, b) => a - b);
    assert.ok(times.length > 0 && times.length < 13, `${times.length} of 13 summaries kept`);
    assert.ok(times.every((time) => s.clock.now() - time <= 30 * 60_000), 'none older than 30 minutes is kept');
    assert.equal(times.at(-1), s.clock.now(), 'the newest is kept');
    assert.ok((times[0] ?? 0) > t0, 'the first scans are gone');
  });

  test('without a Settings object, scans run with the built-in defaults (first at once, then every 6h)', async () => {
    const s = await start(undefined);
    const t0 = s.clock.now();
    assert.equal(await lastChecked('app'), new Date(t0).toISOString());
    await s.advance(6 * HOUR - 1000);
    assert.equal(s.registry.requests.head, 1);
    await s.advance(1000);
    await eventually('second scan after 6h', async () => (await lastChecked('app')) === new Date(t0 + 6 * HOUR).toISOString());
  });
});
