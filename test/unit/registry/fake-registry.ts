// A fake registry for unit tests of the check: it holds repositories, tags and manifests (content-addressed like a
// real one) and counts what it is asked, since asking little is part of what the check must do.
import type { DigestAnswer, ManifestAnswer, ManifestRef, RegistryReader, RepositoryRef } from '../../../controllers/registry/client.ts';
import { RegistryError } from '../../../domain/registry/errors.ts';
import { MEDIA_TYPES, sha256Digest, type Manifest, type Platform } from '../../../controllers/registry/manifest.ts';

export const AMD64: Platform = { os: 'linux', architecture: 'amd64' };
export const ARM64: Platform = { os: 'linux', architecture: 'arm64' };

export class FakeRegistry implements RegistryReader {
  readonly requests = { tags: 0, head: 0, get: 0 };
  readonly #tags = new Map<string, Map<string, string>>();
  readonly #manifests = new Map<string, Manifest>();
  #failure: Error | undefined;
  #inFlight = 0;
  /** The most tag-list requests that were under way at once. */
  mostInFlight = 0;
  #hold: { count: number; release: () => void; released: Promise<void> } | undefined;

  /**
   * The next tag-list requests wait until `count` of them are under way at once, then all go on (once): proves that
   * a caller runs at least `count` at a time without timing. A caller that never gets there hangs (the test fails).
   */
  holdTagListsUntil(count: number): void {
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#hold = { count, release, released };
  }

  /** Every later request fails with this error (undefined: none fails). */
  failWith(error: Error | undefined): void {
    this.#failure = error;
  }

  /** Stores an image manifest whose config digest (image ID) is derived from `content`; returns its digest. */
  image(content: string): { digest: string; imageID: string } {
    const imageID = sha256Digest(`config ${content}`);
    const manifest: Manifest = { kind: 'image', mediaType: MEDIA_TYPES.ociManifest, configDigest: imageID };
    const digest = sha256Digest(JSON.stringify(manifest));
    this.#manifests.set(digest, manifest);
    return { digest, imageID };
  }

  /** Stores an index over platform manifests; returns its digest. */
  index(entries: Array<{ digest: string; platform: Platform }>): string {
    const manifest: Manifest = { kind: 'index', mediaType: MEDIA_TYPES.ociIndex, manifests: entries.map((entry) => ({ digest: entry.digest, mediaType: MEDIA_TYPES.ociManifest, platform: entry.platform })) };
    const digest = sha256Digest(JSON.stringify(manifest));
    this.#manifests.set(digest, manifest);
    return digest;
  }

  tag(repository: string, tag: string, digest: string): void {
    let tags = this.#tags.get(repository);
    if (tags === undefined) {
      tags = new Map();
      this.#tags.set(repository, tags);
    }
    tags.set(tag, digest);
  }

  async listTags(ref: RepositoryRef): Promise<readonly string[]> {
    this.requests.tags += 1;
    this.#inFlight += 1;
    this.mostInFlight = Math.max(this.mostInFlight, this.#inFlight);
    try {
      const hold = this.#hold;
      if (hold !== undefined) {
        if (this.#inFlight >= hold.count) {
          this.#hold = undefined;
          hold.release();
        }
        await hold.released;
      }
    } finally {
      this.#inFlight -= 1;
    }
    this.#maybeFail(ref.registry);
    const tags = this.#tags.get(ref.repository);
    if (tags === undefined) throw new RegistryError({ code: 'not_found', registry: ref.registry, message: `${ref.repository}: NAME_UNKNOWN` });
    return [...tags.keys()];
  }

  async headManifest(ref: ManifestRef): Promise<DigestAnswer> {
    this.requests.head += 1;
    this.#maybeFail(ref.registry);
    const digest = this.#resolve(ref);
    const manifest = this.#manifests.get(digest);
    return { digest, ...(manifest === undefined ? {} : { mediaType: manifest.mediaType }) };
  }

  async getManifest(ref: ManifestRef): Promise<ManifestAnswer> {
    this.requests.get += 1;
    this.#maybeFail(ref.registry);
    const digest = this.#resolve(ref);
    const manifest = this.#manifests.get(digest);
    if (manifest === undefined) throw new RegistryError({ code: 'not_found', registry: ref.registry, message: `${digest}: MANIFEST_UNKNOWN` });
    return { digest, manifest };
  }

  #resolve(ref: ManifestRef): string {
    if (ref.reference.startsWith('sha256:')) return ref.reference;
    const digest = this.#tags.get(ref.repository)?.get(ref.reference);
    if (digest === undefined) throw new RegistryError({ code: 'not_found', registry: ref.registry, message: `${ref.repository}:${ref.reference}: MANIFEST_UNKNOWN` });
    return digest;
  }

  #maybeFail(registry: string): void {
    if (this.#failure !== undefined) throw this.#failure instanceof RegistryError ? this.#failure : new RegistryError({ code: 'network', registry, message: this.#failure.message });
  }
}
