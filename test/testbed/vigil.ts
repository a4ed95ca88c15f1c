// Starts a real Vigil API server for client tests: `vigil serve` as a child process on a free port of 127.0.0.1 with
// a private data directory (what users run), or, when a test needs server options no flag offers (a tiny
// watch-cache history, short watch timeouts), the same app built in process and listening on 127.0.0.1.
//
// Authentication is on, as users run Vigil: the server is set up as a user sets it up (the one-time setup token
// from the data directory, POST /setup), after which `vigil serve` writes DATA_DIR/kubeconfig with an admin's API
// token, which tests use as is. Helpers make users of other roles with their own tokens and kubeconfigs. A test that
// truly needs authentication off says so: startVigil({ auth: 'off' }).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../apiserver/app.ts';
import type { RoleId } from '../../apiserver/auth/permissions.ts';
import { setupTokenPath } from '../../apiserver/auth/setup-token.ts';
import { CachedStore, type CachedStoreOptions } from '../../apiserver/storage/cache/cached-store.ts';
import { embeddedStorePath, openEmbeddedStore } from '../../apiserver/storage/sqlite/store.ts';
import { kubeconfigPath, kubeconfigYaml, readKubeconfigToken, writeKubeconfig } from '../../cli/kubeconfig.ts';
import { testAuth, type TestUser } from './auth.ts';
import { Daemon, freePort, makeTempDir, removeTempDir } from './daemon.ts';
import { projectRoot } from './provision.ts';
import { deadlines } from './deadlines.ts';

export type { TestUser } from './auth.ts';

export interface VigilServer {
  url: string;
  dataDir: string;
  /** DATA_DIR/kubeconfig, as the server wrote it (an admin's API token inside, unless authentication is off). */
  kubeconfig: string;
  /** The admin's API token (the kubeconfig's); undefined when authentication is off. */
  adminToken: string | undefined;
  /** Authorization headers for a token, the admin's by default (none when authentication is off). */
  headers(token?: string): Record<string, string>;
  /** A new user of `role` with an API token of its own (username ROLE-N unless given). */
  createUser(role: RoleId, username?: string): Promise<TestUser>;
  /** Writes a copy of the server's kubeconfig with `token` instead (in the data directory, 0600); returns its path. */
  kubeconfigFor(token: string, name: string): string;
  /** The cached store of an in-process server (undefined for a child process). */
  store?: CachedStore;
  stop(): Promise<void>;
}

export const vigilCli = join(projectRoot, 'cli', 'vigil.ts');

export const ADMIN_USERNAME = 'admin';
export const ADMIN_PASSWORD = 'admin-pass-1';

/** `node cli/vigil.ts ARGS`: the CLI as users run it. */
export function vigilCommand(args: readonly string[]): { command: string; args: string[] } {
  return { command: process.execPath, args: [vigilCli, ...args] };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `vigil ARGS` to its end in `cwd` against the server whose data directory is `dataDir` (its kubeconfig, no
 * $KUBECONFIG), as a user's shell would; killed after `timeoutMs` (default 30 s).
 */
export async function runVigilCli(args: readonly string[], options: { cwd: string; dataDir: string; timeoutMs?: number }): Promise<CliResult> {
  const { command, args: fullArgs } = vigilCommand(args);
  const child = spawn(command, fullArgs, { cwd: options.cwd, env: { ...process.env, VIGIL_DATA_DIR: options.dataDir, KUBECONFIG: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? deadlines.cliRun);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export interface StartVigilOptions {
  /** More `vigil serve` flags. */
  args?: readonly string[];
  /** 'off' runs `vigil serve --auth off` (no setup, no token). Default 'on'. */
  auth?: 'on' | 'off';
  /** An existing data directory (a restart): kept when the server stops. Default: a new temporary one, removed. */
  dataDir?: string;
  /** More environment variables of the child (e.g. VIGIL_FAILPOINTS), over this process's. */
  env?: Record<string, string>;
  /**
   * 'none': leave the first-run setup to the test (a browser filling the setup form); no admin token then. 'joined':
   * the shared store (etcd) was set up through another replica, so this one starts set up and mints its kubeconfig's
   * token at start. Default 'api'.
   */
  setup?: 'api' | 'none' | 'joined';
  /** `vigil serve --base-path PATH`: every route under PATH, and `url` ends with it. Default none. */
  basePath?: string;
}

/** A `vigil serve` child process. */
export interface VigilChild extends VigilServer {
  /** The one-time setup token this start used for POST /setup (undefined when it found the server set up, or auth off). */
  setupToken: string | undefined;
  /** SIGKILL, as a crash or power cut would. The data directory is kept for a restart on it (stop() still removes one of its own). */
  kill(): Promise<void>;
  /** The process id while it runs. */
  readonly pid: number | undefined;
  /** Sends `signal` (SIGSTOP / SIGCONT: a process frozen as by a network partition or a long GC pause). */
  signal(signal: NodeJS.Signals): void;
}

async function call(url: string, init: RequestInit & { json?: unknown }): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  return await fetch(url, { ...init, headers, ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }), signal: AbortSignal.timeout(deadlines.request) });
}

async function expectOk(response: Response, what: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** A user made as an admin makes one over HTTP: created with the admin's token, signed in, a token created. */
async function createUserOverHttp(url: string, adminToken: string, role: RoleId, username: string): Promise<TestUser> {
  const password = `${username}-pass-1`;
  await expectOk(await call(`${url}/api/auth/users`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` }, json: { username, password, role_id: role } }), `creating ${username}`);
  const login = await call(`${url}/login`, { method: 'POST', json: { username, password } });
  await expectOk(login, `signing in as ${username}`);
  const cookies = login.headers.getSetCookie().map((cookie) => cookie.split(';')[0] ?? '');
  const csrf = cookies.find((cookie) => cookie.startsWith('sentinel_csrf='))?.slice('sentinel_csrf='.length) ?? '';
  const created = await expectOk(await call(`${url}/api/auth/tokens`, { method: 'POST', headers: { cookie: cookies.join('; '), 'x-csrf-token': csrf }, json: { name: 'tests' } }), `creating a token of ${username}`);
  if (typeof created.token !== 'string') throw new Error(`no token for ${username}`);
  return { username, password, role, token: created.token };
}

function usersFactory(create: (role: RoleId, username: string) => Promise<TestUser>): (role: RoleId, username?: string) => Promise<TestUser> {
  const counters = new Map<RoleId, number>();
  return async (role, username) => {
    const count = (counters.get(role) ?? 0) + 1;
    counters.set(role, count);
    return await create(role, username ?? `${role}-${count}`);
  };
}

/** A copy of the server's own kubeconfig (its URL and pinned certificate) with another user's token, 0600. */
function kubeconfigFile(source: string, dataDir: string, token: string, name: string): string {
  const config = parse(readFileSync(source, 'utf8')) as { users?: { user?: Record<string, unknown> }[] };
  for (const entry of config.users ?? []) entry.user = { ...entry.user, token };
  const path = join(dataDir, `kubeconfig-${name}`);
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}

function headersFor(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/**
 * `vigil serve --listen 127.0.0.1 --port P --data-dir D` as a child process; resolves once it is set up (auth on) and
 * DATA_DIR/kubeconfig exists.
 */
export async function startVigil(options: StartVigilOptions = {}): Promise<VigilChild> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? makeTempDir('vigil');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}${options.basePath ?? ''}`;
  const kubeconfig = kubeconfigPath(dataDir);
  const auth = options.auth ?? 'on';
  const setUpBefore = options.setup === 'joined' || (!ownDataDir && existsSync(kubeconfig) && !existsSync(setupTokenPath(dataDir)));
  const { command, args } = vigilCommand(['serve', '--listen', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn', '--auth', auth, ...(options.basePath === undefined ? [] : ['--base-path', options.basePath]), ...(options.args ?? [])]);
  const daemon = new Daemon({
    name: 'vigil serve',
    command,
    args,
    logFile: join(dataDir, 'vigil.log'),
    ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }),
    // Before setup, with authentication on, the setup token file says the server waits for /setup; a data directory
    // that was set up before (a restart) already has its kubeconfig.
    ready: async () =>
      (auth === 'off' || !setUpBefore ? existsSync(auth === 'off' ? kubeconfig : setupTokenPath(dataDir)) : existsSync(kubeconfig)) &&
      (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(deadlines.request) })).ok,
  });
  let adminToken: string | undefined;
  let setupToken: string | undefined;
  try {
    await daemon.start();
    if (auth === 'on' && setUpBefore) {
      adminToken = readKubeconfigToken(kubeconfig);
      if (adminToken === undefined) throw new Error(`no token in ${kubeconfig} of a server set up before`);
    } else if (auth === 'on') {
      setupToken = readFileSync(setupTokenPath(dataDir), 'utf8').trim();
      if (options.setup !== 'none') await expectOk(await call(`${url}/setup`, { method: 'POST', json: { username: ADMIN_USERNAME, password: ADMIN_PASSWORD, setup_token: setupToken } }), 'setup');
      // The server writes the kubeconfig before /setup answers.
      adminToken = options.setup === 'none' ? undefined : readKubeconfigToken(kubeconfig);
      if (adminToken === undefined && options.setup !== 'none') throw new Error(`no token in ${kubeconfig} after setup`);
    }
  } catch (error) {
    await daemon.stop();
    if (ownDataDir) removeTempDir(dataDir);
    throw error;
  }
  return {
    url,
    dataDir,
    kubeconfig,
    adminToken,
    setupToken,
    headers: (token = adminToken) => headersFor(token),
    createUser: usersFactory(async (role, username) => {
      if (adminToken === undefined) throw new Error('authentication is off: there are no users');
      return await createUserOverHttp(url, adminToken, role, username);
    }),
    kubeconfigFor: (token, name) => kubeconfigFile(kubeconfig, dataDir, token, name),
    stop: async () => {
      await daemon.stop();
      if (ownDataDir) removeTempDir(dataDir);
    },
    kill: async () => {
      await daemon.kill();
    },
    get pid() {
      return daemon.pid;
    },
    signal: (signal) => {
      const pid = daemon.pid;
      if (pid === undefined) return;
      try {
        process.kill(pid, signal);
      } catch (error) {
        // Exited already (killed by the test): nothing to signal.
        if (!(error instanceof Error && 'code' in error && error.code === 'ESRCH')) throw error;
      }
    },
  };
}

export interface InProcessOptions {
  cache?: Omit<CachedStoreOptions, 'backend'>;
  app?: Omit<AppOptions, 'store' | 'auth'>;
}

/** The same app in this process, on the embedded store, authentication on, with a kubeconfig as `vigil serve` writes it. */
export async function startInProcessVigil(options: InProcessOptions = {}): Promise<VigilServer & { app: FastifyInstance; store: CachedStore }> {
  const dataDir = makeTempDir('vigil');
  const backend = openEmbeddedStore({ path: embeddedStorePath(dataDir) });
  const store = await CachedStore.open({ ...options.cache, backend });
  const auth = await testAuth();
  const app = await buildApp({ logger: false, ...options.app, store, auth: auth.auth });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address !== 'object') throw new Error('the app is not listening on a TCP port');
  const url = `http://127.0.0.1:${address.port}`;
  const kubeconfig = writeKubeconfig(dataDir, kubeconfigYaml({ server: url, token: auth.admin.token }));
  return {
    url,
    dataDir,
    kubeconfig,
    adminToken: auth.admin.token,
    headers: (token = auth.admin.token) => headersFor(token),
    createUser: usersFactory(async (role, username) => await auth.user(role, username)),
    kubeconfigFor: (token, name) => kubeconfigFile(kubeconfig, dataDir, token, name),
    app,
    store,
    stop: async () => {
      await app.close();
      await store.close();
      await auth.close();
      removeTempDir(dataDir);
    },
  };
}
