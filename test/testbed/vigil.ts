// Starts a real Vigil API server for client tests: `vigil serve` as a child process on a free port with a private
// data directory (what users run), or, when a test needs server options no flag offers (a tiny watch-cache history,
// short watch timeouts), the same app built in process and listening on 127.0.0.1.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../apiserver/app.ts';
import { CachedStore, type CachedStoreOptions } from '../../apiserver/storage/cache/cached-store.ts';
import { embeddedStorePath, openEmbeddedStore } from '../../apiserver/storage/sqlite/store.ts';
import { kubeconfigPath, kubeconfigYaml, writeKubeconfig } from '../../cli/kubeconfig.ts';
import { Daemon, freePort, makeTempDir, removeTempDir } from './daemon.ts';
import { projectRoot } from './provision.ts';

export interface VigilServer {
  url: string;
  dataDir: string;
  /** DATA_DIR/kubeconfig, as the server wrote it. */
  kubeconfig: string;
  /** The cached store of an in-process server (undefined for a child process). */
  store?: CachedStore;
  stop(): Promise<void>;
}

export const vigilCli = join(projectRoot, 'cli', 'vigil.ts');

/** `node cli/vigil.ts ARGS`: the CLI as users run it. */
export function vigilCommand(args: readonly string[]): { command: string; args: string[] } {
  return { command: process.execPath, args: [vigilCli, ...args] };
}

/** `vigil serve --port P --data-dir D` as a child process; resolves once /readyz answers and the kubeconfig exists. */
export async function startVigil(extraArgs: readonly string[] = []): Promise<VigilServer> {
  const dataDir = makeTempDir('vigil');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const kubeconfig = kubeconfigPath(dataDir);
  const { command, args } = vigilCommand(['serve', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn', ...extraArgs]);
  const daemon = new Daemon({
    name: 'vigil serve',
    command,
    args,
    logFile: join(dataDir, 'vigil.log'),
    ready: async () => existsSync(kubeconfig) && (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) })).ok,
  });
  try {
    await daemon.start();
  } catch (error) {
    removeTempDir(dataDir);
    throw error;
  }
  return {
    url,
    dataDir,
    kubeconfig,
    stop: async () => {
      await daemon.stop();
      removeTempDir(dataDir);
    },
  };
}

export interface InProcessOptions {
  cache?: Omit<CachedStoreOptions, 'backend'>;
  app?: Omit<AppOptions, 'store'>;
}

/** The same app in this process, on the embedded store, with a kubeconfig written as `vigil serve` writes it. */
export async function startInProcessVigil(options: InProcessOptions = {}): Promise<VigilServer & { app: FastifyInstance; store: CachedStore }> {
  const dataDir = makeTempDir('vigil');
  const backend = openEmbeddedStore({ path: embeddedStorePath(dataDir) });
  const store = await CachedStore.open({ ...options.cache, backend });
  const app = await buildApp({ logger: false, ...options.app, store });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address !== 'object') throw new Error('the app is not listening on a TCP port');
  const url = `http://127.0.0.1:${address.port}`;
  const kubeconfig = writeKubeconfig(dataDir, kubeconfigYaml({ server: url }));
  return {
    url,
    dataDir,
    kubeconfig,
    app,
    store,
    stop: async () => {
      await app.close();
      await store.close();
      removeTempDir(dataDir);
    },
  };
}
