// The filters of GET /api/history and its export (Vigil additions; Sentinel pages the whole history only): outcome
// (one or several, comma-separated), container (a case-insensitive part of its name), host (the Host id) and a time
// range (`since`, inclusive; `until`, exclusive). Applied on the server, so a page of 50 is 50 matching records and
// the dashboard never downloads the whole history to filter it. Bad values are a 400 naming the parameter.
import type { UpdateOutcome, UpdateRecord } from '../../../schemas/generated/types.ts';
import { restErrors } from '../errors.ts';
import { instantParam } from '../query.ts';
import { recordTime } from './history-view.ts';

export const HISTORY_OUTCOMES: readonly UpdateOutcome[] = ['success', 'failed', 'rollback', 'identical', 'partial', 'rate_limited', 'check_failed', 'dry_run', 'pull_only', 'scan_summary', 'timeout', 'skipped'];

export interface HistoryFilterQuery {
  outcome?: string;
  container?: string;
  host?: string;
  since?: string;
  until?: string;
}

export type HistoryFilter = (record: UpdateRecord) => boolean;

function outcomesParam(value: string | undefined): Set<string> | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const outcomes = value.split(',').map((part) => part.trim()).filter((part) => part !== '');
  for (const outcome of outcomes) {
    if (!(HISTORY_OUTCOMES as readonly string[]).includes(outcome)) throw restErrors.badRequest(`outcome: must be one or more of ${HISTORY_OUTCOMES.join(', ')} (got ${JSON.stringify(outcome)})`);
  }
  return new Set(outcomes);
}

/** The filter the query asks for (every record when it asks for none); throws a 400 naming a bad parameter. */
export function historyFilter(query: HistoryFilterQuery): HistoryFilter {
  const outcomes = outcomesParam(query.outcome);
  const container = (query.container ?? '').trim().toLowerCase();
  const host = (query.host ?? '').trim();
  const since = instantParam(query.since, 'since');
  const until = instantParam(query.until, 'until');
  return (record) => {
    if (outcomes !== undefined && !outcomes.has(record.spec.outcome)) return false;
    if (container !== '' && !(record.spec.containerName ?? record.spec.service ?? '').toLowerCase().includes(container)) return false;
    if (host !== '' && (record.metadata.namespace ?? '') !== host) return false;
    const time = recordTime(record);
    if (since !== undefined && time < since) return false;
    return until === undefined || time < until;
  };
}
