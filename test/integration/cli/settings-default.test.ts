// Settings `default` exists from the first start of `vigil serve`, so that every message pointing at it is true: the
// disabled /metrics says "set spec.metrics.enabled in Settings default", and `kubectl patch settings default` does
// exactly that on a fresh server. A restart leaves the stored singleton as it is (create-if-absent, never overwrite).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kubectl } from '../../testbed/kubectl.ts';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';

interface StoredSettings {
  metadata: { name: string; resourceVersion: string; uid: string };
  spec?: Record<string, unknown>;
}

describe('vigil serve creates Settings default at start', () => {
  const dataDir = makeTempDir('settings-default');
  let vigil: VigilChild | undefined;
  let kubectl: Kubectl | undefined;

  before(async () => {
    vigil = await startVigil({ dataDir });
    kubectl = new Kubectl(vigil.kubeconfig);
  });

  after(async () => {
    await kubectl?.close();
    await vigil?.stop();
    removeTempDir(dataDir);
  });

  async function settings(): Promise<StoredSettings> {
    if (kubectl === undefined) throw new Error('kubectl not started');
    return JSON.parse(await kubectl.ok(['get', 'settings', 'default', '-o', 'json'])) as StoredSettings;
  }

  async function metricsStatus(server: VigilChild): Promise<{ status: number; text: string }> {
    const response = await fetch(`${server.url}/metrics`, { headers: server.headers(), signal: AbortSignal.timeout(deadlines.request) });
    return { status: response.status, text: await response.text() };
  }

  test('a fresh server has Settings default with an empty spec, and the message of a disabled /metrics points at it', async () => {
    assert.ok(vigil);
    const stored = await settings();
    assert.equal(stored.metadata.name, 'default');
    assert.deepEqual(stored.spec ?? {}, {});
    const metrics = await metricsStatus(vigil);
    assert.equal(metrics.status, 404, metrics.text);
    assert.match(metrics.text, /set spec\.metrics\.enabled in Settings default/);
  });

  test('kubectl patch settings default turns /metrics on, as the message says', async () => {
    assert.ok(vigil && kubectl);
    const patched = await kubectl.run(['patch', 'settings', 'default', '--type', 'merge', '-p', '{"spec":{"metrics":{"enabled":true}}}']);
    assert.equal(patched.code, 0, patched.stderr);
    assert.match(patched.stdout, /settings\.vigil\.dev\/default patched/);
    assert.deepEqual((await settings()).spec, { metrics: { enabled: true } });
    const deadline = Date.now() + deadlines.condition;
    let metrics = await metricsStatus(vigil);
    while (metrics.status !== 200 && Date.now() < deadline) {
      await sleep(200);
      metrics = await metricsStatus(vigil);
    }
    assert.equal(metrics.status, 200, metrics.text);
    assert.match(metrics.text, /^# HELP /m);
  });

  test('a restart leaves the stored Settings default exactly as it was', async () => {
    assert.ok(vigil && kubectl);
    const before = await settings();
    await vigil.stop();
    vigil = await startVigil({ dataDir });
    const afterRestart = await settings();
    assert.equal(afterRestart.metadata.uid, before.metadata.uid);
    assert.equal(afterRestart.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.deepEqual(afterRestart.spec, { metrics: { enabled: true } });
  });
});
