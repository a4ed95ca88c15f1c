// The dashboard's static serving: the precompressed copy chosen by Accept-Encoding (q=0 refusing one), cache headers,
// unknown assets 404, and a 503 naming the build command when there is no build.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { dashboardRoutes } from '../../../apiserver/web/dashboard-plugin.ts';

function writeBuild(dir: string): void {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  for (const [path, text] of [['index.html', '<!doctype html>'], ['assets/app-0123456789ab.js', 'console.log(1)']] as const) {
    writeFileSync(join(dir, path), text);
    writeFileSync(join(dir, `${path}.gz`), gzipSync(text));
    writeFileSync(join(dir, `${path}.br`), brotliCompressSync(text));
  }
}

describe('dashboard static routes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-dashboard-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('serves brotli, gzip or identity by Accept-Encoding, with the right cache headers', async () => {
    writeBuild(join(dir, 'built'));
    const app = Fastify();
    await app.register(dashboardRoutes, { distDir: join(dir, 'built') });
    const br = await app.inject({ url: '/', headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers['cache-control'], 'no-cache');
    assert.match(String(br.headers['content-type']), /^text\/html/);
    const gzip = await app.inject({ url: '/assets/app-0123456789ab.js', headers: { 'accept-encoding': 'br;q=0, gzip' } });
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.equal(gzip.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(gzip.headers.vary, 'accept-encoding');
    const plain = await app.inject({ url: '/assets/app-0123456789ab.js' });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body, 'console.log(1)');
    const missing = await app.inject({ url: '/assets/app-ffffffffffff.js' });
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json<{ error: string }>().error, /not an asset/);
    await app.close();
  });

  test('without a build, / answers 503 saying how to build', async () => {
    const app = Fastify();
    await app.register(dashboardRoutes, { distDir: join(dir, 'none') });
    const answer = await app.inject({ url: '/' });
    assert.equal(answer.statusCode, 503);
    assert.match(answer.body, /node web\/build\.ts/);
    await app.close();
  });
});
