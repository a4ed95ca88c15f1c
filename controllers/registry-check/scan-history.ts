// One history row per scan: an UpdateRecord of type and outcome `scan_summary` (Sentinel's history outcome) in the
// namespace vigil-system (a scan covers every Host), labelled `vigil.dev/record-type: scan_summary`. Retention is
// Settings `historyRetention` (maxRecords, maxAge) applied to these records alone. To keep it cheap the names and
// times are listed once per leadership term and then kept in memory: each scan costs one create and, past the limit,
// one delete.
import type { Logger } from 'pino';
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import { parseDuration } from '../../schemas/duration.ts';
import { DEFAULT_SECRET_NAMESPACE } from '../../schemas/index.ts';
import type { SettingsSpec, UpdateRecord } from '../../schemas/generated/types.ts';
import { timestamp } from '../runtime/index.ts';
import type { BatchSummary } from './container-checker.ts';
import { REGISTRY_CHECK_FIELD_MANAGER } from './container-checker.ts';

export const SCAN_RECORD_NAMESPACE = DEFAULT_SECRET_NAMESPACE;
export const RECORD_TYPE_LABEL = 'vigil.dev/record-type';
const DEFAULT_MAX_RECORDS = 5000;
const DEFAULT_MAX_AGE = '90d';

export interface ScanRecordInput {
  startedAt: number;
  finishedAt: number;
  summary: BatchSummary;
  /** Containers the scan left out (pinned, filtered, not running, schedule not due, ...). */
  skipped: number;
  /** A requested scan (Settings spec.scan): who asked. */
  requested?: { requestedBy?: string };
}

export function scanRecord(input: ScanRecordInput): UpdateRecord {
  const { summary } = input;
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'UpdateRecord',
    metadata: { generateName: 'scan-', namespace: SCAN_RECORD_NAMESPACE, labels: { [RECORD_TYPE_LABEL]: 'scan_summary' } },
    spec: {
      type: 'scan_summary',
      outcome: 'scan_summary',
      reason: input.requested === undefined ? 'Scheduled' : 'Manual',
      ...(input.requested?.requestedBy === undefined ? {} : { requestedBy: input.requested.requestedBy }),
      startedAt: timestamp(input.startedAt),
      finishedAt: timestamp(input.finishedAt),
      duration: Math.max(0, input.finishedAt - input.startedAt) / 1000,
      summary: { checked: summary.checked, updatesAvailable: summary.updatesAvailable, updated: 0, failed: summary.failed, rateLimited: summary.rateLimited, skipped: input.skipped },
    },
  };
}

interface Known {
  name: string;
  finishedAt: number;
}

export class ScanHistory {
  readonly #client: ResourceClient;
  readonly #logger: Logger;
  /** Oldest first; undefined until listed in this leadership term. */
  #known: Known[] | undefined;

  constructor(client: ResourceClient, logger: Logger) {
    this.#client = client;
    this.#logger = logger;
  }

  /** Forget what is known (a new leadership term: another leader may have written meanwhile). */
  reset(): void {
    this.#known = undefined;
  }

  /** Writes the record and deletes what the retention no longer keeps. A failure is logged: history is not worth a rescan. */
  async record(input: ScanRecordInput, retention: SettingsSpec['historyRetention']): Promise<void> {
    try {
      const known = await this.#list();
      const created = await this.#client.create(scanRecord(input), { fieldManager: REGISTRY_CHECK_FIELD_MANAGER });
      known.push({ name: created.metadata.name ?? '', finishedAt: input.finishedAt });
      await this.#prune(known, input.finishedAt, retention);
    } catch (error) {
      this.#known = undefined;
      this.#logger.warn({ err: error }, 'could not record the scan summary');
    }
  }

  async #list(): Promise<Known[]> {
    if (this.#known !== undefined) return this.#known;
    const list = await this.#client.list('UpdateRecord', { namespace: SCAN_RECORD_NAMESPACE, labelSelector: `${RECORD_TYPE_LABEL}=scan_summary` });
    this.#known = list.items
      .map((item) => ({ name: item.metadata.name ?? '', finishedAt: Date.parse((item as unknown as UpdateRecord).spec.finishedAt) || 0 }))
      .sort((a, b) => a.finishedAt - b.finishedAt);
    return this.#known;
  }

  async #prune(known: Known[], now: number, retention: SettingsSpec['historyRetention']): Promise<void> {
    const maxRecords = retention?.maxRecords ?? DEFAULT_MAX_RECORDS;
    let maxAgeMs = Number.POSITIVE_INFINITY;
    try {
      maxAgeMs = parseDuration(retention?.maxAge ?? DEFAULT_MAX_AGE);
    } catch {
      // Validated by the schema; an unreadable age limits nothing.
    }
    while (known.length > 0) {
      const oldest = known[0];
      if (oldest === undefined || (known.length <= maxRecords && now - oldest.finishedAt <= maxAgeMs)) break;
      known.shift();
      try {
        await this.#client.delete('UpdateRecord', SCAN_RECORD_NAMESPACE, oldest.name);
      } catch (error) {
        if (!isApiError(error, 'NotFound')) throw error;
      }
    }
  }
}
