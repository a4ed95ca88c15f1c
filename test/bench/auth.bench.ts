// What authentication costs per request: the same GET through the whole app (inject) with authentication off, with
// an API token, and with a session cookie, over the embedded store; and what one password hash costs (the price of
// a login, and of a guess for whoever stole the database).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../apiserver/app.ts';
import { AuthService } from '../../apiserver/auth/service.ts';
import { keyFromText, SecretBox } from '../../apiserver/auth/secret-box.ts';
import { hashPassword, verifyPassword } from '../../apiserver/auth/passwords.ts';
import { EncryptingStore } from '../../apiserver/storage/encrypting-store.ts';
import { CachedStore } from '../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../apiserver/storage/sqlite/store.ts';
import { ms, percentile, perSecond, table } from './stats.ts';

const REQUESTS = 3000;

async function vigil(dir: string, mode: 'on' | 'off'): Promise<{ app: FastifyInstance; auth: AuthService; close: () => Promise<void> }> {
  const box = new SecretBox([keyFromText(SecretBox.generateKeyText())]);
  const store = await CachedStore.open({ backend: new EncryptingStore({ backend: openEmbeddedStore({ path: join(dir, 'vigil.db'), compactionIntervalMs: 0 }), box }) });
  const auth = new AuthService({ store, encryption: box, dataDir: dir, mode });
  const app = await buildApp({ store, auth, logger: false, signInLimitPerMinute: 1_000_000 });
  return { app, auth, close: async () => { await app.close(); await store.close(); } };
}

async function measure(app: FastifyInstance, headers: Record<string, string>, cookies: Record<string, string>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i += 1) {
    const started = performance.now();
    const response = await app.inject({ method: 'GET', url: '/api/auth/me', headers, cookies });
    samples.push(performance.now() - started);
    if (response.statusCode !== 200) throw new Error(`unexpected ${response.statusCode} ${response.body}`);
  }
  return samples;
}

export async function authBenchmark(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'vigil-bench-auth-'));
  try {
    const off = await vigil(mkdtempSync(join(root, 'off-')), 'off');
    const offSamples = await measure(off.app, {}, {});
    await off.close();

    const on = await vigil(mkdtempSync(join(root, 'on-')), 'on');
    const setupToken = (await on.auth.prepareSetup()) ?? '';
    const setup = await on.app.inject({ method: 'POST', url: '/setup', payload: { username: 'admin', password: 'bench-pass-1', setup_token: setupToken } });
    const session = setup.cookies.find((cookie) => cookie.name === 'sentinel_session')?.value ?? '';
    const csrf = setup.cookies.find((cookie) => cookie.name === 'sentinel_csrf')?.value ?? '';
    const created = await on.app.inject({ method: 'POST', url: '/api/auth/tokens', cookies: { sentinel_session: session }, headers: { 'x-csrf-token': csrf }, payload: { name: 'bench' } });
    const token = created.json<{ token: string }>().token;
    const tokenSamples = await measure(on.app, { authorization: `Bearer ${token}` }, {});
    const sessionSamples = await measure(on.app, {}, { sentinel_session: session });
    await on.close();

    const hashSamples: number[] = [];
    const hash = await hashPassword('bench-pass-1');
    for (let i = 0; i < 10; i += 1) {
      const started = performance.now();
      await verifyPassword('bench-pass-1', hash);
      hashSamples.push(performance.now() - started);
    }

    const subjects = ['auth off', 'API token', 'session cookie'];
    const all = [offSamples, tokenSamples, sessionSamples];
    const total = (samples: number[]): number => samples.reduce((sum, value) => sum + value, 0);
    return [
      `## Authentication (${REQUESTS} sequential GET /api/auth/me through inject(), embedded store)`,
      '',
      table(subjects, [
        { measure: 'p50 latency', values: all.map((samples) => ms(percentile(samples, 50))) },
        { measure: 'p99 latency', values: all.map((samples) => ms(percentile(samples, 99))) },
        { measure: 'throughput (one client)', values: all.map((samples) => perSecond(samples.length, total(samples))) },
      ]),
      '',
      `One scrypt password check (N = 2^15, r = 8, p = 1): p50 ${ms(percentile(hashSamples, 50))}, max ${ms(Math.max(...hashSamples))}.`,
    ].join('\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
