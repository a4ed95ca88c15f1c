// The example controller of the runtime tests: it makes a fake "engine registry" (a fake that holds state) hold each
// Host's endpoint, and reports it in the Host's status with a Ready condition, written once per pass. Knobs let a test
// make passes fail, throw synchronously, hang, or ask to be requeued.
import type { ResourceClient } from '../../../../apiserver/resources/client.ts';
import type { Lister } from '../../../../controllers/runtime/indexer.ts';
import { setCondition } from '../../../../controllers/runtime/conditions.ts';
import { TerminalError, type ReconcileContext, type ReconcileResult, type Reconciler } from '../../../../controllers/runtime/reconciler.ts';
import { statusOf, terminalErrorCondition, writeStatus } from '../../../../controllers/runtime/status.ts';

export const DEFAULT_ENDPOINT = 'unix:///var/run/docker.sock';

/** The outside world the controller drives: which endpoint is configured for each host, and how often it was written. */
export class FakeEngineRegistry {
  readonly endpoints = new Map<string, string>();
  writes = 0;

  configure(host: string, endpoint: string): void {
    if (this.endpoints.get(host) === endpoint) return;
    this.endpoints.set(host, endpoint);
    this.writes += 1;
  }

  remove(host: string): void {
    if (this.endpoints.delete(host)) this.writes += 1;
  }
}

export interface EndpointReconcilerOptions {
  client: ResourceClient;
  hosts: Lister;
  world: FakeEngineRegistry;
}

export class EndpointReconciler implements Reconciler {
  readonly #client: ResourceClient;
  readonly #hosts: Lister;
  readonly #world: FakeEngineRegistry;
  /** Passes started, per key. */
  readonly passes = new Map<string, number>();
  /** Keys being reconciled right now, and the most at once per key. */
  readonly #inFlight = new Set<string>();
  concurrentPassesOfOneKey = 0;
  /** Per key: how many passes fail with a transient error before passes work. */
  readonly transientFailures = new Map<string, number>();
  /** Keys whose next pass throws synchronously (not a rejected promise). */
  readonly synchronousThrows = new Set<string>();
  /** Keys whose passes wait for this promise (and ignore their signal) before doing anything. */
  readonly gates = new Map<string, Promise<void>>();
  /** Keys whose passes wait for their signal to abort, then reject with its reason. */
  readonly waitForAbort = new Set<string>();
  /** Returned by every successful pass. */
  requeueAfter: number | undefined;
  readonly onTerminalError: NonNullable<Reconciler['onTerminalError']>;

  constructor(options: EndpointReconcilerOptions) {
    this.#client = options.client;
    this.#hosts = options.hosts;
    this.#world = options.world;
    this.onTerminalError = terminalErrorCondition({ client: options.client, kind: 'Host' });
  }

  passesOf(key: string): number {
    return this.passes.get(key) ?? 0;
  }

  // Not async on purpose: a synchronous throw must not kill the worker either.
  reconcile(context: ReconcileContext, key: string): Promise<ReconcileResult> {
    this.passes.set(key, this.passesOf(key) + 1);
    if (this.synchronousThrows.delete(key)) throw new Error(`synchronous bug while reconciling ${key}`);
    if (this.#inFlight.has(key)) this.concurrentPassesOfOneKey += 1;
    this.#inFlight.add(key);
    return this.#reconcile(context, key).finally(() => this.#inFlight.delete(key));
  }

  async #reconcile(context: ReconcileContext, key: string): Promise<ReconcileResult> {
    const gate = this.gates.get(key);
    if (gate !== undefined) await gate;
    if (this.waitForAbort.has(key)) {
      await new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason), { once: true }));
    }
    const failures = this.transientFailures.get(key) ?? 0;
    if (failures > 0) {
      this.transientFailures.set(key, failures - 1);
      throw new Error(`engine registry unreachable while reconciling ${key}`);
    }
    // Level-based: whatever happened to the Host, look at it now.
    const host = this.#hosts.get(key);
    if (host === undefined) {
      this.#world.remove(key);
      return {};
    }
    const spec = (host.spec ?? {}) as { dockerHost?: string; displayName?: string };
    if (spec.displayName === 'invalid') throw new TerminalError('InvalidDisplayName', `display name "invalid" is not allowed on host ${key}`);
    const endpoint = spec.dockerHost ?? DEFAULT_ENDPOINT;
    this.#world.configure(key, endpoint);
    await writeStatus(this.#client, 'Host', undefined, host.metadata.name, (current) => {
      const status = statusOf(current);
      const conditions = Array.isArray(status.conditions) ? status.conditions : [];
      return {
        ...status,
        observedGeneration: current.metadata.generation,
        endpoint,
        conditions: setCondition(conditions, { type: 'Ready', status: 'True', reason: 'Configured', observedGeneration: current.metadata.generation }, context.clock.now()),
      };
    });
    return this.requeueAfter === undefined ? {} : { requeueAfter: this.requeueAfter };
  }
}
