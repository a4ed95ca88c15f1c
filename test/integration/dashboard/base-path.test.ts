// `vigil serve --base-path /vigil` against a real child process: every route is under the prefix (the REST API, the
// resource API with its watches, the dashboard and its assets, health), nothing is served outside it, /vigil
// redirects to /vigil/, the session cookie's Path is the prefix, the kubeconfig the server writes points under it
// (kubectl works), and the dashboard driven in Chromium there signs in, goes live and changes a setting. And without
// the flag, behind a proxy that strips /vigil and sets X-Forwarded-Prefix (a plain node:http proxy here, piping
// bodies both ways so that watches stream), the same page works with nothing configured.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { startVigil, ADMIN_PASSWORD, ADMIN_USERNAME, type VigilChild } from '../../testbed/vigil.ts';
import { Kubectl } from '../../testbed/kubectl.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { assertAccessible, CHROMIUM_FLAGS, eventually, signIn, watchErrors } from './browser.ts';
import { buildDashboard } from '../../../web/build.ts';

describe('vigil serve --base-path /vigil', () => {
  let vigil: VigilChild;
  let browser: Browser;
  let root = '';

  before(async () => {
    await buildDashboard();
    vigil = await startVigil({ basePath: '/vigil' });
    root = vigil.url.slice(0, -'/vigil'.length);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    await vigil?.stop();
  });

  test('every route is under the prefix and none outside it', async () => {
    assert.equal((await fetch(`${vigil.url}/readyz`)).status, 200);
    assert.equal((await fetch(`${vigil.url}/api/settings`, { headers: vigil.headers() })).status, 200);
    assert.equal((await fetch(`${vigil.url}/apis/vigil.dev/v1alpha1/containers`, { headers: vigil.headers() })).status, 200);
    const page = await fetch(`${vigil.url}/`);
    assert.equal(page.status, 200);
    const script = /src="(assets\/app-[0-9a-f]{12}\.js)"/.exec(await page.text())?.[1];
    assert.equal((await fetch(`${vigil.url}/${script ?? ''}`)).status, 200);
    for (const outside of ['/readyz', '/api/settings', '/apis/vigil.dev/v1alpha1/containers', '/', '/vigilant/readyz']) {
      const answer = await fetch(`${root}${outside}`, { headers: vigil.headers() });
      assert.equal(answer.status, 404, outside);
    }
    const bare = await fetch(`${root}/vigil`, { redirect: 'manual' });
    assert.equal(bare.status, 302);
    assert.equal(bare.headers.get('location'), '/vigil/');
    const login = await fetch(`${vigil.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }) });
    assert.equal(login.status, 200);
    for (const cookie of login.headers.getSetCookie()) assert.match(cookie, /; Path=\/vigil(;|$)/, cookie);
  });

  test('the kubeconfig the server writes points under the prefix: kubectl works', async () => {
    const kubectl = new Kubectl(vigil.kubeconfig);
    const result = await kubectl.run(['get', 'settings', 'default', '-o', 'jsonpath={.metadata.name}']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'default');
  });

  test('the dashboard under the prefix signs in, goes live and changes a setting', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    await page.getByText('Live', { exact: true }).waitFor({ timeout: deadlines.condition });
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Updates and safety' }).click();
    await page.getByLabel('Pull only').check();
    await eventually('pull_only', async () => (await (await fetch(`${vigil.url}/api/settings`, { headers: vigil.headers() })).json() as Record<string, string>).pull_only, (value) => value === 'true');
    await assertAccessible(page, 'settings under a base path');
    assert.equal(new URL(page.url()).pathname, '/vigil/');
    assert.deepEqual(errors, []);
    await context.close();
  });
});

/** A reverse proxy on 127.0.0.1 that forwards /vigil/… to `target`/… (prefix stripped, X-Forwarded-Prefix set). */
async function strippingProxy(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const upstream = new URL(target);
  const server = http.createServer((request, response) => {
    const path = request.url ?? '/';
    if (!path.startsWith('/vigil/')) {
      response.writeHead(404).end('outside /vigil/');
      return;
    }
    const forwarded = http.request({
      host: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: path.slice('/vigil'.length),
      headers: { ...request.headers, 'x-forwarded-prefix': '/vigil' },
    }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forwarded.on('error', () => response.destroy());
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/vigil`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('behind a proxy that strips the prefix (X-Forwarded-Prefix), without --base-path', () => {
  let vigil: VigilChild;
  let proxy: Awaited<ReturnType<typeof strippingProxy>>;
  let browser: Browser;

  before(async () => {
    await buildDashboard();
    vigil = await startVigil({ args: ['--tls', 'off'] });
    proxy = await strippingProxy(vigil.url);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    await proxy?.close();
    await vigil?.stop();
  });

  test('the dashboard at /vigil/ signs in, goes live (watches through the proxy) and changes a setting', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, proxy.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    await page.getByText('Live', { exact: true }).waitFor({ timeout: deadlines.condition });
    await page.goto(`${proxy.url}/#/settings/updates`);
    await page.getByLabel('Pull only').check();
    await eventually('pull_only', async () => (await (await fetch(`${vigil.url}/api/settings`, { headers: vigil.headers() })).json() as Record<string, string>).pull_only, (value) => value === 'true');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
