// The pass's target in the server: the in-process ResourceClient, with the same rules as the HTTP API and the real
// Secret values (drift in a Secret is compared on its values, which are never logged).
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import type { ResourceObject } from '../../schemas/validation.ts';
import type { Configuration } from './configuration.ts';
import { GITOPS_FIELD_MANAGER, type ObjectRef } from './ownership.ts';
import { TargetError, type ApplyTarget } from './target.ts';

function targetError(error: unknown): unknown {
  return isApiError(error) ? new TargetError(error.message, { cause: error }) : error;
}

export class ResourceClientTarget implements ApplyTarget {
  readonly secretValuesVisible = true;
  readonly #client: ResourceClient;

  constructor(client: ResourceClient) {
    this.#client = client;
  }

  async get(ref: ObjectRef): Promise<ResourceObject | undefined> {
    try {
      return await this.#client.get(ref.kind, ref.namespace, ref.name);
    } catch (error) {
      if (isApiError(error, 'NotFound')) return undefined;
      throw targetError(error);
    }
  }

  async apply(configuration: Configuration, options: { dryRun: boolean }): Promise<ResourceObject> {
    try {
      return await this.#client.apply(configuration, { fieldManager: GITOPS_FIELD_MANAGER, force: true, dryRun: options.dryRun });
    } catch (error) {
      throw targetError(error);
    }
  }

  async delete(ref: ObjectRef, options: { dryRun: boolean }): Promise<void> {
    try {
      await this.#client.delete(ref.kind, ref.namespace, ref.name, { dryRun: options.dryRun });
    } catch (error) {
      if (isApiError(error, 'NotFound')) return;
      throw targetError(error);
    }
  }
}
