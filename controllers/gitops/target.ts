// Where a pass reads and writes: the in-process ResourceClient in the server's loop, the HTTP API through
// @kubernetes/client-node in `vigil apply --prune` and `vigil diff`. One small interface, so that one pass logic
// serves both and behaves the same.
import type { ResourceObject } from '../../schemas/validation.ts';
import type { Configuration } from './configuration.ts';
import type { ObjectRef } from './ownership.ts';

export interface ApplyTarget {
  /**
   * Whether Secret values read back are the real ones (in process) or masked (over HTTP). Drift is found either way
   * (a changed value moves the Secret's generation); only a diff can show values when they are real.
   */
  readonly secretValuesVisible: boolean;
  /** The live object, or undefined when there is none. */
  get(ref: ObjectRef): Promise<ResourceObject | undefined>;
  /**
   * Server-side apply by the gitops field manager, forced: fields git sets are git's, whoever changed them since. With
   * dryRun the answer is what would be stored, and nothing is.
   */
  apply(configuration: Configuration, options: { dryRun: boolean }): Promise<ResourceObject>;
  /** Deletes the object; one already gone is fine. */
  delete(ref: ObjectRef, options: { dryRun: boolean }): Promise<void>;
}

/** A failure a target reports: the server's message, as a person should read it. */
export class TargetError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TargetError';
  }
}
