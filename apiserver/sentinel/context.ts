// What every route group of the REST facade is given: the resource client (the only state there is), the clock, and
// the services that reach outside the store (Docker engines, registry checks, the dependency graph). Services are
// small interfaces, injected by buildApp's `sentinel` option, so that each is wired in one line and tests can give
// the real ones or leave one out (its routes then answer 503 saying what is not running).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ResourceClient } from '../resources/client.ts';
import type { DockerClient } from '../../domain/docker/client.ts';
import type { Container, Registry, Secret } from '../../schemas/generated/types.ts';
import type { GhcrAlternative, GhcrCandidate } from '../../domain/registry/ghcr.ts';
import type { ContainerRef } from './container-key.ts';
import type { ChangeFeed } from './events/sse-stream.ts';
import type { LiveOptions } from './live/options.ts';

/** The field manager of every write the facade makes (metadata.managedFields); the user is in `requestedBy`. */
export const REST_FIELD_MANAGER = 'vigil-rest';

/** Docker hosts, through the sessions of the Docker controllers (controllers/docker-hosts.ts). */
export interface DockerAccess {
  /** The client of a connected Host; undefined while it is not connected (or this replica does not lead). */
  client(host: string): DockerClient | undefined;
  /** The Container `log` subresource's provider (`controllers.docker.logs`): rejects with ApiErrors 400/404/503. */
  logs(namespace: string, name: string, options: { tailLines: number }): Promise<string>;
}

export type CheckOutcome = 'update_available' | 'up_to_date' | 'local' | 'check_failed' | 'rate_limited';

/** What a synchronous check of one container answers (controllers/registry-check/requests.ts ContainerCheckAnswer). */
export interface CheckAnswer {
  outcome: CheckOutcome;
  newerVersions: string[];
  error?: string;
}

export interface RequestBy {
  requestedBy: string;
  fieldManager: string;
}

/** Registry checks (issue 5's controllers/registry-check/requests.ts): each writes a request and, for one, waits. */
export interface RegistryChecks {
  /** POST /api/check/{name}: spec.check, then wait for status.handledRequests.check. */
  checkNow(container: ContainerRef, options: RequestBy & { signal?: AbortSignal }): Promise<CheckAnswer>;
  /** POST /api/webhook: spec.check on every container of the image's repository; throws on an unreadable reference. */
  checkImage(image: string, options: RequestBy): Promise<{ repository: string; containers: Array<Pick<ContainerRef, 'namespace' | 'name'>> }>;
  /** POST /api/scan: Settings spec.scan; resolves with its requestedAt. */
  scan(options: RequestBy): Promise<string>;
}

/** Every tag of an image's repository (the registry client's tag-list cache). */
export interface TagSource {
  listTags(image: string, signal: AbortSignal): Promise<readonly string[]>;
}

/** GET /api/deps of one Host (issue 6's controllers/dependencies/graph.ts dependencyGraph). */
export interface DependencyGraph {
  containers: Array<{ name: string; dependencies: string[]; dependents: string[] }>;
  order: string[];
  has_cycles: boolean;
}

export type DependencyGraphOf = (containers: readonly Container[]) => DependencyGraph;

/** What POST /api/settings/registries/test answers: the credentials were accepted, or refused (the message says how). */
export interface CredentialTestResult {
  success: boolean;
  message: string;
}

/**
 * Tests registry credentials with one authenticated request (the registry client, controllers/registry/credential-test.ts).
 * A refusal resolves with `success: false`; an unreachable registry rejects with a RegistryError.
 */
export interface CredentialTester {
  test(
    server: string,
    username: string,
    password: string,
    options: {
      /** The server's Registry resource, for its CA and plain-HTTP setting (its own credentials are not used). */
      resource?: Registry;
      readSecret: (namespace: string, name: string) => Promise<Secret | undefined>;
    },
  ): Promise<CredentialTestResult>;
}

/** What a test send to one channel did (POST /api/settings/notifications/test); `error` is redacted by the sender. */
export interface NotificationTestResult {
  /** The channel's REST id. */
  id: string;
  name: string;
  type: string;
  success: boolean;
  error?: string;
}

/**
 * Sends a test message through the real senders and renderer (controllers/notifications/controller/tester.ts):
 * to the channel with this REST id (or resource name), or to every enabled channel when none is given. Resolves
 * with one result per channel; an unknown id resolves with an empty list.
 */
export interface NotificationTester {
  test(options: { channelId?: string; signal?: AbortSignal }): Promise<NotificationTestResult[]>;
}

/**
 * GHCR alternatives of Docker Hub images (controllers/registry/ghcr-alternatives.ts): a cache keyed by registry,
 * repository and tag, and probes by manifest HEAD within the registries' manual reserve.
 */
export interface GhcrAlternativeSource {
  /** The cached alternative, or one probe now; a transient failure answers `error` and is not cached. */
  check(candidate: GhcrCandidate, options: { signal?: AbortSignal }): Promise<{ alternative: GhcrAlternative } | { error: string }>;
  /** Every cached entry, including those not available. */
  list(): GhcrAlternative[];
}

/** One Docker endpoint as Portainer lists it (POST /api/portainer/instances/{id}/test). */
export interface PortainerEndpointSeen {
  id: number;
  name: string;
  url: string;
  type: number;
  /** Portainer's Status: 1 up, 2 down. */
  status: number;
}

/**
 * Reads a Portainer's status and endpoint list now, with the instance's key and TLS trust (the portainer controller's
 * client, controllers/portainer/portainer-client.ts). Rejects with an Error whose message says what Portainer or the
 * connection answered, never with the key in it.
 */
export interface PortainerTester {
  test(
    target: { url: string; apiKey: string; tls: { ca?: string; pinnedSha256?: string; insecureSkipVerify?: boolean } },
    options: { signal?: AbortSignal },
  ): Promise<{ version: string; endpoints: PortainerEndpointSeen[] }>;
}

/** The services buildApp's `sentinel` option passes; all optional (an absent one makes its routes answer 503). */
export interface SentinelServices {
  docker?: DockerAccess;
  checks?: RegistryChecks;
  tags?: TagSource;
  dependencies?: DependencyGraphOf;
  credentials?: CredentialTester;
  notifications?: NotificationTester;
  ghcr?: GhcrAlternativeSource;
  portainer?: PortainerTester;
  /** Every change of every vigil.dev kind (GET /api/events, metric counters); buildApp wires the watch cache. */
  changes?: ChangeFeed;
  /** /metrics, the Grafana dashboard, GET /api/events tuning, GET /api/about facts (live/options.ts). */
  live?: LiveOptions;
}

export interface SentinelContext extends SentinelServices {
  resources: ResourceClient;
  now: () => Date;
}

/** The fastify plugin a route group is: registered inside the facade's context (error envelope, body parsing). */
export type RouteGroup = (app: FastifyInstance, context: SentinelContext) => Promise<void>;

/** Who asked, for `requestedBy` and messages: the username, or "anonymous" while authentication is off. */
export function requesterOf(request: FastifyRequest): string {
  return request.principal?.user?.username ?? 'anonymous';
}

export function requestBy(request: FastifyRequest): RequestBy {
  return { requestedBy: requesterOf(request), fieldManager: REST_FIELD_MANAGER };
}
