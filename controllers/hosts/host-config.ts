// A Host's spec as a session configuration: the endpoint (absent = the server's own --docker-host), TLS material
// read from the Secrets it references, and the relist interval. Secret values go into the client only, never into
// a message, a log line or a status field.
import { createHash } from 'node:crypto';
import { DEFAULT_SECRET_NAMESPACE } from '../../schemas/index.ts';
import { parseDuration } from '../../schemas/duration.ts';
import type { Host, HostPortainer, Secret, SecretKeySelector } from '../../schemas/generated/types.ts';
import type { DockerEndpoint, DockerTLS } from '../docker/endpoint.ts';
import type { SessionConfig } from './host-sessions.ts';

/** Host spec.resyncInterval's default (docs/resources.md). */
export const DEFAULT_RESYNC_INTERVAL_MS = 5 * 60_000;

/** Why a Host cannot be connected as specified; the reason becomes the Connected condition's. */
export class HostConfigError extends Error {
  readonly reason: 'SecretNotFound' | 'SecretKeyNotFound' | 'InvalidTLS' | 'InvalidEndpoint' | 'EndpointDown' | 'EdgeAsync';

  constructor(reason: HostConfigError['reason'], message: string) {
    super(message);
    this.name = 'HostConfigError';
    this.reason = reason;
  }
}

export type SecretLookup = (namespace: string, name: string) => Secret | undefined;

export function secretValue(selector: SecretKeySelector, lookup: SecretLookup, what: string): string {
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
  return host.spec?.portainer?.url ?? host.spec?.dockerHost ?? defaultDockerHost;
}

/**
 * A Host behind a Portainer Docker proxy: the same session and client as any Host, with the proxy as transport. An
 * endpoint Portainer reports down, or an async Edge one (which Portainer cannot proxy to), opens no session at all:
 * the Host says so and waits for the portainer controller to see it up, instead of reconnecting in a loop.
 */
function portainerEndpoint(portainer: HostPortainer, host: Host, lookup: SecretLookup): DockerEndpoint {
  if (host.spec?.dockerHost !== undefined || host.spec?.tls !== undefined) {
    throw new HostConfigError('InvalidEndpoint', 'spec.portainer excludes spec.dockerHost and spec.tls');
  }
  if (portainer.state === 'down') {
    throw new HostConfigError('EndpointDown', `Portainer ${portainer.instance} reports endpoint ${portainer.endpointId} down; not connecting until it is up`);
  }
  if (portainer.state === 'edgeAsync') {
    throw new HostConfigError('EdgeAsync', `endpoint ${portainer.endpointId} of Portainer ${portainer.instance} is an async Edge agent, which Portainer's Docker proxy cannot reach; read-only`);
  }
  const apiKey = secretValue(portainer.apiKeySecretRef, lookup, 'Portainer API key');
  const { caSecretRef, pinnedSha256, insecureSkipVerify } = portainer.tls ?? {};
  if (caSecretRef !== undefined && pinnedSha256 !== undefined) throw new HostConfigError('InvalidTLS', 'spec.portainer.tls takes caSecretRef or pinnedSha256, not both');
  const tls = {
    ...(caSecretRef === undefined ? {} : { ca: secretValue(caSecretRef, lookup, 'Portainer CA') }),
    ...(pinnedSha256 === undefined ? {} : { pinnedSha256 }),
    ...(insecureSkipVerify === undefined ? {} : { insecureSkipVerify }),
  };
  return { url: portainer.url, portainer: { apiKey, tls } };
}

export function sessionConfig(host: Host, defaultDockerHost: string, lookup: SecretLookup): SessionConfig {
  const url = hostEndpointURL(host, defaultDockerHost);
  const spec = host.spec ?? {};
  const resyncIntervalMs = spec.resyncInterval === undefined ? DEFAULT_RESYNC_INTERVAL_MS : parseDuration(spec.resyncInterval, { days: false });
  if (spec.portainer !== undefined) return withFingerprint(portainerEndpoint(spec.portainer, host, lookup), resyncIntervalMs);
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
  return withFingerprint({ url, ...(tls === undefined ? {} : { tls }) }, resyncIntervalMs);
}

function withFingerprint(endpoint: DockerEndpoint, resyncIntervalMs: number): SessionConfig {
  // A hash, so that the key material is compared without being kept in another place.
  const fingerprint = createHash('sha256').update(JSON.stringify({ endpoint, resyncIntervalMs })).digest('hex');
  return { endpoint, resyncIntervalMs, fingerprint };
}

/** The Secrets (namespace/name) a Host's spec refers to, for re-reconciling it when one changes. */
export function referencedSecrets(host: Host): string[] {
  const tls = host.spec?.tls;
  const portainer = host.spec?.portainer;
  return [tls?.caSecretRef, tls?.certSecretRef, tls?.keySecretRef, portainer?.apiKeySecretRef, portainer?.tls?.caSecretRef]
    .flatMap((selector) => (selector === undefined ? [] : [`${selector.namespace ?? DEFAULT_SECRET_NAMESPACE}/${selector.name}`]));
}
