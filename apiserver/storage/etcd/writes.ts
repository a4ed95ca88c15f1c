// Writes as kube-apiserver's etcd3 store makes them: optimistic transactions on the key's mod_revision.
// create:  if mod_revision(key) == 0       then put
// update:  if mod_revision(key) == readRev then put    else get   (the else branch is the fresh state to retry on)
// delete:  if mod_revision(key) == readRev then delete else get
import type { Etcd3, IRangeResponse, ITxnResponse } from 'etcd3';
import type { DeleteOptions, GuaranteedUpdateOptions, StoredObject, TryUpdate } from '../interface.ts';
import { StorageError } from '../errors.ts';
import { cloneObject, sameContent, withRevision } from '../objects.ts';
import { checkPreconditions, encodeObject, requireNoRevision } from '../write-checks.ts';
import { decodeKeyValue, decodeValue, headerRevision, type StoredState } from './codec.ts';
import type { Requests } from './requests.ts';
import { currentFence, fencedOut, type WriteFence } from '../fence.ts';

export interface WriteContext {
  client: Etcd3;
  requests: Requests;
}

export async function readKey({ client, requests }: WriteContext, key: string, serializable = false): Promise<StoredState | undefined> {
  const response = await requests.run('read', () => client.get(key).serializable(serializable).exec(), { key });
  const kv = response.kvs[0];
  return kv === undefined ? undefined : decodeKeyValue(kv);
}

export async function createObject({ client, requests }: WriteContext, key: string, object: StoredObject): Promise<StoredObject> {
  requireNoRevision(key, object);
  const data = encodeObject(key, object);
  const fence = currentFence();
  const response = await requests.run('write', () => fenced(client.if(key, 'Mod', '==', 0), fence).then(client.put(key).value(data)).else(...fenceRead(client, fence)).commit(), { key });
  if (!response.succeeded) {
    requireFence(response, fence, 0, key);
    throw StorageError.keyExists(key);
  }
  return withRevision(decodeValue(data, key), headerRevision(response.header));
}

export async function updateObject(
  context: WriteContext,
  key: string,
  tryUpdate: TryUpdate,
  options: GuaranteedUpdateOptions = {},
): Promise<StoredObject> {
  const { client, requests } = context;
  let current = await readKey(context, key);
  // No attempt limit, as in Kubernetes: every retry follows a write by someone else, so the key as a whole progresses.
  for (;;) {
    if (current === undefined) throw StorageError.notFound(key);
    checkPreconditions(key, options.preconditions, current.object, current.revision);
    const updated = await tryUpdate(cloneObject(current.object));
    // Writing the same content would bump the revision and wake every watcher (a controller would wake itself up).
    if (sameContent(updated, current.object)) return current.object;
    const data = encodeObject(key, updated);
    const readRevision = current.revision;
    const fence = currentFence();
    const response = await requests.run(
      'write',
      () => fenced(client.if(key, 'Mod', '==', readRevision), fence).then(client.put(key).value(data)).else(client.get(key), ...fenceRead(client, fence)).commit(),
      { key },
    );
    if (response.succeeded) return withRevision(decodeValue(data, key), headerRevision(response.header));
    requireFence(response, fence, 1, key);
    current = stateFromElse(response);
  }
}

export async function deleteObject(context: WriteContext, key: string, options: DeleteOptions = {}): Promise<StoredObject> {
  const { client, requests } = context;
  let current = await readKey(context, key);
  for (;;) {
    if (current === undefined) throw StorageError.notFound(key);
    checkPreconditions(key, options.preconditions, current.object, current.revision);
    await options.validateDeletion?.(cloneObject(current.object));
    const readRevision = current.revision;
    const fence = currentFence();
    const response = await requests.run(
      'write',
      () => fenced(client.if(key, 'Mod', '==', readRevision), fence).then(client.delete().key(key)).else(client.get(key), ...fenceRead(client, fence)).commit(),
      { key },
    );
    if (response.succeeded) return withRevision(current.object, headerRevision(response.header));
    requireFence(response, fence, 1, key);
    current = stateFromElse(response);
  }
}

type Comparison = ReturnType<Etcd3['if']>;

/** Adds the fence (fence.ts) to a write's compares: the leader's election key still has its create revision. */
function fenced(comparison: Comparison, fence: WriteFence | undefined): Comparison {
  return fence === undefined ? comparison : comparison.and(fence.key, 'Create', '==', fence.createRevision);
}

/** The read of the fence key in the else branch, telling a refused fence from a lost race. */
function fenceRead(client: Etcd3, fence: WriteFence | undefined): ReturnType<Etcd3['get']>[] {
  return fence === undefined ? [] : [client.get(fence.key)];
}

function requireFence(response: ITxnResponse, fence: WriteFence | undefined, index: number, key: string): void {
  if (fence === undefined) return;
  const kv = response.responses[index]?.response_range?.kvs[0];
  if (kv === undefined || kv.create_revision !== fence.createRevision) throw fencedOut(key);
}

/** The key's state from a failed transaction's else branch (a get): no second read, as in Kubernetes. */
function stateFromElse(response: ITxnResponse): StoredState | undefined {
  // etcd3 declares every branch of the response oneof; only the one that ran is present.
  const range: IRangeResponse | undefined = response.responses[0]?.response_range;
  const kv = range?.kvs[0];
  return kv === undefined ? undefined : decodeKeyValue(kv);
}
