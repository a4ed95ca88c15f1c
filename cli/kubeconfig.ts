// The kubeconfig `vigil serve` writes for its own server (DATA_DIR/kubeconfig), so that kubectl, client-node and the
// vigil CLI reach it with no hand editing.
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

export const KUBECONFIG_FILE = 'kubeconfig';
/** The cluster, user and context name in the files Vigil writes. */
export const KUBECONFIG_NAME = 'vigil';

export function kubeconfigPath(dataDir: string): string {
  return join(dataDir, KUBECONFIG_FILE);
}

/** The URL a local client uses for a server listening on `listen`: all interfaces are reached through loopback. */
export function localServerUrl(listen: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  const host = listen === '0.0.0.0' ? '127.0.0.1' : listen === '::' ? '::1' : listen;
  return `${scheme}://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

export interface KubeconfigOptions {
  server: string;
  /** The bearer token (an API token, `stk_...`) of the user entry; none when the server asks for none (--auth off). */
  token?: string;
  /** The server's certificate (PEM), pinned as the cluster's authority for an https:// server. */
  certificateAuthority?: string;
}

export function kubeconfigYaml(options: KubeconfigOptions): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{
      name: KUBECONFIG_NAME,
      cluster: options.certificateAuthority === undefined
        ? {
          server: options.server,
          // client-node refuses a plain-http server unless TLS verification is off, even though no TLS is involved;
          // kubectl ignores the flag for http (and sends no token over http: an https server is needed for that).
          'insecure-skip-tls-verify': true,
        }
        : { server: options.server, 'certificate-authority-data': Buffer.from(options.certificateAuthority).toString('base64') },
    }],
    // client-node requires a user entry, even an empty one.
    users: [{ name: KUBECONFIG_NAME, user: options.token === undefined ? {} : { token: options.token } }],
    contexts: [{ name: KUBECONFIG_NAME, context: { cluster: KUBECONFIG_NAME, user: KUBECONFIG_NAME } }],
    'current-context': KUBECONFIG_NAME,
    preferences: {},
  };
  return `# Written by vigil serve for its local API server; \`vigil kubeconfig\` prints it.\n${stringify(config)}`;
}

/** Writes DATA_DIR/kubeconfig readable by its owner only (it holds a token), replacing any older one whole. */
export function writeKubeconfig(dataDir: string, content: string): string {
  const path = kubeconfigPath(dataDir);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  // mode applies only when the file is created; make sure a leftover temporary file is private too.
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  return path;
}

/** The bearer token of the user entry in a kubeconfig file Vigil wrote; undefined when unreadable or without one. */
export function readKubeconfigToken(path: string): string | undefined {
  let config: unknown;
  try {
    config = parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  const users = typeof config === 'object' && config !== null && 'users' in config && Array.isArray(config.users) ? (config.users as unknown[]) : [];
  for (const entry of users) {
    if (typeof entry !== 'object' || entry === null || !('name' in entry) || entry.name !== KUBECONFIG_NAME || !('user' in entry)) continue;
    const user = entry.user;
    if (typeof user === 'object' && user !== null && 'token' in user && typeof user.token === 'string') return user.token;
  }
  return undefined;
}
