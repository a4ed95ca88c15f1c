// The reconcile contract (controller-runtime pkg/reconcile): a controller is a function from a key to "the world now
// matches the resource", level-based (it reads desired and actual state every time and never asks whether the key
// was created, updated or deleted), idempotent (a second pass with nothing changed writes nothing).
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';

export interface ReconcileContext {
  /** The key being reconciled ("NAMESPACE/NAME" or "NAME"). */
  readonly key: string;
  /**
   * Aborts when the call's time is up (reconcileTimeoutMs), when the controller stops (shutdown after the grace
   * period) or when this process stops leading. Pass it to every call that takes one (Docker, registries, hooks).
   */
  readonly signal: AbortSignal;
  /** A child logger with the controller's name and the key. */
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface ReconcileResult {
  /** Reconcile this key again after this many milliseconds (a poll, a scheduled check), even if nothing changes. */
  requeueAfter?: number;
}

/**
 * How a pass ends:
 * - returns (with or without requeueAfter): success; the key's backoff is reset.
 * - throws (or rejects with) any error: transient; the key is retried with per-key exponential backoff.
 * - throws a TerminalError: the error is recorded (onTerminalError) and the key is not retried until it changes.
 * - the object is gone: return normally (read it, find NotFound, clean up, return). An error thrown while the key's
 *   object has meanwhile vanished from the controller's cache counts as done, too (see ControllerOptions.exists).
 */
export interface Reconciler {
  reconcile(context: ReconcileContext, key: string): Promise<ReconcileResult | void>;
  /**
   * Records a terminal error where a user sees it, usually a condition on the key's object (see
   * terminalErrorCondition). Throwing here makes the key retry with backoff, so that the record is not lost.
   */
  onTerminalError?(context: ReconcileContext, key: string, error: TerminalError): Promise<void>;
}

/**
 * An error that retrying cannot fix (an invalid image reference, a policy that forbids the change): recorded as a
 * condition, never retried until the object changes.
 */
export class TerminalError extends Error {
  /** The CamelCase reason of the condition that records it, e.g. "InvalidImageReference". */
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
    this.reason = reason;
  }
}

export function isTerminalError(error: unknown): error is TerminalError {
  return error instanceof TerminalError;
}

/** How one pass ended, as counted in vigil_controller_reconcile_total{result}. */
export type ReconcileOutcome = 'success' | 'requeue' | 'error' | 'terminal';

export const RECONCILE_OUTCOMES: readonly ReconcileOutcome[] = ['success', 'requeue', 'error', 'terminal'];
