// One status write per pass: a reconcile computes the whole new status from the newest object and writes it once
// through the status subresource. ResourceClient.modify writes nothing when the result equals what is stored, so a
// pass that changes nothing produces no new resourceVersion and no watch event, and does not wake the controller.
import type { ResourceClient, ResourceObject } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import { setCondition } from './conditions.ts';
import { splitKey } from './keys.ts';
import type { ReconcileContext, TerminalError } from './reconciler.ts';

/** The status an object carries (a plain record: each kind's generated type narrows it). */
export type Status = Record<string, unknown>;

export interface WriteStatusOptions {
  /** Recorded as the writer. Default "vigil". */
  fieldManager?: string;
}

/**
 * Reads the newest `kind` `namespace/name`, asks `compute` for its new status (given a private copy: it may reuse
 * and change parts of `current.status`), and writes it through /status, retrying on conflict. Returns the object as
 * stored; unchanged (same resourceVersion) when the status computed equals the stored one.
 */
export async function writeStatus(
  client: ResourceClient,
  kind: string,
  namespace: string | undefined,
  name: string,
  compute: (current: ResourceObject) => Status | Promise<Status>,
  options: WriteStatusOptions = {},
): Promise<ResourceObject> {
  return await client.modify(
    kind,
    namespace,
    name,
    async (current) => ({ ...current, status: await compute(current) }),
    { subresource: 'status', ...(options.fieldManager === undefined ? {} : { fieldManager: options.fieldManager }) },
  );
}

/** The status of `object` as a record (an empty one when it has none yet). */
export function statusOf(object: ResourceObject): Status {
  const status = object.status;
  return typeof status === 'object' && status !== null && !Array.isArray(status) ? (status as Status) : {};
}

export interface TerminalErrorConditionOptions {
  client: ResourceClient;
  /** The kind of the objects the controller's keys name. */
  kind: string;
  /** Which condition records the error. Default "Ready". */
  conditionType?: string;
  fieldManager?: string;
}

/**
 * A Reconciler.onTerminalError that records the error as condition `conditionType` = False with the error's reason
 * and message and the object's generation. The object being gone is fine: there is nothing left to record on.
 */
export function terminalErrorCondition(options: TerminalErrorConditionOptions): (context: ReconcileContext, key: string, error: TerminalError) => Promise<void> {
  const type = options.conditionType ?? 'Ready';
  return async (context, key, error) => {
    const { namespace, name } = splitKey(key);
    try {
      await writeStatus(
        options.client,
        options.kind,
        namespace,
        name,
        (current) => {
          const status = statusOf(current);
          const conditions = Array.isArray(status.conditions) ? status.conditions : [];
          const update = { type, status: 'False' as const, reason: error.reason, message: error.message, observedGeneration: current.metadata.generation };
          return { ...status, conditions: setCondition(conditions, update, context.clock.now()) };
        },
        options.fieldManager === undefined ? {} : { fieldManager: options.fieldManager },
      );
    } catch (writeError) {
      if (isApiError(writeError, 'NotFound')) return;
      throw writeError;
    }
  };
}
