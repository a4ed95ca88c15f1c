// One pass over a Container with a pending check request (`spec.check.requestedAt` newer than
// `status.handledRequests.check`): check it now, with the manual reserve and a fresh tag list, and record the
// request as handled in the same status write. Containers whose requests carry the same requestedAt (a check of one
// image) share one batch of registry answers for a minute, so that an image is asked about once, not once per
// container.
// A container whose last check was made against another image (updated, rolled back or re-pulled since: the checked
// local digest is no longer among its own) is checked again too, without a request, so that an applied update leaves
// the approval queue at once and status says what the new image is offered, not what the old one was.
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import type { Container } from '../../schemas/generated/types.ts';
import { splitKey, type Clock, type Lister, type ReconcileContext, type Reconciler } from '../runtime/index.ts';
import type { RegistryReader } from '../registry/client.ts';
import type { Stored } from '../stored.ts';
import { checkedAnotherImage } from '../../domain/registry/checked-image.ts';
import { BatchReader } from './batch-reader.ts';
import type { ContainerChecker } from './container-checker.ts';

export interface CheckRequestReconcilerOptions {
  client: ResourceClient;
  containers: Lister<Stored<Container>>;
  checker: ContainerChecker;
  /** The process's registry client (or a fake). */
  registry: RegistryReader;
  clock: Clock;
  /** How long requests of one instant share registry answers. Default 60 s. */
  shareAnswersMs?: number;
  /** After each check (registry figures moved). */
  onChecked?: () => void;
}

/** The requestedAt of a pending check request, if there is one. */
export function pendingCheck(container: Pick<Container, 'spec' | 'status'> | undefined): string | undefined {
  const requestedAt = container?.spec?.check?.requestedAt;
  if (requestedAt === undefined) return undefined;
  const handled = container?.status?.handledRequests?.check;
  return handled === undefined || Date.parse(requestedAt) > Date.parse(handled) ? requestedAt : undefined;
}

export class CheckRequestReconciler implements Reconciler {
  readonly #options: CheckRequestReconcilerOptions;
  readonly #batches = new Map<string, { reader: BatchReader; createdAt: number }>();

  constructor(options: CheckRequestReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(context: ReconcileContext, key: string): Promise<void> {
    const cached = this.#options.containers.get(key);
    if (pendingCheck(cached) === undefined) {
      if (checkedAnotherImage(cached)) await this.#recheck(context, key);
      return;
    }
    // The cache may not show this controller's last write yet: a request is carried out once, so ask the store.
    const { namespace, name } = splitKey(key);
    let stored: Container;
    try {
      stored = (await this.#options.client.get('Container', namespace, name)) as Container;
    } catch (error) {
      if (isApiError(error, 'NotFound')) return;
      throw error;
    }
    const requestedAt = pendingCheck(stored);
    if (requestedAt === undefined) return;
    const outcome = await this.#options.checker.checkOne({ key, handles: requestedAt }, { purpose: 'manual', reader: this.#batch(requestedAt), signal: context.signal });
    context.logger.info({ requestedAt, requestedBy: stored.spec?.check?.requestedBy, outcome }, 'registry check request');
    this.#options.onChecked?.();
  }

  /** A check without a request, as a scan would make it (the scheduled reserve, the tag-list cache). */
  async #recheck(context: ReconcileContext, key: string): Promise<void> {
    const outcome = await this.#options.checker.checkOne({ key }, { purpose: 'scheduled', reader: this.#options.registry, signal: context.signal });
    context.logger.info({ outcome }, 'registry check after the image changed');
    this.#options.onChecked?.();
  }

  #batch(requestedAt: string): BatchReader {
    const now = this.#options.clock.now();
    const shareMs = this.#options.shareAnswersMs ?? 60_000;
    for (const [instant, batch] of this.#batches) if (now - batch.createdAt > shareMs) this.#batches.delete(instant);
    let batch = this.#batches.get(requestedAt);
    if (batch === undefined) {
      // A person or a webhook asks because something was just pushed: the tag list must be fresh.
      batch = { reader: new BatchReader(this.#options.registry, { tagListMaxAgeMs: 0 }), createdAt: now };
      this.#batches.set(requestedAt, batch);
    }
    return batch.reader;
  }
}
