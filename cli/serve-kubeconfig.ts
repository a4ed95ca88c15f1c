// The kubeconfig `vigil serve` keeps in its data directory (DATA_DIR/kubeconfig, 0600), so that kubectl, client-node
// and the vigil CLI on this machine work with no hand editing: it carries an API token of an admin, minted when the
// first admin is set up, and again at a start that finds the file missing or its token no longer valid (revoked, or
// its user deleted). Like every token only its hash is in the store; the file holds the token itself, by design:
// the data directory is the trust boundary, as for the setup token and the encryption key kept beside it.
import { rmSync } from 'node:fs';
import type { Logger } from 'pino';
import type { AuthService } from '../apiserver/auth/service.ts';
import { kubeconfigPath, kubeconfigYaml, readKubeconfigToken, writeKubeconfig } from './kubeconfig.ts';

/** The name of the API token the kubeconfig carries (listed with the admin's other tokens, revocable like them). */
export const KUBECONFIG_TOKEN_NAME = 'kubeconfig';

export interface LocalKubeconfigOptions {
  auth: AuthService;
  dataDir: string;
  /** The URL local clients reach the server at (localServerUrl): https:// when it serves TLS. */
  server: string;
  /** The certificate of an https:// server (PEM), pinned in the kubeconfig. */
  certificateAuthority?: string;
  log: Logger;
}

/**
 * Writes DATA_DIR/kubeconfig for the running server: with the token it already holds while that token is valid, else
 * with a new token of the first admin. Before setup there is no one to mint a token for: no file then (a stale one
 * from an earlier store is removed), except with authentication off by configuration, when no token is needed.
 * Returns the path written, or undefined.
 */
export async function writeLocalKubeconfig(options: LocalKubeconfigOptions): Promise<string | undefined> {
  const path = kubeconfigPath(options.dataDir);
  const cluster = { server: options.server, ...(options.certificateAuthority === undefined ? {} : { certificateAuthority: options.certificateAuthority }) };
  if (!(await options.auth.isSetUp())) {
    if (options.auth.forcedOff) return writeKubeconfig(options.dataDir, kubeconfigYaml(cluster));
    rmSync(path, { force: true });
    return undefined;
  }
  const held = readKubeconfigToken(path);
  if (held !== undefined && (await options.auth.principalFromToken(held)) !== undefined) {
    return writeKubeconfig(options.dataDir, kubeconfigYaml({ ...cluster, token: held }));
  }
  const admin = await options.auth.firstAdmin();
  if (admin === undefined) throw new Error('Vigil is set up but no admin was found');
  const issued = await options.auth.issueApiToken(admin, KUBECONFIG_TOKEN_NAME);
  options.log.info({ tokenId: issued.id, username: admin.username }, `issued the API token "${KUBECONFIG_TOKEN_NAME}" (${issued.id}) of admin "${admin.username}" for ${path}`);
  return writeKubeconfig(options.dataDir, kubeconfigYaml({ ...cluster, token: issued.token }));
}
