// `vigil serve` configuration: flags over environment variables over defaults. A bad flag or value stops the start
// with a message naming it; nothing falls back silently (Docker Sentinel's silent fallbacks are a gap we close).
import { parseArgs } from 'node:util';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { BasePathError, normalizeBasePath } from '../apiserver/base-path.ts';
import type { ProvidedTlsFiles } from '../apiserver/tls/provided.ts';

export type StoreLocation = { kind: 'embedded' } | { kind: 'etcd'; endpoints: string[] };

/** A certificate and key given to `vigil serve` (one TLS identity for every replica), with where each came from. */
export type TlsFiles = ProvidedTlsFiles;

export interface ServeConfig {
  port: number;
  listen: string;
  dataDir: string;
  store: StoreLocation;
  /** The Docker engine of the local Host: unix:///path or tcp://host:port. */
  dockerHost: string;
  /** A directory of YAML manifests kept in sync with the store (GitOps), if any. */
  manifests: string | undefined;
  /** A Docker config.json whose `auths` give registry credentials to registries without a Registry resource. */
  dockerConfig: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** 'off' switches authentication off from the start (everyone is admin); 'on' lets the stored setting decide. */
  auth: 'on' | 'off';
  /** 'auto': HTTPS too, on the same port, with a self-signed certificate kept in the data directory; 'off': HTTP only. */
  tls: 'auto' | 'off';
  /** With tls auto: the certificate to serve instead of the self-signed one (absolute paths, read at start). */
  tlsFiles: TlsFiles | undefined;
  /** Every route under this prefix (`/vigil`), '' for none (apiserver/base-path.ts). */
  basePath: string;
  /** With etcd: the leader election lease's TTL in seconds, how long a crashed leader blocks the others. Default 15. */
  leaderLeaseTtlSeconds: number;
  /** With etcd: how often the leader compacts etcd's history (to the revision of the previous pass); 0 never. Default 300. */
  etcdCompactionIntervalSeconds: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const DEFAULTS = {
  port: '8080',
  // All interfaces, as Docker Sentinel: every route is authenticated (setup needs the one-time setup token), and
  // `vigil serve` warns loudly when authentication is off on an address beyond loopback.
  listen: '0.0.0.0',
  dataDir: './data',
  store: 'embedded',
  dockerHost: 'unix:///var/run/docker.sock',
  logLevel: 'info',
  auth: 'on',
  tls: 'auto',
  leaderLeaseTtl: '15',
  etcdCompactionInterval: '300',
} as const;

interface Setting {
  flag: string;
  env: string | undefined;
}

const SETTINGS = {
  port: { flag: 'port', env: 'VIGIL_PORT' },
  listen: { flag: 'listen', env: 'VIGIL_LISTEN' },
  dataDir: { flag: 'data-dir', env: 'VIGIL_DATA_DIR' },
  store: { flag: 'store', env: 'VIGIL_STORE' },
  dockerHost: { flag: 'docker-host', env: 'DOCKER_HOST' },
  manifests: { flag: 'manifests', env: 'VIGIL_MANIFESTS' },
  dockerConfig: { flag: 'docker-config', env: 'VIGIL_DOCKER_CONFIG' },
  logLevel: { flag: 'log-level', env: 'VIGIL_LOG_LEVEL' },
  auth: { flag: 'auth', env: 'VIGIL_AUTH' },
  tls: { flag: 'tls', env: 'VIGIL_TLS' },
  tlsCert: { flag: 'tls-cert', env: 'VIGIL_TLS_CERT' },
  tlsKey: { flag: 'tls-key', env: 'VIGIL_TLS_KEY' },
  tlsCa: { flag: 'tls-ca', env: 'VIGIL_TLS_CA' },
  basePath: { flag: 'base-path', env: 'VIGIL_BASE_PATH' },
  leaderLeaseTtl: { flag: 'leader-lease-ttl', env: 'VIGIL_LEADER_LEASE_TTL' },
  etcdCompactionInterval: { flag: 'etcd-compaction-interval', env: 'VIGIL_ETCD_COMPACTION_INTERVAL' },
} satisfies Record<string, Setting>;

/** Every environment variable a `vigil serve` flag reads (deployment files are checked against it). */
export const SERVE_ENVIRONMENT: readonly string[] = Object.values(SETTINGS).flatMap((setting: Setting) => (setting.env === undefined ? [] : [setting.env]));

export const SERVE_USAGE = `Usage: vigil serve [options]

  --port N              port to listen on (env VIGIL_PORT, default 8080)
  --listen ADDRESS      address to listen on (env VIGIL_LISTEN, default 0.0.0.0: all interfaces;
                        127.0.0.1 keeps Vigil to this machine)
  --data-dir DIR        where the embedded store and keys live (env VIGIL_DATA_DIR, default ./data)
  --store STORE         embedded, or etcd://HOST:PORT[,HOST:PORT...] (env VIGIL_STORE, default embedded)
  --docker-host URL     the local Docker engine, unix:///PATH or tcp://HOST:PORT
                        (env DOCKER_HOST, default unix:///var/run/docker.sock)
  --manifests DIR       keep the store in sync with the YAML manifests in DIR (env VIGIL_MANIFESTS)
  --docker-config FILE  registry credentials from a Docker config.json (its "auths") for registries without a
                        Registry resource (env VIGIL_DOCKER_CONFIG; else $DOCKER_CONFIG/config.json when
                        DOCKER_CONFIG is set; default none)
  --log-level LEVEL     fatal, error, warn, info, debug, trace or silent (env VIGIL_LOG_LEVEL, default info)
  --auth on|off         off: no authentication at all, everyone who reaches the port is an admin
                        (env VIGIL_AUTH, default on; with off, also pass --listen 127.0.0.1)
  --tls auto|off        auto: serve HTTPS too, on the same port, with a self-signed certificate made once
                        in DATA_DIR/tls.crt (kubectl sends its token only over TLS); off: HTTP only
                        (env VIGIL_TLS, default auto)
  --tls-cert FILE       serve this certificate (PEM, optionally followed by its chain) instead of the self-signed
                        one: give every replica of a store the same pair, so one kubeconfig works with each
                        (env VIGIL_TLS_CERT; needs --tls-key; a pair that does not match stops the start)
  --tls-key FILE        the private key of --tls-cert (PEM, env VIGIL_TLS_KEY)
  --tls-ca FILE         the authority the kubeconfig pins (PEM, env VIGIL_TLS_CA); default: the root at the end
                        of the --tls-cert chain, else the --tls-cert chain itself
  --base-path PATH      serve every route (API, resource API, dashboard) under PATH, e.g. /vigil, for a reverse
                        proxy that forwards the prefix as is (env VIGIL_BASE_PATH, default none; a proxy that
                        strips the prefix, as X-Forwarded-Prefix set-ups do, needs no flag)
  --leader-lease-ttl S  with etcd: the leader election lease in seconds (1-3600): a replica that dies while
                        leading blocks the others for at most this long (env VIGIL_LEADER_LEASE_TTL, default 15)
  --etcd-compaction-interval S
                        with etcd: how often the leader compacts etcd's history, keeping one interval of it;
                        0 never (env VIGIL_ETCD_COMPACTION_INTERVAL, default 300)

The first start prints a one-time setup token (also in DATA_DIR/setup-token): create the first admin with
POST /setup. Vigil then writes DATA_DIR/kubeconfig (0600) with an API token of that admin, for kubectl and
the vigil CLI (vigil kubeconfig prints it).
`;

/** Reads `vigil serve` flags and environment. Throws ConfigError naming the bad flag or variable. */
export function parseServeConfig(argv: string[], env: NodeJS.ProcessEnv): ServeConfig {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    // parseArgs says e.g. "Unknown option '--prot'"; keep its words, they name the flag.
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.positionals.length > 0) {
    throw new ConfigError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}: vigil serve takes only options`);
  }
  const values = parsed.values;
  const pick = (setting: Setting, fallback: string | undefined): Picked => {
    const fromFlag = values[setting.flag as keyof typeof values];
    if (typeof fromFlag === 'string') return { value: fromFlag, source: `--${setting.flag}` };
    const fromEnv = setting.env === undefined ? undefined : env[setting.env];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: `environment variable ${setting.env}` };
    return { value: fallback, source: `default` };
  };

  const port = pick(SETTINGS.port, DEFAULTS.port);
  const listen = pick(SETTINGS.listen, DEFAULTS.listen);
  const dataDir = pick(SETTINGS.dataDir, DEFAULTS.dataDir);
  const store = pick(SETTINGS.store, DEFAULTS.store);
  const dockerHost = pick(SETTINGS.dockerHost, DEFAULTS.dockerHost);
  const manifests = pick(SETTINGS.manifests, undefined);
  // Docker's own variable names the directory that holds config.json.
  const dockerConfig = pick(SETTINGS.dockerConfig, env.DOCKER_CONFIG === undefined || env.DOCKER_CONFIG === '' ? undefined : `${env.DOCKER_CONFIG}/config.json`);
  const logLevel = pick(SETTINGS.logLevel, DEFAULTS.logLevel);
  const auth = pick(SETTINGS.auth, DEFAULTS.auth);
  const tls = pick(SETTINGS.tls, DEFAULTS.tls);
  const tlsCert = pick(SETTINGS.tlsCert, undefined);
  const tlsKey = pick(SETTINGS.tlsKey, undefined);
  const tlsCa = pick(SETTINGS.tlsCa, undefined);
  const tlsMode = parseTls(tls.value ?? DEFAULTS.tls, tls.source);
  const basePath = pick(SETTINGS.basePath, '');
  const leaderLeaseTtl = pick(SETTINGS.leaderLeaseTtl, DEFAULTS.leaderLeaseTtl);
  const etcdCompactionInterval = pick(SETTINGS.etcdCompactionInterval, DEFAULTS.etcdCompactionInterval);

  return {
    port: parsePort(port.value ?? DEFAULTS.port, port.source),
    listen: parseListen(listen.value ?? DEFAULTS.listen, listen.source),
    dataDir: parseDirectory(dataDir.value ?? DEFAULTS.dataDir, dataDir.source),
    store: parseStore(store.value ?? DEFAULTS.store, store.source),
    dockerHost: parseDockerHost(dockerHost.value ?? DEFAULTS.dockerHost, dockerHost.source),
    manifests: manifests.value === undefined ? undefined : parseDirectory(manifests.value, manifests.source),
    dockerConfig: dockerConfig.value === undefined ? undefined : parseFile(dockerConfig.value, dockerConfig.source === 'default' ? 'environment variable DOCKER_CONFIG' : dockerConfig.source),
    logLevel: parseLogLevel(logLevel.value ?? DEFAULTS.logLevel, logLevel.source),
    auth: parseAuth(auth.value ?? DEFAULTS.auth, auth.source),
    tls: tlsMode,
    tlsFiles: parseTlsFiles(tlsMode, tlsCert, tlsKey, tlsCa),
    basePath: parseBasePath(basePath.value ?? '', basePath.source),
    leaderLeaseTtlSeconds: parseSeconds(leaderLeaseTtl.value ?? DEFAULTS.leaderLeaseTtl, leaderLeaseTtl.source, 'leader lease TTL', 1),
    etcdCompactionIntervalSeconds: parseSeconds(etcdCompactionInterval.value ?? DEFAULTS.etcdCompactionInterval, etcdCompactionInterval.source, 'etcd compaction interval', 0),
  };
}

function parseFlags(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      listen: { type: 'string' },
      'data-dir': { type: 'string' },
      store: { type: 'string' },
      'docker-host': { type: 'string' },
      manifests: { type: 'string' },
      'docker-config': { type: 'string' },
      'log-level': { type: 'string' },
      auth: { type: 'string' },
      tls: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-ca': { type: 'string' },
      'base-path': { type: 'string' },
      'leader-lease-ttl': { type: 'string' },
      'etcd-compaction-interval': { type: 'string' },
    },
  });
}

function parsePort(text: string, source: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new ConfigError(`invalid port ${JSON.stringify(text)} from ${source}: expected a whole number from 1 to 65535`);
  }
  return Number(text);
}

function parseSeconds(text: string, source: string, what: string, minimum: number): number {
  if (!/^\d{1,4}$/.test(text) || Number(text) < minimum || Number(text) > 3600) {
    throw new ConfigError(`invalid ${what} ${JSON.stringify(text)} from ${source}: expected a whole number of seconds from ${minimum} to 3600`);
  }
  return Number(text);
}

function parseListen(text: string, source: string): string {
  if (isIP(text) === 0 && text !== 'localhost') {
    throw new ConfigError(`invalid listen address ${JSON.stringify(text)} from ${source}: expected an IPv4 or IPv6 address such as 127.0.0.1, 0.0.0.0 or ::`);
  }
  return text;
}

function parseDirectory(text: string, source: string): string {
  if (text.trim() === '' || text.includes('\0')) throw new ConfigError(`invalid directory ${JSON.stringify(text)} from ${source}`);
  return resolve(text);
}

function parseFile(text: string, source: string): string {
  if (text.trim() === '' || text.includes('\0')) throw new ConfigError(`invalid file ${JSON.stringify(text)} from ${source}`);
  return resolve(text);
}

function parseStore(text: string, source: string): StoreLocation {
  if (text === 'embedded') return { kind: 'embedded' };
  const match = /^etcd:\/\/(.+)$/.exec(text);
  if (match === null || match[1] === undefined) {
    throw new ConfigError(`invalid store ${JSON.stringify(text)} from ${source}: expected "embedded" or etcd://HOST:PORT[,HOST:PORT...]`);
  }
  const endpoints = match[1].split(',').map((member) => {
    const hostPort = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(member);
    if (hostPort === null || Number(hostPort[2]) < 1 || Number(hostPort[2]) > 65535) {
      throw new ConfigError(`invalid etcd member ${JSON.stringify(member)} in ${source}: expected HOST:PORT`);
    }
    return `http://${member}`;
  });
  return { kind: 'etcd', endpoints };
}

function parseDockerHost(text: string, source: string): string {
  if (/^unix:\/\/\/.+/.test(text)) return text;
  const tcp = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(text);
  if (tcp !== null && Number(tcp[2]) >= 1 && Number(tcp[2]) <= 65535) return text;
  throw new ConfigError(`invalid Docker host ${JSON.stringify(text)} from ${source}: expected unix:///PATH or tcp://HOST:PORT`);
}

function parseLogLevel(text: string, source: string): ServeConfig['logLevel'] {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  const level = levels.find((candidate) => candidate === text);
  if (level === undefined) throw new ConfigError(`invalid log level ${JSON.stringify(text)} from ${source}: expected one of ${levels.join(', ')}`);
  return level;
}

function parseAuth(text: string, source: string): ServeConfig['auth'] {
  if (text === 'on' || text === 'off') return text;
  throw new ConfigError(`invalid authentication mode ${JSON.stringify(text)} from ${source}: expected on or off`);
}

function parseTls(text: string, source: string): ServeConfig['tls'] {
  if (text === 'auto' || text === 'off') return text;
  throw new ConfigError(`invalid TLS mode ${JSON.stringify(text)} from ${source}: expected auto or off`);
}

type Picked = { value: string | undefined; source: string };

/** Both or neither of certificate and key; none of them with --tls off (that would be silently ignored). */
function parseTlsFiles(mode: ServeConfig['tls'], cert: Picked, key: Picked, ca: Picked): TlsFiles | undefined {
  const given = [cert, key, ca].filter((picked) => picked.value !== undefined);
  if (given.length === 0) return undefined;
  if (mode === 'off') throw new ConfigError(`${given.map((picked) => picked.source).join(' and ')} cannot be used with TLS off: drop ${given.length === 1 ? 'it' : 'them'} or set --tls auto`);
  if (cert.value === undefined) throw new ConfigError(`${key.value === undefined ? ca.source : key.source} needs --tls-cert FILE (env VIGIL_TLS_CERT) too`);
  if (key.value === undefined) throw new ConfigError(`${cert.source} needs --tls-key FILE (env VIGIL_TLS_KEY) too: the private key of the certificate`);
  return {
    cert: parseFile(cert.value, cert.source),
    key: parseFile(key.value, key.source),
    ca: ca.value === undefined ? undefined : parseFile(ca.value, ca.source),
    certSource: cert.source,
    keySource: key.source,
    caSource: ca.value === undefined ? undefined : ca.source,
  };
}

function parseBasePath(text: string, source: string): string {
  try {
    return normalizeBasePath(text);
  } catch (error) {
    if (error instanceof BasePathError) throw new ConfigError(`invalid base path ${JSON.stringify(text)} from ${source}: ${error.message}`);
    throw error;
  }
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only (no warning when authentication is off there). */
export function isLoopbackAddress(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}
