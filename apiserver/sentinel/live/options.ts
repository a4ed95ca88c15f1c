// What the live endpoints (events, metrics, about) are given beyond the resources: the process's metrics registry,
// whether metrics are forced on, how the event stream paces itself, and facts of the running server.
import type { Registry } from 'prom-client';
import type { ChangeFeed } from '../events/sse-stream.ts';
import type { CachedStore } from '../../storage/cache/cached-store.ts';

export interface EventStreamTuning {
  /** Heartbeat comment interval. Default 15 s. */
  heartbeatMs?: number;
  /** A socket that does not drain for this long is closed. Default 30 s. */
  drainTimeoutMs?: number;
  /** A socket holding more unsent bytes is closed. Default 1 MiB. */
  maxBufferedBytes?: number;
}

/** Which replica this is and who leads (the controller manager's election), for GET /api/about. */
export interface LeadershipView {
  /** This replica's identity in the election. */
  readonly identity: string;
  isLeader(): boolean;
  /** The leader's identity as the election records it; undefined while nobody leads or it cannot be read. */
  currentLeader(): Promise<string | undefined>;
  /** The election lease's TTL; undefined with the embedded store (one process, no lease). */
  readonly leaseTtlSeconds: number | undefined;
}

export interface LiveOptions {
  /** The process's prom-client registry (the controller manager's too); buildApp passes the one it instruments HTTP on. */
  metricsRegistry?: Registry;
  /** Serve /metrics whatever Settings says (SENTINEL_METRICS=true or VIGIL_METRICS=true at start). Default false. */
  metricsAlwaysOn?: boolean;
  events?: EventStreamTuning;
  /** GET /api/about's data_directory. */
  dataDirectory?: string;
  /** GET /api/about's started_at and uptime. Default: when the app was built. */
  startedAt?: Date;
  /** GET /api/about's replica, leading, leader and lease_ttl_seconds. Absent: this process is reported as the leader. */
  leadership?: LeadershipView;
}

/** The change feed over the watch cache: every vigil.dev kind (Secrets are not under this prefix). */
export function cacheChangeFeed(store: CachedStore): ChangeFeed {
  return {
    revision: () => store.revision,
    watch: (revision, signal) => store.watch('/registry/vigil.dev/', { revision, signal, allowBookmarks: true }),
  };
}
