// The one registry client of the process, for the life of the process: its tag-list cache, its sessions (auth, token
// caches, budgets, concurrency) live as long as Vigil runs, so that scans after the first reuse all of it. Where a
// registry's configuration comes from, highest first:
//   1. the Registry resource for its server (alphabetically first when several name it), Secrets read from the cache;
//   2. the `auths` entry for the server in the Docker config.json given to `vigil serve` (--docker-config);
//   3. nothing: anonymous, with the defaults.
// When what a registry's session was built from changes (the Registry, one of its Secrets, the config.json file), the
// session is dropped and rebuilt at its next request; the request counts carry over. It also keeps, per registry,
// how its last check ended, for the health a status reports.
import { readFileSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Registry, Secret } from '../../schemas/generated/types.ts';
import type { Clock, Lister } from '../runtime/index.ts';
import { RegistryClient, type RegistryClientOptions } from '../registry/client.ts';
import { credentialsFromDockerConfig, type Credentials } from '../registry/credentials.ts';
import { isRegistryError } from '../../domain/registry/errors.ts';
import { rateLimitHealth, type RateLimitState } from '../registry/rate-limit.ts';
import { canonicalRegistry } from '../../domain/registry/reference.ts';
import { registryConfigFromResource, RegistryConfigError } from '../registry/registry-config.ts';
import type { RegistryConfig } from '../registry/session.ts';
import type { Stored } from '../stored.ts';

export interface RegistryAccessOptions {
  registries: Lister<Stored<Registry>>;
  secrets: Lister<Stored<Secret>>;
  clock: Clock;
  logger: Logger;
  /** A Docker config.json whose `auths` give credentials to registries without a Registry resource. */
  dockerConfigPath?: string;
  /** Passed to the RegistryClient (timeouts, retries, cache sizes); `config` and `clock` are this class's. */
  client?: Omit<RegistryClientOptions, 'config' | 'clock'>;
}

export type RegistryHealth = 'ok' | 'low' | 'exhausted' | 'error' | 'unknown';

/** What a registry's status says (Registry resource status, or an entry of Settings status.registries). */
export interface RegistryReport {
  server: string;
  rateLimit?: RateLimitState;
  health: RegistryHealth;
  requests: number;
  lastError?: string;
  /** Epoch ms of the last request. */
  lastChecked?: number;
  /** The last check that used it failed because of the registry (unreachable, refused, garbage, 5xx). */
  failing: boolean;
  /** RegistryError code of that failure. */
  failureCode?: string;
}

interface Resolved {
  config: RegistryConfig | undefined;
  error: RegistryConfigError | undefined;
  /** What the session was built from; a change rebuilds it. */
  fingerprint: string;
}

interface LastOutcome {
  ok: boolean;
  error?: string;
  code?: string;
}

/** Registry errors that say nothing about the registry as a whole (a missing repository, our budget). */
const NOT_REGISTRY_FAILURES = new Set(['not_found', 'rate_limited']);

export class RegistryAccess {
  readonly client: RegistryClient;
  readonly #options: RegistryAccessOptions;
  /** The fingerprint each open session was built from. */
  readonly #builtFrom = new Map<string, string>();
  /** Requests of sessions dropped since the start. */
  readonly #carried = new Map<string, number>();
  readonly #outcomes = new Map<string, LastOutcome>();
  #dockerConfig = new Map<string, Credentials>();
  #dockerConfigStamp = '';

  constructor(options: RegistryAccessOptions) {
    this.#options = options;
    this.#readDockerConfig();
    this.client = new RegistryClient({ ...options.client, clock: options.clock, config: (server) => this.#configForSession(server) });
  }

  /** The configuration error of a server's Registry resource (a missing Secret or key), if any. */
  configError(server: string): RegistryConfigError | undefined {
    return this.#resolve(canonicalRegistry(server)).error;
  }

  /**
   * The credentials this client sends to `server` (its Registry resource, else the config.json), for others that talk
   * to the registry on Vigil's behalf: the update controller's pulls. Throws RegistryConfigError for a Registry whose
   * Secrets cannot be read.
   */
  credentials(server: string): Credentials | undefined {
    this.#readDockerConfig();
    const resolved = this.#resolve(canonicalRegistry(server));
    if (resolved.error !== undefined) throw resolved.error;
    return resolved.config?.credentials;
  }

  /** The Registry resource that configures `server`, if any (alphabetically first when several do). */
  registryFor(server: string): Stored<Registry> | undefined {
    const canonical = canonicalRegistry(server);
    return this.#options.registries.list()
      .filter((registry) => registry.metadata.deletionTimestamp === undefined && canonicalRegistry(registry.spec.server) === canonical)
      .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1))[0];
  }

  /**
   * Rebuilds the sessions whose configuration changed since they were opened (a Registry or Secret edited, created or
   * deleted; the config.json file changed). Cheap when nothing changed. Returns the servers rebuilt.
   */
  async refresh(): Promise<string[]> {
    this.#readDockerConfig();
    const changed: string[] = [];
    for (const [server, fingerprint] of [...this.#builtFrom]) {
      if (this.#resolve(server).fingerprint === fingerprint) continue;
      this.#carried.set(server, (this.#carried.get(server) ?? 0) + this.client.stats(server).requests);
      this.#builtFrom.delete(server);
      await this.client.reconfigure(server);
      changed.push(server);
    }
    if (changed.length > 0) this.#options.logger.info({ registries: changed }, 'registry configuration changed: sessions rebuilt');
    return changed;
  }

  /** Records how a check that asked `server` ended (undefined error: it answered). */
  recordOutcome(server: string, error: unknown): void {
    const canonical = canonicalRegistry(server);
    if (error === undefined) {
      this.#outcomes.set(canonical, { ok: true });
      return;
    }
    if (isRegistryError(error) && NOT_REGISTRY_FAILURES.has(error.code)) {
      this.#outcomes.set(canonical, { ok: true });
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.#outcomes.set(canonical, { ok: false, error: message, ...(isRegistryError(error) ? { code: error.code } : error instanceof RegistryConfigError ? { code: 'config' } : {}) });
  }

  /** Registries asked since the start (canonical servers). */
  servers(): string[] {
    return [...new Set([...this.client.registries(), ...this.#carried.keys(), ...this.#outcomes.keys()])].sort();
  }

  /** What the status of `server` should say; undefined when it was never asked. */
  report(server: string): RegistryReport | undefined {
    const canonical = canonicalRegistry(server);
    const open = this.client.registries().includes(canonical);
    const outcome = this.#outcomes.get(canonical);
    if (!open && outcome === undefined && !this.#carried.has(canonical)) return undefined;
    const stats = open ? this.client.stats(canonical) : undefined;
    const rateLimit = open ? this.client.rateLimit(canonical) : undefined;
    const failing = outcome !== undefined && !outcome.ok;
    const budget = rateLimitHealth(rateLimit);
    const lastError = failing ? outcome.error : stats?.lastError;
    return {
      server: canonical,
      ...(rateLimit === undefined ? {} : { rateLimit }),
      // A registry that answers without rate-limit headers is healthy; one never asked is unknown.
      health: failing ? 'error' : budget !== 'unknown' ? budget : outcome?.ok === true ? 'ok' : 'unknown',
      requests: (this.#carried.get(canonical) ?? 0) + (stats?.requests ?? 0),
      ...(lastError === undefined ? {} : { lastError }),
      ...(stats?.lastRequestAt === undefined ? {} : { lastChecked: stats.lastRequestAt }),
      failing,
      ...(failing && outcome.code !== undefined ? { failureCode: outcome.code } : {}),
    };
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  #configForSession(server: string): RegistryConfig | undefined {
    const resolved = this.#resolve(server);
    // A Registry that cannot be read fails every request to its server with the reason, rather than going anonymous.
    if (resolved.error !== undefined) throw resolved.error;
    this.#builtFrom.set(server, resolved.fingerprint);
    return resolved.config;
  }

  #resolve(server: string): Resolved {
    const registry = this.registryFor(server);
    if (registry !== undefined) {
      const read = (namespace: string, name: string): Secret | undefined => this.#options.secrets.get(`${namespace}/${name}`);
      try {
        const config = registryConfigFromResource(registry, read);
        return { config, error: undefined, fingerprint: JSON.stringify(['registry', registry.metadata.uid, config]) };
      } catch (error) {
        const configError = error instanceof RegistryConfigError ? error : new RegistryConfigError('InvalidCredentials', String(error));
        return { config: undefined, error: configError, fingerprint: JSON.stringify(['error', registry.metadata.uid, configError.message]) };
      }
    }
    const credentials = this.#dockerConfig.get(server);
    if (credentials !== undefined) return { config: { server, credentials }, error: undefined, fingerprint: JSON.stringify(['docker-config', credentials]) };
    return { config: undefined, error: undefined, fingerprint: 'anonymous' };
  }

  /** (Re)reads the config.json when its size or modification time changed. */
  #readDockerConfig(): void {
    const path = this.#options.dockerConfigPath;
    if (path === undefined) return;
    let stamp: string;
    try {
      const stat = statSync(path);
      stamp = `${stat.mtimeMs}:${stat.size}`;
    } catch {
      stamp = 'missing';
    }
    if (stamp === this.#dockerConfigStamp) return;
    this.#dockerConfigStamp = stamp;
    if (stamp === 'missing') {
      this.#options.logger.warn({ path }, 'Docker config.json not found: registries without a Registry resource are used anonymously');
      this.#dockerConfig = new Map();
      return;
    }
    try {
      this.#dockerConfig = credentialsFromDockerConfig(JSON.parse(readFileSync(path, 'utf8')));
      this.#options.logger.info({ path, registries: [...this.#dockerConfig.keys()] }, 'Docker config.json read');
    } catch (error) {
      // The parser's message may quote the file's content: only say where.
      this.#options.logger.warn({ path, error: error instanceof SyntaxError ? 'not valid JSON' : 'unreadable' }, 'Docker config.json ignored');
      this.#dockerConfig = new Map();
    }
  }
}
