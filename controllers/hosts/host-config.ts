// A Host's spec as a session configuration: the endpoint (absent = the server's own --docker-host), TLS material
// read from the Secrets it references, and the relist interval. Secret values go into the client only, never into
// a message, a log line or a status field.
import { createHash } from 'node:crypto';
import { DEFAULT_SECRET_NAMESPACE } from '../../schemas/index.ts';
import { parseDuration } from '../../schemas/duration.ts';
import type { Host, Secret, SecretKeySelector } from '../../schemas/generated/types.ts';
import type { DockerTLS } from '../docker/endpoint.ts';
import type { SessionConfig } from './host-sessions.ts';

/** Host spec.resyncInterval's default (docs/resources.md). */
export const DEFAULT_RESYNC_INTERVAL_MS = 5 * 60_000;

/** Why a Host cannot be connected as specified; the reason becomes the Connected condition's. */
export class HostConfigError extends Error {
  readonly reason: 'SecretNotFound' | 'SecretKeyNotFound' | 'InvalidTLS' | 'InvalidEndpoint';

  constructor(reason: HostConfigError['reason'], message: string) {
    super(message);
    this.name = 'HostConfigError';
    this.reason = reason;
  }
}

export type SecretLookup = (namespace: string, name: string) => Secret | undefined;

function secretValue(selector: SecretKeySelector, lookup: SecretLookup, what: string): string {
  const namespace = selector.namespace ?? DEFAULT_SECRET_NAMESPACE;
  const secret = lookup(namespace, selector.name);
  if (secret === undefined) throw new HostConfigError('SecretNotFound', `the ${what} Secret ${namespace}/${selector.name} does not exist`);
  // stringData wins over data, as when the API server merges it on write (an in-process write may keep it unmerged).
  const plain = secret.stringData?.[selector.key];
  if (plain !== undefined) return plain;
  const encoded = secret.data?.[selector.key];
  if (encoded === undefined) throw new HostConfigError('SecretKeyNotFound', `the ${what} Secret ${namespace}/${selector.name} has no key ${JSON.stringify(selector.key)}`);
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** The endpoint a Host uses: spec.dockerHost, or the server's own Docker host. */
export function hostEndpointURL(host: Host, defaultDockerHost: string): string {
  return host.spec?.dockerHost ?? defaultDockerHost;
}

export function sessionConfig(host: Host, defaultDockerHost: string, lookup: SecretLookup): SessionConfig {
  const url = hostEndpointURL(host, defaultDockerHost);
  const spec = host.spec ?? {};
  let tls: DockerTLS | undefined;
  if (spec.tls !== undefined) {
    if (!url.startsWith('tcp://')) throw new HostConfigError('InvalidEndpoint', `spec.tls applies to tcp:// endpoints, not to ${url}`);
    const { caSecretRef, certSecretRef, keySecretRef, verify } = spec.tls;
    if ((certSecretRef === undefined) !== (keySecretRef === undefined)) {
      throw new HostConfigError('InvalidTLS', 'spec.tls needs both certSecretRef and keySecretRef, or neither');
    }
    tls = {
      ...(caSecretRef === undefined ? {} : { ca: secretValue(caSecretRef, lookup, 'CA') }),
      ...(certSecretRef === undefined ? {} : { cert: secretValue(certSecretRef, lookup, 'client certificate') }),
      ...(keySecretRef === undefined ? {} : { key: secretValue(keySecretRef, lookup, 'client key') }),
      ...(verify === undefined ? {} : { verify }),
    };
  }
  const resyncIntervalMs = spec.resyncInterval === undefined ? DEFAULT_RESYNC_INTERVAL_MS : parseDuration(spec.resyncInterval, { days: false });
  const endpoint = { url, ...(tls === undefined ? {} : { tls }) };
  // A hash, so that the key material is compared without being kept in another place.
  const fingerprint = createHash('sha256').update(JSON.stringify({ endpoint, resyncIntervalMs })).digest('hex');
  return { endpoint, resyncIntervalMs, fingerprint };
}

/** The Secrets (namespace/name) a Host's spec refers to, for re-reconciling it when one changes. */
export function referencedSecrets(host: Host): string[] {
  const tls = host.spec?.tls;
  if (tls === undefined) return [];
  return [tls.caSecretRef, tls.certSecretRef, tls.keySecretRef]
    .flatMap((selector) => (selector === undefined ? [] : [`${selector.namespace ?? DEFAULT_SECRET_NAMESPACE}/${selector.name}`]));
}
