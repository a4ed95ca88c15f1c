// Which server a client command talks to, and as whom: --kubeconfig FILE, else the kubeconfig `vigil serve` wrote
// into its data directory (--data-dir, $VIGIL_DATA_DIR, ./data), else $KUBECONFIG; --server replaces the server URL
// (alone, it is enough for a local server without authentication).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigPath, kubeconfigYaml } from '../kubeconfig.ts';
import { CliError, UsageError } from './errors.ts';

export interface ConnectionFlags {
  kubeconfig?: string | undefined;
  server?: string | undefined;
  dataDir?: string | undefined;
}

export const CONNECTION_USAGE = `  --kubeconfig FILE     the kubeconfig to use (default: DATA_DIR/kubeconfig, then $KUBECONFIG)
  --data-dir DIR        the data directory of the local vigil serve (env VIGIL_DATA_DIR, default ./data)
  --server URL          the API server, e.g. http://127.0.0.1:8080 (overrides the kubeconfig's)
`;

export const CONNECTION_OPTIONS = {
  kubeconfig: { type: 'string' },
  server: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

/** The data directory as `vigil serve` resolves it. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const chosen = flag ?? (env.VIGIL_DATA_DIR !== undefined && env.VIGIL_DATA_DIR !== '' ? env.VIGIL_DATA_DIR : './data');
  return resolve(chosen);
}

function checkServerUrl(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`invalid --server ${JSON.stringify(server)}: expected a URL such as http://127.0.0.1:8080`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`invalid --server ${JSON.stringify(server)}: expected http:// or https://`);
  return server.replace(/\/+$/, '');
}

function loadFile(path: string, why: string): KubeConfig {
  const config = new KubeConfig();
  try {
    config.loadFromString(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read the kubeconfig ${path} (${why}): ${error instanceof Error ? error.message : String(error)}`);
  }
  if (config.getCurrentCluster() === null) throw new CliError(`the kubeconfig ${path} (${why}) has no current context with a cluster`);
  return config;
}

/** The KubeConfig the flags and environment select. Throws CliError saying what is missing. */
export function loadConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const server = flags.server === undefined ? undefined : checkServerUrl(flags.server);
  let config: KubeConfig | undefined;
  if (flags.kubeconfig !== undefined) {
    config = loadFile(resolve(flags.kubeconfig), '--kubeconfig');
  } else {
    const dataDir = resolveDataDir(flags.dataDir, env);
    const local = kubeconfigPath(dataDir);
    if (existsSync(local)) config = loadFile(local, 'written by vigil serve');
    else if (flags.dataDir !== undefined && server === undefined) {
      throw new CliError(`no kubeconfig at ${local}: is vigil serve running with --data-dir ${dataDir}? (or pass --server URL)`);
    } else if (env.KUBECONFIG !== undefined && env.KUBECONFIG !== '' && server === undefined) {
      // Only the first file of a KUBECONFIG list: merging several is kubectl's business.
      config = loadFile(resolve(env.KUBECONFIG.split(':')[0] ?? ''), '$KUBECONFIG');
    }
  }
  if (config === undefined) {
    if (server === undefined) {
      throw new CliError(`no kubeconfig found (looked at ${kubeconfigPath(resolveDataDir(flags.dataDir, env))} and $KUBECONFIG): start vigil serve, or pass --kubeconfig FILE or --server URL`);
    }
    config = new KubeConfig();
    config.loadFromString(kubeconfigYaml({ server }));
    return config;
  }
  if (server !== undefined) {
    const cluster = config.getCurrentCluster();
    if (cluster !== null) {
      // Cluster objects are read-only in client-node's types; replace the entry with a copy that has the new URL.
      config.clusters = config.clusters.map((entry) => (entry.name === cluster.name ? { ...entry, server, skipTLSVerify: entry.skipTLSVerify || server.startsWith('http:') } : entry));
    }
  }
  return config;
}
