// Compaction forgets history the way etcd does: for every key it keeps the newest row at or below the compacted
// revision (unless that row is a deletion) and every row above it, so the state at the compacted revision stays
// readable and every change after it stays replayable.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Revision } from '../interface.ts';

/**
 * Revisions compacted per transaction. The store's connection is synchronous, so one huge DELETE would stall every
 * request; chunks of this size take milliseconds and let other work run in between. Each chunk records its own end
 * as the compacted revision, so the store is consistent after every chunk.
 */
export const COMPACTION_CHUNK = 10_000;

export interface ChunkedCompaction {
  from: Revision;
  to: Revision;
  /** Compacts (from, to] in one transaction. */
  step(from: Revision, to: Revision): void;
  /** Stops early (the store is closing); what is done stays done. */
  stopped(): boolean;
}

export async function compactInChunks(work: ChunkedCompaction): Promise<void> {
  let from = work.from;
  while (from < work.to && !work.stopped()) {
    const to = Math.min(from + COMPACTION_CHUNK, work.to);
    work.step(from, to);
    from = to;
    if (from < work.to) await yieldToEventLoop();
  }
}

/**
 * Which revision is old enough to compact. Revisions carry no timestamps, so the store notes (time, current revision)
 * at every compaction tick: a revision that was current at time t was written at or before t, so once t is older than
 * the history window, everything up to that revision is too.
 */
export class HistoryCheckpoints {
  #points: { time: number; revision: Revision }[] = [];

  record(time: number, revision: Revision): void {
    this.#points.push({ time, revision });
  }

  /** The newest recorded revision noted at or before `cutoff`, if any. Forgets the checkpoints it makes useless. */
  revisionAt(cutoff: number): Revision | undefined {
    let newest = -1;
    for (let index = 0; index < this.#points.length && (this.#points[index]?.time ?? Infinity) <= cutoff; index++) newest = index;
    if (newest < 0) return undefined;
    this.#points = this.#points.slice(newest);
    return this.#points[0]?.revision;
  }
}
