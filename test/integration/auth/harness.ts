// One Vigil for auth tests: the real app over a real embedded store (sealed Secrets, watch cache, as `vigil serve`
// stacks them), a clock the test steps, and every log line captured so tests can grep it.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../../apiserver/app.ts';
import { AuthService } from '../../../apiserver/auth/service.ts';
import { keyFromText, SecretBox } from '../../../apiserver/auth/secret-box.ts';
import { EncryptingStore } from '../../../apiserver/storage/encrypting-store.ts';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { redactPaths } from '../../../apiserver/logging.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import type { RoleId } from '../../../apiserver/auth/permissions.ts';

export interface Harness {
  app: FastifyInstance;
  auth: AuthService;
  store: CachedStore;
  /** The registry the app serves: to prepare objects without going through authorization. */
  resources: ResourceRegistry;
  /** http://127.0.0.1:PORT: the app also listens, for watches (inject() cannot stream). */
  url: string;
  dataDir: string;
  logs: string[];
  /** The setup token issued at start (undefined in auth-off mode after setup). */
  setupToken: string | undefined;
  /** Moves the fake clock forward. */
  advance(ms: number): void;
  now(): Date;
  close(): Promise<void>;
  /** Everything on disk in the data directory (database, its log, key files), as text. */
  diskContent(): string;
}

export interface HarnessOptions {
  mode?: 'on' | 'off';
  signInLimitPerMinute?: number;
  /** Adds routes (stubs) to the app before it listens. */
  routes?: (app: FastifyInstance) => void;
}

export async function startVigil(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-auth-'));
  let nowMs = Date.parse('2025-01-15T14:30:00Z');
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = pino({ level: 'trace', redact: { paths: redactPaths, censor: '[redacted]' } }, sink);
  const box = new SecretBox([keyFromText(SecretBox.generateKeyText())]);
  const backend = new EncryptingStore({ backend: openEmbeddedStore({ path: join(dataDir, 'vigil.db'), compactionIntervalMs: 0 }), box });
  const store = await CachedStore.open({ backend });
  const auth = new AuthService({
    store,
    encryption: box,
    dataDir,
    now: () => new Date(nowMs),
    // Cheaper than the default (2^15) so the suite stays fast on two shared cores; the format and default cost are
    // covered by the unit tests, and the parameters travel with each hash.
    scrypt: { N: 4096, r: 8, p: 1 },
    logger: logger.child({ component: 'auth' }),
    ...(options.mode === undefined ? {} : { mode: options.mode }),
  });
  const resources = new ResourceRegistry({ store });
  const app = await buildApp({
    store,
    resources,
    auth,
    logger,
    // Objects made by the tests may name owners that do not exist: nothing may collect them meanwhile.
    garbageCollection: false,
    containerLogs: async () => 'a log line\n',
    ...(options.signInLimitPerMinute === undefined ? {} : { signInLimitPerMinute: options.signInLimitPerMinute }),
  });
  options.routes?.(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address !== 'object') throw new Error('not listening on TCP');
  const setupToken = await auth.prepareSetup();
  return {
    app,
    auth,
    store,
    resources,
    url: `http://127.0.0.1:${address.port}`,
    dataDir,
    logs,
    setupToken,
    advance: (ms) => {
      nowMs += ms;
    },
    now: () => new Date(nowMs),
    close: async () => {
      await app.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    diskContent: () =>
      readdirSync(dataDir)
        .map((name) => readFileSync(join(dataDir, name)).toString('latin1'))
        .join('\n'),
  };
}

export interface Credentials {
  session: string;
  csrf: string;
}

export function cookiesOf(response: LightMyRequestResponse): Credentials {
  const session = response.cookies.find((cookie) => cookie.name === 'sentinel_session')?.value;
  const csrf = response.cookies.find((cookie) => cookie.name === 'sentinel_csrf')?.value;
  if (session === undefined || csrf === undefined) throw new Error(`no session cookies in ${response.statusCode} ${response.body}`);
  return { session, csrf };
}

export const ADMIN = { username: 'admin', password: 'admin-pass-1' };

/** Runs the first-run setup as `admin` and returns the admin's session. */
export async function setUp(vigil: Harness): Promise<Credentials> {
  const response = await vigil.app.inject({ method: 'POST', url: '/setup', payload: { ...ADMIN, setup_token: vigil.setupToken } });
  if (response.statusCode !== 200) throw new Error(`setup failed: ${response.statusCode} ${response.body}`);
  return cookiesOf(response);
}

export async function login(vigil: Harness, username: string, password: string, remoteAddress = '127.0.0.1'): Promise<LightMyRequestResponse> {
  return await vigil.app.inject({ method: 'POST', url: '/login', payload: { username, password }, remoteAddress });
}

export async function loginOk(vigil: Harness, username: string, password: string): Promise<Credentials> {
  const response = await login(vigil, username, password);
  if (response.statusCode !== 200) throw new Error(`login of ${username} failed: ${response.statusCode} ${response.body}`);
  return cookiesOf(response);
}

/** Injection headers and cookies for a session (with its CSRF token) or a bearer token. */
export function as(credentials: Credentials | string | undefined): { headers: Record<string, string>; cookies: Record<string, string> } {
  if (credentials === undefined) return { headers: {}, cookies: {} };
  if (typeof credentials === 'string') return { headers: { authorization: `Bearer ${credentials}` }, cookies: {} };
  return { headers: { 'x-csrf-token': credentials.csrf }, cookies: { sentinel_session: credentials.session } };
}

export async function createUser(vigil: Harness, admin: Credentials, username: string, role: RoleId, password = `${username}-pass-1`): Promise<string> {
  const response = await vigil.app.inject({ method: 'POST', url: '/api/auth/users', ...as(admin), payload: { username, password, role_id: role } });
  if (response.statusCode !== 201) throw new Error(`creating ${username} failed: ${response.statusCode} ${response.body}`);
  return (response.json() as { id: string }).id;
}

export async function createToken(vigil: Harness, credentials: Credentials, name = 'test'): Promise<string> {
  const response = await vigil.app.inject({ method: 'POST', url: '/api/auth/tokens', ...as(credentials), payload: { name } });
  if (response.statusCode !== 201) throw new Error(`creating a token failed: ${response.statusCode} ${response.body}`);
  return (response.json() as { token: string }).token;
}
