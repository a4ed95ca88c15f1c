// Opens the configured backend and puts the watch cache in front of it: the one Store the rest of Vigil uses.
import type { Logger } from 'pino';
import type { StoreLocation } from '../../cli/serve-config.ts';
import { CachedStore } from './cache/cached-store.ts';
import { EncryptingStore } from './encrypting-store.ts';
import type { Store } from './interface.ts';
import type { SecretBox } from '../auth/secret-box.ts';

export interface OpenStoreOptions {
  dataDir: string;
  logger: Logger;
  /** Seals Secrets at rest (loadKeyring in auth/secret-box.ts). */
  encryption: SecretBox;
}

export async function openStore(location: StoreLocation, options: OpenStoreOptions): Promise<CachedStore> {
  const log = options.logger.child({ component: 'store' });
  // Each backend is imported only when configured: the etcd client and gRPC alone cost about 20 MiB of memory.
  let backend: Store;
  if (location.kind === 'embedded') {
    const { embeddedStorePath, openEmbeddedStore } = await import('./sqlite/store.ts');
    backend = openEmbeddedStore({
      path: embeddedStorePath(options.dataDir),
      onCompactionError: (error: unknown) => log.error({ err: error }, 'compaction of the embedded store failed'),
    });
  } else {
    const { EtcdStore } = await import('./etcd/store.ts');
    backend = new EtcdStore({ endpoints: location.endpoints });
  }
  // Between the backend and the cache: the backend stores only ciphertext, the cache serves plain objects.
  backend = new EncryptingStore({ backend, box: options.encryption });
  try {
    return await CachedStore.open({
      backend,
      onWarning: (message, error) => log.warn(error === undefined ? {} : { err: error }, message),
    });
  } catch (error) {
    await backend.close().catch(() => undefined);
    throw error;
  }
}
