// History: UpdateRecords of every Host, newest first, paged by `before` (an RFC 3339 cursor: the timestamp of the last
// row seen), filtered on the server by outcome, container, host and time (views/history-filter.ts), exported as JSON
// or CSV (whole, or with the same filters); and the activity log, the same records as sentences. Notification records
// (a delivery that failed for good, deliveries dropped) are activity, not history: only the activity log shows them.
import type { FastifyInstance } from 'fastify';
import type { UpdateRecord } from '../../../schemas/generated/types.ts';
import type { SentinelContext } from '../context.ts';
import { countParam, instantParam, oneOfParam } from '../query.ts';
import { listUpdateRecords } from '../reads.ts';
import { activityEntry } from '../views/activity-view.ts';
import { csvDocument } from '../views/csv.ts';
import { historyFilter, type HistoryFilterQuery } from '../views/history-filter.ts';
import { compareRecordsNewestFirst, historyEntry, recordTime, type HistoryEntryView } from '../views/history-view.ts';
import { hostNames } from '../views/hosts.ts';

type PageQuery = { Querystring: { limit?: string; before?: string; before_id?: string } };
type HistoryQuery = { Querystring: PageQuery['Querystring'] & HistoryFilterQuery };

const HISTORY_LIMIT = { name: 'limit', default: 50, max: 200 };
const ACTIVITY_LIMIT = { name: 'limit', default: 100, max: 1000 };

export const CSV_COLUMNS = ['timestamp', 'container', 'type', 'old_image', 'new_image', 'outcome', 'duration_s', 'error', 'host_id', 'host_name'] as const;

/** One CSV row; duration in seconds with one decimal, empty when none (as Sentinel writes it). */
export function csvRow(entry: HistoryEntryView): string[] {
  return [
    entry.timestamp,
    entry.container_name,
    entry.type,
    entry.old_image,
    entry.new_image,
    entry.outcome,
    entry.duration > 0 ? (entry.duration / 1e9).toFixed(1) : '',
    entry.error ?? '',
    entry.host_id,
    entry.host_name,
  ];
}

async function newestFirst(context: SentinelContext): Promise<UpdateRecord[]> {
  return (await listUpdateRecords(context.resources)).sort(compareRecordsNewestFirst);
}

async function historyNewestFirst(context: SentinelContext): Promise<UpdateRecord[]> {
  return (await newestFirst(context)).filter((record) => record.spec.type !== 'notification');
}

/**
 * The records after the cursor, newest first. `before` (Sentinel's cursor, RFC 3339) keeps the records of earlier
 * seconds; with `before_id` (the `id` of the last row seen) it keeps exactly the records after that row, so that rows
 * sharing a second with a page's last row are not skipped. An unknown `before_id` falls back to `before` alone.
 */
function page(records: readonly UpdateRecord[], query: PageQuery['Querystring']): UpdateRecord[] {
  const before = instantParam(query.before, 'before');
  const lastSeen = query.before_id === undefined || query.before_id === '' ? -1 : records.findIndex((record) => record.metadata.name === query.before_id);
  if (lastSeen >= 0) return records.slice(lastSeen + 1);
  return before === undefined ? [...records] : records.filter((record) => recordTime(record) < before);
}

export async function historyRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  app.get<HistoryQuery>('/api/history', async (request) => {
    const limit = countParam(request.query.limit, HISTORY_LIMIT);
    const matches = historyFilter(request.query);
    const [records, names] = await Promise.all([historyNewestFirst(context), hostNames(context.resources)]);
    return page(records.filter(matches), request.query).slice(0, limit).map((record) => historyEntry(record, names));
  });

  app.get<{ Querystring: { format?: string } & HistoryFilterQuery }>('/api/history/export', async (request, reply) => {
    const format = oneOfParam(request.query.format, 'format', ['json', 'csv'], 'json');
    const matches = historyFilter(request.query);
    const [records, names] = await Promise.all([historyNewestFirst(context).then((all) => all.filter(matches)), hostNames(context.resources)]);
    const entries = records.map((record) => historyEntry(record, names));
    reply.header('content-disposition', `attachment; filename=sentinel-history.${format}`);
    if (format === 'json') return reply.type('application/json').send(entries);
    return reply.type('text/csv; charset=utf-8').send(csvDocument(CSV_COLUMNS, entries.map(csvRow)));
  });

  app.get<PageQuery>('/api/logs', async (request) => {
    const limit = countParam(request.query.limit, ACTIVITY_LIMIT);
    return page(await newestFirst(context), request.query).slice(0, limit).map(activityEntry);
  });
}
