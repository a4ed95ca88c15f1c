// POST /api/settings/registries/test: do these credentials open this registry? One authenticated `GET /v2/` with the
// registry client (Docker Hub and GHCR through their token services, other registries by following their challenge,
// Basic or Bearer), with the CA and plain-HTTP setting of the server's Registry resource when there is one. A refusal
// of the credentials is an answer (`success: false`); a registry that cannot be reached is a 502.
import type { Registry, Secret } from '../../schemas/generated/types.ts';
import { canonicalRegistry, DOCKER_HUB } from '../../domain/registry/reference.ts';
import { RegistryClient } from './client.ts';
import { isRegistryError } from '../../domain/registry/errors.ts';
import { DEFAULT_SECRET_NAMESPACE } from '../../schemas/index.ts';
import { registryConfigFromResource } from './registry-config.ts';
import type { RegistryConfig } from './session.ts';

export interface CredentialTestResult {
  /** true: accepted; false: refused (the message says how); an unreachable registry throws RegistryError instead. */
  success: boolean;
  message: string;
}

export interface CredentialTestOptions {
  /** The server's Registry resource, for its CA and plain-HTTP setting (its own credentials are not used). */
  resource?: Registry;
  /** Reads a Secret through the resource API (the controllers read theirs from an informer instead). */
  readSecret: (namespace: string, name: string) => Promise<Secret | undefined>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The repository the token is asked for: Docker Hub wants a real one; for others any name gets a token or a refusal. */
function probeRepository(server: string): string {
  return server === DOCKER_HUB ? 'library/alpine' : 'vigil/credentials-check';
}

export async function testCredentials(server: string, username: string, password: string, options: CredentialTestOptions): Promise<CredentialTestResult> {
  const canonical = canonicalRegistry(server);
  let config: RegistryConfig = { server: canonical };
  if (options.resource !== undefined) {
    const { credentials: _own, ...spec } = options.resource.spec;
    // Without its own credentials, the only Secret the resource can name is its CA: read it before the (synchronous)
    // config is built.
    const caRef = spec.caSecretRef;
    const ca = caRef === undefined ? undefined : await options.readSecret(caRef.namespace ?? DEFAULT_SECRET_NAMESPACE, caRef.name);
    config = registryConfigFromResource({ ...options.resource, spec }, (_namespace, name) => (name === caRef?.name ? ca : undefined));
  }
  const client = new RegistryClient({
    config: () => ({ ...config, credentials: { username, password } }),
    timeoutMs: options.timeoutMs ?? 15_000,
    maxRetries: 0,
  });
  try {
    await client.session(canonical).request({
      kind: 'tags',
      method: 'GET',
      path: '/v2/',
      repository: probeRepository(canonical),
      purpose: 'manual',
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return { success: true, message: 'Credentials valid' };
  } catch (error) {
    if (isRegistryError(error) && error.code === 'unauthorized') return { success: false, message: `Invalid credentials: ${error.message}` };
    throw error;
  } finally {
    await client.close();
  }
}
