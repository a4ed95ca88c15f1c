// Settings.snapshotRetention and Settings.historyRetention: after an operation the controller deletes the container's
// Snapshots beyond the newest `perContainer` (default 5) or older than `maxAge`, and the host's UpdateRecords beyond
// `maxRecords` (default 5000) or older than `maxAge` (default 90d). The snapshot an operation just used is always kept.
import type { ResourceClient, ResourceObject } from '../../../apiserver/resources/client.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import type { SettingsSpec, Snapshot, UpdateRecord } from '../../../schemas/generated/types.ts';
import { parseDuration } from '../../../schemas/duration.ts';

const DEFAULT_SNAPSHOTS_PER_CONTAINER = 5;
const DEFAULT_MAX_RECORDS = 5000;
const DEFAULT_HISTORY_MAX_AGE = '90d';

function ageLimitMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}

async function deleteQuietly(client: ResourceClient, kind: string, object: ResourceObject): Promise<void> {
  try {
    await client.delete(kind, object.metadata.namespace, object.metadata.name);
  } catch (error) {
    if (!isApiError(error, 'NotFound')) throw error;
  }
}

/** Snapshots of one container: newest first by takenAt. */
export async function pruneSnapshots(client: ResourceClient, settings: SettingsSpec | undefined, namespace: string, containerName: string, keep: string | undefined, now: number): Promise<number> {
  const list = await client.list('Snapshot', { namespace });
  const snapshots = (list.items as unknown as Array<Snapshot & ResourceObject>)
    .filter((snapshot) => snapshot.spec.containerName === containerName)
    .sort((a, b) => Date.parse(b.spec.takenAt) - Date.parse(a.spec.takenAt));
  const perContainer = settings?.snapshotRetention?.perContainer ?? DEFAULT_SNAPSHOTS_PER_CONTAINER;
  const maxAge = ageLimitMs(settings?.snapshotRetention?.maxAge);
  let deleted = 0;
  for (const [index, snapshot] of snapshots.entries()) {
    if (snapshot.metadata.name === keep) continue;
    const tooMany = index >= perContainer;
    const tooOld = maxAge !== undefined && now - Date.parse(snapshot.spec.takenAt) > maxAge;
    if (!tooMany && !tooOld) continue;
    await deleteQuietly(client, 'Snapshot', snapshot);
    deleted += 1;
  }
  return deleted;
}

/** UpdateRecords of one host: oldest first by finishedAt. */
export async function pruneHistory(client: ResourceClient, settings: SettingsSpec | undefined, namespace: string, now: number): Promise<number> {
  const list = await client.list('UpdateRecord', { namespace });
  const records = (list.items as unknown as Array<UpdateRecord & ResourceObject>).sort((a, b) => Date.parse(a.spec.finishedAt) - Date.parse(b.spec.finishedAt));
  const maxRecords = settings?.historyRetention?.maxRecords ?? DEFAULT_MAX_RECORDS;
  const maxAge = ageLimitMs(settings?.historyRetention?.maxAge ?? DEFAULT_HISTORY_MAX_AGE);
  let deleted = 0;
  for (const [index, record] of records.entries()) {
    const tooMany = records.length - index > maxRecords;
    const tooOld = maxAge !== undefined && now - Date.parse(record.spec.finishedAt) > maxAge;
    if (!tooMany && !tooOld) break;
    await deleteQuietly(client, 'UpdateRecord', record);
    deleted += 1;
  }
  return deleted;
}
