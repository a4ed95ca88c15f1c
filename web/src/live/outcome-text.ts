// What a toast says about a new UpdateRecord (pure, so that a unit test can pin it): updates and rollbacks of
// containers and services, by outcome; checks, scans and notifications records get none.
import type { UpdateRecord } from '../../../schemas/generated/types.ts';

const ANNOUNCED = new Set(['update', 'rollback', 'service_update', 'service_rollback']);

/** The toast a new record gets, or undefined for records that are not an outcome worth one (checks, scans). */
export function outcomeToast(record: UpdateRecord): { text: string; tone: 'ok' | 'error' } | undefined {
  const spec = record.spec;
  if (!ANNOUNCED.has(spec.type)) return undefined;
  const subject = spec.service !== undefined ? `service ${spec.service}` : spec.containerName ?? spec.container ?? 'a container';
  const target = spec.newImage === undefined ? '' : ` to ${spec.newImage}`;
  const rollback = spec.type === 'rollback' || spec.type === 'service_rollback';
  const reason = spec.error === undefined ? '' : `: ${spec.error}`;
  switch (spec.outcome) {
    case 'success':
      return { text: rollback ? `Rolled back ${subject}${target}` : `Updated ${subject}${target}`, tone: 'ok' };
    case 'rollback':
      return { text: `Update of ${subject} failed and was rolled back${reason}`, tone: 'error' };
    case 'failed':
    case 'partial':
    case 'timeout':
      return { text: `${rollback ? 'Rollback' : 'Update'} of ${subject} ${spec.outcome === 'timeout' ? 'timed out' : 'failed'}${reason}`, tone: 'error' };
    case 'dry_run':
      return { text: `Dry run: ${subject} would be updated${target}`, tone: 'ok' };
    case 'pull_only':
      return { text: `Pulled the new image of ${subject}${target} (pull only)`, tone: 'ok' };
    default:
      return undefined;
  }
}

