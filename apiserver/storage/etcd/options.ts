// The etcd store's options and their defaults, resolved once, and the etcd3 client configuration built from them.
import { Etcd3, type IOptions } from 'etcd3';
import { noop, type IBackoff } from 'cockatiel';

export interface EtcdStoreOptions {
  /** Client URLs of the etcd members, e.g. ['http://127.0.0.1:2379']. All http:// or all https://. */
  endpoints: string[];
  /**
   * How long a request keeps retrying while etcd cannot be reached (connection refused, no connection yet) before it
   * fails with StorageError Unreachable. Default 5 s.
   */
  dialTimeoutMs?: number;
  /** The deadline of one request to a connected etcd; a slower answer fails with StorageError Timeout. Default 10 s. */
  requestTimeoutMs?: number;
  /**
   * How long a watch may stay disconnected, reconnecting, before it fails with Unreachable (the consumer then
   * resumes from the last revision it saw). Default 30 s: long enough to ride out an etcd restart or leader change.
   */
  watchReconnectTimeoutMs?: number;
  /** Events a watcher may queue before its consumer is cut off as too slow. Default 10,000. */
  watchCapacity?: number;
  /**
   * gRPC keepalive ping interval (and ping timeout) on connections with calls in flight, so that a watch on an etcd
   * that vanished without closing its connection notices within about twice this. Default 10 s; etcd refuses pings
   * more often than every 5 s (its --grpc-keepalive-min-time).
   */
  keepaliveMs?: number;
  /** TLS material for https:// endpoints (passed to etcd3 as `credentials`). */
  tls?: { rootCertificate: Buffer; privateKey?: Buffer; certChain?: Buffer };
  /** etcd user and password, when etcd has authentication enabled. */
  auth?: { username: string; password: string };
}

export interface ResolvedOptions {
  endpoints: string[];
  dialTimeoutMs: number;
  requestTimeoutMs: number;
  watchReconnectTimeoutMs: number;
  watchCapacity: number;
  keepaliveMs: number;
}

export const DEFAULT_DIAL_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_WATCH_RECONNECT_TIMEOUT_MS = 30_000;
export const DEFAULT_WATCH_CAPACITY = 10_000;
export const DEFAULT_KEEPALIVE_MS = 10_000;
const MIN_KEEPALIVE_MS = 5_000;

export function resolveOptions(options: EtcdStoreOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    endpoints: options.endpoints,
    dialTimeoutMs: options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    watchReconnectTimeoutMs: options.watchReconnectTimeoutMs ?? DEFAULT_WATCH_RECONNECT_TIMEOUT_MS,
    watchCapacity: options.watchCapacity ?? DEFAULT_WATCH_CAPACITY,
    keepaliveMs: options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS,
  };
  if (!Array.isArray(resolved.endpoints) || resolved.endpoints.length === 0) {
    throw new TypeError('etcd store: options.endpoints must list at least one client URL');
  }
  for (const endpoint of resolved.endpoints) {
    if (!/^https?:\/\/[^/]+$/.test(endpoint)) {
      throw new TypeError(`etcd store: endpoint ${JSON.stringify(endpoint)} is not of the form http(s)://HOST:PORT`);
    }
  }
  requireCount('dialTimeoutMs', resolved.dialTimeoutMs, 0);
  requireCount('requestTimeoutMs', resolved.requestTimeoutMs, 1);
  requireCount('watchReconnectTimeoutMs', resolved.watchReconnectTimeoutMs, 1);
  requireCount('watchCapacity', resolved.watchCapacity, 1);
  requireCount('keepaliveMs', resolved.keepaliveMs, MIN_KEEPALIVE_MS);
  return resolved;
}

function constantBackoff(durationMs: number): IBackoff<unknown> {
  return { duration: durationMs, next: () => constantBackoff(durationMs) };
}

function requireCount(name: string, value: number, minimum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new TypeError(`etcd store: options.${name} must be an integer >= ${minimum}, not ${value}`);
  }
}

/** An etcd3 client whose fault handling leaves retries, deadlines and watch resumption to the store. */
export function createClient(options: EtcdStoreOptions, resolved: ResolvedOptions): Etcd3 {
  const clientOptions: IOptions = {
    hosts: resolved.endpoints,
    // etcd3's `dialTimeout` option is declared but never read (1.1.2), so the store bounds waiting itself: a deadline
    // on every unary call here, and its own retry window (dialTimeoutMs) and watch reconnect window around them.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + resolved.requestTimeoutMs }),
    faultHandling: {
      // etcd3's default global policy retries every call 3 times on any "recoverable" error, including a txn that
      // may already have been applied (a lost answer): guaranteedUpdate would then run tryUpdate on its own write.
      // The store retries itself, and only what is safe to retry (requests.ts).
      global: noop,
      // The default per-host circuit breaker refuses every call for 5 s after 3 failures: after an etcd restart the
      // store stayed unusable for seconds although etcd was up (measured: 3.6 s). Retries pick hosts at random anyway.
      host: () => noop,
      // Watches are re-created by the store from the last delivered revision, with its own backoff (watch.ts); this
      // only paces etcd3's re-establishment of its shared stream. Constant and short, so that a closed client leaves
      // no long timer behind (the default grows to 30 s).
      watchBackoff: constantBackoff(250),
    },
    grpcOptions: {
      'grpc.keepalive_time_ms': resolved.keepaliveMs,
      'grpc.keepalive_timeout_ms': resolved.keepaliveMs,
      // gRPC's reconnect backoff grows to 120 s by default; a restarted etcd should be found again within a second.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
      // gRPC refuses answers over 4 MiB by default: an unpaged list of a few thousand objects is bigger. kube-apiserver
      // lifts the limit the same way (MaxCallRecvMsgSize = MaxInt32); etcd's own request limit still bounds writes.
      'grpc.max_receive_message_length': 2 ** 31 - 1,
    },
  };
  if (options.tls !== undefined) clientOptions.credentials = options.tls;
  if (options.auth !== undefined) clientOptions.auth = options.auth;
  return new Etcd3(clientOptions);
}
