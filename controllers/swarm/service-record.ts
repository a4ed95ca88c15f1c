// The history row of a finished service rollout: one UpdateRecord per operation, named after the operation's identity
// so that a Vigil killed after writing it and restarted writes it once (AlreadyExists means: already recorded).
import { createHash } from 'node:crypto';
import type { ServiceLastUpdate, ServiceOperation, UpdateRecord } from '../../schemas/generated/types.ts';
import type { RolloutOutcome } from './rollout-observation.ts';
import { digestOf } from './service-spec.ts';
import { AUTO_UPDATE_REQUESTER } from '../registry-check/service-check-decisions.ts';

export function serviceRecordName(service: string, operation: Pick<ServiceOperation, 'kind' | 'startedAt'>): string {
  const suffix = createHash('sha256').update(`service\u0000${operation.kind}\u0000${operation.startedAt}`).digest('hex').slice(0, 10);
  return `${service.slice(0, 200)}-${suffix}`;
}

/** Sentinel's service outcomes on the UpdateRecord's enum: a requested rollback is a service_rollback record. */
function recordOutcome(outcome: RolloutOutcome): { type: 'service_update' | 'service_rollback'; outcome: 'success' | 'failed' | 'rollback' | 'timeout' } {
  switch (outcome) {
    case 'rollback_success':
      return { type: 'service_rollback', outcome: 'success' };
    case 'rollback_failed':
      return { type: 'service_rollback', outcome: 'failed' };
    default:
      return { type: 'service_update', outcome };
  }
}

export function serviceRecord(options: { service: string; namespace: string; hostDisplayName: string; operation: ServiceOperation; outcome: RolloutOutcome; message: string; finishedAt: string }): UpdateRecord {
  const { operation } = options;
  const { type, outcome } = recordOutcome(options.outcome);
  const oldDigest = operation.fromImage === undefined ? undefined : digestOf(operation.fromImage);
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'UpdateRecord',
    metadata: { name: serviceRecordName(options.service, operation), namespace: options.namespace },
    spec: {
      type,
      outcome,
      service: options.service,
      containerName: options.service,
      hostName: options.hostDisplayName,
      // The registry checks' auto-update names itself.
      reason: operation.kind === 'rollback' ? 'Rollback' : operation.requestedBy === AUTO_UPDATE_REQUESTER ? 'Auto' : 'Manual',
      ...(operation.requestedBy === undefined ? {} : { requestedBy: operation.requestedBy }),
      ...(operation.fromImage === undefined ? {} : { oldImage: operation.fromImage }),
      ...(operation.toImage === undefined ? {} : { newImage: operation.toImage }),
      ...(oldDigest === undefined ? {} : { oldDigest }),
      newDigest: operation.digest,
      duration: Math.max(0, (Date.parse(options.finishedAt) - Date.parse(operation.startedAt)) / 1000),
      ...(outcome === 'success' ? {} : { error: options.message }),
      startedAt: operation.startedAt,
      finishedAt: options.finishedAt,
    },
  };
}

export function lastUpdateFrom(operation: ServiceOperation, outcome: RolloutOutcome, message: string, finishedAt: string): ServiceLastUpdate {
  return {
    outcome,
    kind: operation.kind,
    startedAt: operation.startedAt,
    finishedAt,
    ...(operation.fromImage === undefined ? {} : { fromImage: operation.fromImage }),
    ...(operation.toImage === undefined ? {} : { toImage: operation.toImage }),
    message,
  };
}
