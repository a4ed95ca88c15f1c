// The registry as one batch of checks sees it (a scan, or the checks one request asked for together): every tag
// list, digest and manifest is asked at most once per batch, whatever number of containers use the repository. This
// is what makes "distinct images checked once each" hold for containers that share an image but differ in scope,
// filters or history: each container's check runs in full, and all but the first are answered from memory.
// Answers that failed are remembered too (a registry that refuses is asked once per batch, not once per container),
// except an abort, which says nothing about the registry.
import type { DigestAnswer, ManifestAnswer, ManifestRef, RegistryReader, RepositoryRef, RequestOptions, TagListOptions } from '../registry/client.ts';

export interface BatchReaderOptions {
  /**
   * How old a cached tag list may be (see RegistryClient.listTags). Default: the registry's tagListTTL. A check a
   * person or a webhook asked for passes 0: the list must show what was pushed a moment ago.
   */
  tagListMaxAgeMs?: number;
}

export class BatchReader implements RegistryReader {
  readonly #inner: RegistryReader;
  readonly #options: BatchReaderOptions;
  readonly #answers = new Map<string, Promise<unknown>>();

  constructor(inner: RegistryReader, options: BatchReaderOptions = {}) {
    this.#inner = inner;
    this.#options = options;
  }

  listTags(ref: RepositoryRef, options: TagListOptions = {}): Promise<readonly string[]> {
    const maxAge = this.#options.tagListMaxAgeMs;
    return this.#once(`tags ${ref.registry}/${ref.repository}`, () => this.#inner.listTags(ref, maxAge === undefined ? options : { ...options, maxAgeMs: maxAge }));
  }

  headManifest(ref: ManifestRef, options: RequestOptions = {}): Promise<DigestAnswer> {
    return this.#once(`head ${ref.registry}/${ref.repository}@${ref.reference}`, () => this.#inner.headManifest(ref, options));
  }

  getManifest(ref: ManifestRef, options: RequestOptions = {}): Promise<ManifestAnswer> {
    return this.#once(`get ${ref.registry}/${ref.repository}@${ref.reference}`, () => this.#inner.getManifest(ref, options));
  }

  #once<T>(key: string, ask: () => Promise<T>): Promise<T> {
    const known = this.#answers.get(key);
    if (known !== undefined) return known as Promise<T>;
    const answer = ask();
    this.#answers.set(key, answer);
    answer.catch((error: unknown) => {
      if (isAbort(error)) this.#answers.delete(key);
    });
    return answer;
  }
}

function isAbort(error: unknown): boolean {
  const name = typeof error === 'object' && error !== null && 'name' in error ? error.name : undefined;
  return name === 'AbortError' || name === 'TimeoutError';
}
