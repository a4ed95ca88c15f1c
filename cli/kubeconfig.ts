// The kubeconfig `vigil serve` writes for its own server (DATA_DIR/kubeconfig), so that kubectl, client-node and the
// vigil CLI reach it with no hand editing.
import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const KUBECONFIG_FILE = 'kubeconfig';
/** The cluster, user and context name in the files Vigil writes. */
export const KUBECONFIG_NAME = 'vigil';

export function kubeconfigPath(dataDir: string): string {
  return join(dataDir, KUBECONFIG_FILE);
}

/** The URL a local client uses for a server listening on `listen`: all interfaces are reached through loopback. */
export function localServerUrl(listen: string, port: number): string {
  const host = listen === '0.0.0.0' ? '127.0.0.1' : listen === '::' ? '::1' : listen;
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

export interface KubeconfigOptions {
  server: string;
  /**
   * The bearer token of the user entry. Until authentication exists the server asks for none and the entry carries
   * no credentials; the authentication work issues an API token at setup and passes it here.
   */
  token?: string;
}

export function kubeconfigYaml(options: KubeconfigOptions): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{
      name: KUBECONFIG_NAME,
      cluster: {
        server: options.server,
        // client-node refuses a plain-http server unless TLS verification is off, even though no TLS is involved;
        // kubectl ignores the flag for http.
        'insecure-skip-tls-verify': true,
      },
    }],
    // client-node requires a user entry, even an empty one.
    users: [{ name: KUBECONFIG_NAME, user: options.token === undefined ? {} : { token: options.token } }],
    contexts: [{ name: KUBECONFIG_NAME, context: { cluster: KUBECONFIG_NAME, user: KUBECONFIG_NAME } }],
    'current-context': KUBECONFIG_NAME,
    preferences: {},
  };
  return `# Written by vigil serve for its local API server; \`vigil kubeconfig\` prints it.\n${stringify(config)}`;
}

/** Writes DATA_DIR/kubeconfig readable by its owner only (it will hold a token), replacing any older one whole. */
export function writeKubeconfig(dataDir: string, content: string): string {
  const path = kubeconfigPath(dataDir);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  // mode applies only when the file is created; make sure a leftover temporary file is private too.
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  return path;
}
