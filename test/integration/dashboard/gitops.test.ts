// The GitOps section of the settings pages in Debian's Chromium against `vigil serve --manifests DIR` (a real
// directory, the real sync controller): the `default` source Ready with the file and the object it applied; a change
// made by hand with the resource API, undone by the next pass, shows live as driftCorrected naming the field and who
// had changed it. axe-core on the section; no console error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startVigil, ADMIN_PASSWORD, ADMIN_USERNAME, type VigilChild } from '../../testbed/vigil.ts';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { assertAccessible, CHROMIUM_FLAGS, screenshot, signIn, watchErrors } from './browser.ts';
import { buildDashboard } from '../../../web/build.ts';

const POLICY = `apiVersion: vigil.dev/v1alpha1
kind: UpdatePolicy
metadata:
  name: media
spec:
  selector:
    matchLabels:
      com.docker.compose.project: media
  policy: auto
`;

describe('the GitOps sources in a real browser', () => {
  let vigil: VigilChild;
  let browser: Browser;
  let dir = '';

  before(async () => {
    await buildDashboard();
    dir = makeTempDir('dashboard-gitops');
    mkdirSync(join(dir, 'policies'));
    writeFileSync(join(dir, 'policies', 'media.yaml'), POLICY);
    vigil = await startVigil({ args: ['--manifests', dir] });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    await vigil?.stop();
    if (dir !== '') removeTempDir(dir);
  });

  test('the source, its file and object, and a hand-made change shown as drift corrected', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, vigil.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    await page.goto(`${vigil.url}/#/settings/gitops`);
    const source = page.getByRole('region', { name: 'Source default' });
    await source.getByText('ready', { exact: true }).waitFor({ timeout: deadlines.condition });
    const row = source.locator('tr', { hasText: 'policies/media.yaml' });
    await row.getByText('UpdatePolicy/media').waitFor({ timeout: deadlines.condition });
    // Created by the first pass, unchanged by any after it.
    await row.getByText(/^(created|unchanged)$/).waitFor({ timeout: deadlines.condition });

    const patched = await fetch(`${vigil.url}/apis/vigil.dev/v1alpha1/updatepolicies/media?fieldManager=olivia`, {
      method: 'PATCH',
      headers: { ...vigil.headers(), 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { policy: 'manual' } }),
    });
    assert.equal(patched.status, 200, await patched.text());
    // A change in the directory starts a pass (the file written again, as a git pull would).
    writeFileSync(join(dir, 'policies', 'media.yaml'), `${POLICY}\n`);
    // One wait for the whole row, so that a later pass (unchanged again) cannot fall between two checks.
    await row.filter({ hasText: 'driftCorrected' }).filter({ hasText: 'spec.policy' }).filter({ hasText: 'olivia' }).waitFor({ timeout: deadlines.condition });
    await assertAccessible(page, 'settings: gitops');
    await page.screenshot({ path: screenshot('settings-gitops-desktop') });
    assert.deepEqual(errors, []);
    await context.close();
  });
});
