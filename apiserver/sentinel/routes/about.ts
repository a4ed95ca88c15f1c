// GET /api/about (what this Vigil is and holds) and GET /api/ratelimits (the registries' request budgets, as the
// registry checker records them: in Registry statuses, and in Settings status for registries without a Registry).
import type { FastifyInstance } from 'fastify';
import type { NotificationChannel, Registry, UpdateRecord } from '../../../schemas/generated/types.ts';
import { registryRateLimits, type RegistryRateLimit } from '../registries/rate-limits.ts';
import { versionInfo, vigilVersion } from '../../version.ts';
import type { SentinelContext } from '../context.ts';
import { listContainers, listUpdateRecords, readSettings } from '../reads.ts';
import { isPresent } from '../views/container-view.ts';
import { settingsDefault } from '../settings/setting-keys.ts';
import { channelName } from '../notifications/channel-mapping.ts';

const CACHED = { resourceVersion: '0' } as const;

/** Sentinel's uptime: `3d 12h 5m` (days and hours only when there are any). */
export function formatUptime(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const parts = [...(days > 0 ? [`${days}d`] : []), ...(days > 0 || hours > 0 ? [`${hours}h`] : []), `${minutes % 60}m`];
  return parts.join(' ');
}

/** RFC 3339 to the second, as Go's time.RFC3339 prints UTC times. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export type RegistryHealth = 'ok' | 'low' | 'exhausted' | 'error' | 'unknown';

const SEVERITY: Readonly<Record<RegistryHealth, number>> = { unknown: 0, ok: 1, low: 2, error: 3, exhausted: 4 };

/** The worst health of all registries ("ok" when none reported). */
export function overallHealth(healths: readonly (RegistryHealth | undefined)[]): RegistryHealth {
  let worst: RegistryHealth = 'ok';
  for (const health of healths) if (health !== undefined && health !== 'unknown' && SEVERITY[health] > SEVERITY[worst]) worst = health;
  return worst;
}

export interface RateLimitView {
  registry: string;
  remaining: number;
  limit: number;
  /** RFC 3339, or null when the registry did not say. */
  reset: string | null;
}

/** Sentinel's rate-limit entries: the registries (canonical server) that reported a budget, sorted by server. */
export function rateLimitViews(limits: readonly RegistryRateLimit[]): RateLimitView[] {
  return limits.flatMap((entry) => {
    const figures = entry.rateLimit;
    if (figures?.limit === undefined || figures.remaining === undefined) return [];
    return [{ registry: entry.server, remaining: figures.remaining, limit: figures.limit, reset: figures.reset === undefined ? null : rfc3339(new Date(figures.reset)) }];
  });
}

async function listOf<T>(context: SentinelContext, kind: string): Promise<T[]> {
  return (await context.resources.list(kind, CACHED)).items as unknown as T[];
}

/** Vigil's additions to Sentinel's about: which replica answered, whether it leads, and who does (docs/ha.md). */
async function leadershipFacts(context: SentinelContext): Promise<{ replica: string; leading: boolean; leader: string | null; lease_ttl_seconds: number | null }> {
  const view = context.live?.leadership;
  if (view === undefined) return { replica: 'single-process', leading: true, leader: 'single-process', lease_ttl_seconds: null };
  const leading = view.isLeader();
  // The election's record may be unreadable (etcd down): this replica still knows whether it leads itself.
  const leader = await view.currentLeader().catch(() => undefined);
  return { replica: view.identity, leading, leader: leader ?? (leading ? view.identity : null), lease_ttl_seconds: view.leaseTtlSeconds ?? null };
}

export async function aboutRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const startedAt = context.live?.startedAt ?? context.now();

  app.get('/api/about', async () => {
    const [settings, containers, records, snapshots, channels, registries] = await Promise.all([
      readSettings(context.resources),
      listContainers(context.resources),
      listUpdateRecords(context.resources),
      context.resources.list('Snapshot', CACHED),
      listOf<NotificationChannel>(context, 'NotificationChannel'),
      listOf<Registry>(context, 'Registry'),
    ]);
    const servers = new Set<string>(registries.map((registry) => registry.spec.server));
    for (const container of containers) {
      const registry = container.status?.registryCheck?.registry;
      if (registry !== undefined && registry !== '') servers.add(registry);
    }
    const leadership = await leadershipFacts(context);
    const applied = records.filter((record: UpdateRecord) => record.spec.type === 'update' && record.spec.outcome === 'success').length;
    return {
      version: `v${vigilVersion}`,
      commit: versionInfo().gitCommit,
      // Sentinel names its Go runtime here; Vigil's runtime is Node.js.
      go_version: `node${process.versions.node}`,
      data_directory: context.live?.dataDirectory ?? '',
      uptime: formatUptime(context.now().getTime() - startedAt.getTime()),
      started_at: rfc3339(startedAt),
      poll_interval: settings?.spec?.pollInterval ?? String(settingsDefault(['pollInterval']) ?? '6h'),
      last_scan: settings?.status?.lastScan ?? null,
      containers: containers.filter(isPresent).length,
      updates_applied: Math.max(settings?.status?.counts?.updatesApplied ?? 0, applied),
      snapshots: snapshots.items.length,
      channels: channels.map((channel) => ({ name: channelName(channel), type: channel.spec.type })),
      registries: [...servers].sort(),
      ...leadership,
    };
  });

  app.get('/api/ratelimits', async () => {
    const limits = await registryRateLimits(context.resources);
    return { health: overallHealth(limits.map((entry) => entry.health)), registries: rateLimitViews(limits) };
  });
}
