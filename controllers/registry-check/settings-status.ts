// The scan scheduler's part of the Settings status: lastScan, scanning, nextScan, counts, handledRequests.scan, the
// registries used without a Registry resource, and the Scanning condition. Other fields (lastDigest, the
// notification requests) pass through. Pure.
import type { ImplicitRegistryStatus, SettingsStatus } from '../../schemas/generated/types.ts';
import { setCondition, timestamp, type ConditionUpdate } from '../runtime/index.ts';

export interface SettingsStatusInput {
  current: SettingsStatus | undefined;
  generation: number | undefined;
  now: number;
  scanning: boolean;
  paused: boolean;
  /** Epoch ms; undefined while paused. */
  nextScan: number | undefined;
  /** Set when a scan finished in this pass. */
  lastScan?: number;
  /** Set when a scan finished in this pass. */
  counts?: { containers: number; running: number; pending: number };
  /** The Settings spec.scan requestedAt a scan answered in this pass. */
  handledScan?: string;
  registries: ImplicitRegistryStatus[];
}

function scanningCondition(input: SettingsStatusInput, lastScan: string | undefined): ConditionUpdate {
  if (input.scanning) return { type: 'Scanning', status: 'True', reason: 'Scanning', message: 'checking containers against their registries' };
  if (input.paused) return { type: 'Scanning', status: 'False', reason: 'Paused', message: 'scheduled scans are paused; requested scans and checks still run' };
  return { type: 'Scanning', status: 'False', reason: 'Idle', message: lastScan === undefined ? 'no scan yet' : `the last scan finished at ${lastScan}` };
}

export function settingsStatus(input: SettingsStatusInput): SettingsStatus {
  const next: SettingsStatus = { ...input.current };
  if (input.generation !== undefined) next.observedGeneration = input.generation;
  if (input.lastScan !== undefined) next.lastScan = timestamp(input.lastScan);
  next.scanning = input.scanning;
  if (input.nextScan === undefined) delete next.nextScan;
  else next.nextScan = timestamp(input.nextScan);
  if (input.counts !== undefined) next.counts = { ...input.current?.counts, ...input.counts };
  if (input.handledScan !== undefined) next.handledRequests = { ...input.current?.handledRequests, scan: input.handledScan };
  if (input.registries.length === 0) delete next.registries;
  else next.registries = input.registries;
  next.conditions = setCondition(input.current?.conditions, { ...scanningCondition(input, next.lastScan), observedGeneration: input.generation }, input.now);
  return next;
}
