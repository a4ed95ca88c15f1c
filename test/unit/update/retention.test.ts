// Settings.snapshotRetention and Settings.historyRetention applied by the update controller after each operation:
// counts and ages, each on its own, against a real embedded store.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import type { Snapshot, UpdateRecord } from '../../../schemas/generated/types.ts';
import { pruneHistory, pruneSnapshots } from '../../../controllers/update/controller/retention.ts';
import { snapshot as snapshotFixture, updateRecord as recordFixture } from '../schemas/fixtures.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const DAY = 24 * 3600_000;
const iso = (time: number): string => new Date(time).toISOString().replace('.000', '');

let dir = '';
let store: CachedStore;
let registry: ResourceRegistry;
let namespace = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-retention-'));
  store = await CachedStore.open({ backend: openEmbeddedStore({ path: join(dir, 'vigil.db'), compactionIntervalMs: 0 }) });
  registry = new ResourceRegistry({ store, now: () => new Date(NOW) });
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A Host of its own for each test, so that the tests do not see each other's objects. */
async function freshHost(): Promise<string> {
  namespace += 1;
  const name = `host-${namespace}`;
  await registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name }, spec: {} });
  return name;
}

async function addSnapshots(host: string, ages: number[]): Promise<void> {
  for (const [index, age] of ages.entries()) {
    const object: Snapshot = { ...snapshotFixture, metadata: { name: `web-${index}`, namespace: host }, spec: { ...snapshotFixture.spec, containerName: 'web', takenAt: iso(NOW - age) } };
    await registry.create(object);
  }
}

async function addRecords(host: string, ages: number[]): Promise<void> {
  for (const [index, age] of ages.entries()) {
    const object: UpdateRecord = { ...recordFixture, metadata: { name: `record-${index}`, namespace: host }, spec: { ...recordFixture.spec, hostName: host, startedAt: iso(NOW - age), finishedAt: iso(NOW - age) } };
    await registry.create(object);
  }
}

async function names(kind: string, host: string): Promise<string[]> {
  return (await registry.list(kind, { namespace: host })).items.map((item) => item.metadata.name).sort();
}

describe('retention of snapshots and history', () => {
  test('snapshotRetention.maxAge deletes the snapshots older than it, whatever their number, but never the one just used', async () => {
    const host = await freshHost();
    await addSnapshots(host, [1 * DAY, 3 * DAY, 10 * DAY, 40 * DAY]);
    const deleted = await pruneSnapshots(registry, { snapshotRetention: { perContainer: 10, maxAge: '7d' } }, host, 'web', 'web-3', NOW);
    assert.equal(deleted, 1);
    assert.deepEqual(await names('Snapshot', host), ['web-0', 'web-1', 'web-3'], 'web-2 is older than 7 days; web-3 too, but the operation just used it');
  });

  test('without snapshotRetention.maxAge only the count limits snapshots (default 5, newest kept)', async () => {
    const host = await freshHost();
    await addSnapshots(host, [1, 2, 3, 4, 5, 6, 7].map((days) => days * 365 * DAY));
    await pruneSnapshots(registry, undefined, host, 'web', undefined, NOW);
    assert.deepEqual(await names('Snapshot', host), ['web-0', 'web-1', 'web-2', 'web-3', 'web-4']);
  });

  test('historyRetention.maxRecords keeps the newest UpdateRecords of the host', async () => {
    const host = await freshHost();
    await addRecords(host, [5, 4, 3, 2, 1].map((hours) => hours * 3600_000));
    const deleted = await pruneHistory(registry, { historyRetention: { maxRecords: 2 } }, host, NOW);
    assert.equal(deleted, 3);
    assert.deepEqual(await names('UpdateRecord', host), ['record-3', 'record-4']);
  });

  test('historyRetention.maxAge deletes the UpdateRecords older than it; the default keeps 90 days', async () => {
    const host = await freshHost();
    await addRecords(host, [100 * DAY, 40 * DAY, 10 * DAY, 1 * DAY]);
    await pruneHistory(registry, {}, host, NOW);
    assert.deepEqual(await names('UpdateRecord', host), ['record-1', 'record-2', 'record-3'], 'the 100-day-old record goes by the 90d default');
    await pruneHistory(registry, { historyRetention: { maxAge: '30d' } }, host, NOW);
    assert.deepEqual(await names('UpdateRecord', host), ['record-2', 'record-3']);
  });
});
