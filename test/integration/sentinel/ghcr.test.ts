// GHCR alternatives on a real `vigil serve`, engine and two registries standing in for Docker Hub and GHCR (the
// test-only VIGIL_REGISTRY_HOST_MAP, docs/registry.md): a container of a Docker Hub image whose tag GHCR has with the
// same digest is offered and switched through the normal update (Config.Image becomes the ghcr.io reference, an
// UpdateRecord is written); a different build is not offered unless allowed; a transient 503 from GHCR is not
// cached as "unavailable".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { startRegistry, type TestRegistry } from '../../testbed/registry.ts';
import { startRegistryProxy, type RegistryProxy } from '../../testbed/registry-proxy.ts';
import { buildAndPush, copyImage } from '../../testbed/registry-push.ts';
import { cleanupEngine } from '../update/update-testbed.ts';
import { deadlines } from '../../testbed/deadlines.ts';

interface Alternative {
  docker_hub_image?: string;
  ghcr_image?: string;
  tag?: string;
  available: boolean;
  digest_match?: boolean;
  hub_digest?: string;
  ghcr_digest?: string;
  checked_at?: string;
  checked?: boolean;
  error?: string;
}

interface UpdateRecordItem {
  spec: { containerName: string; type: string; outcome: string; newImage?: string; oldImage?: string; reason?: string };
}

describe('GHCR alternatives through the normal update, on two local registries standing in for Docker Hub and GHCR', () => {
  let engine: DockerEngine;
  let hub: TestRegistry;
  let ghcr: TestRegistry;
  let ghcrProxy: RegistryProxy;
  let vigil: VigilChild;
  const digests: Record<string, string> = {};
  const imageIDs: Record<string, string> = {};

  /** Publishes `repository:1.0` on "Docker Hub" and runs container `name` from it under its docker.io name. */
  async function hubContainer(name: string, repository: string, version: string): Promise<void> {
    const pushed = await buildAndPush(engine, hub, repository, '1.0', version);
    digests[name] = pushed.digest;
    imageIDs[name] = pushed.imageID;
    await engine.docker(['tag', pushed.reference, `${repository}:1.0`]);
    await engine.docker(['run', '-d', '--name', name, '--label', 'sentinel.policy=manual', '--label', 'sentinel.grace-period=0s', `${repository}:1.0`]);
  }

  before(async () => {
    engine = await startDockerEngine({ name: 'ghcr' });
    hub = await startRegistry({ name: 'registry-hub' });
    ghcr = await startRegistry({ name: 'registry-ghcr' });
    ghcrProxy = await startRegistryProxy(ghcr.url);
    await hubContainer('same', 'owner/same', '1');
    await copyImage(hub, ghcr, 'owner/same', '1.0');
    await hubContainer('other', 'owner/other', '2');
    const otherBuild = await buildAndPush(engine, ghcr, 'owner/other', '1.0', '3');
    imageIDs.otherGhcr = otherBuild.imageID;
    await hubContainer('flaky', 'owner/flaky', '4');
    await copyImage(hub, ghcr, 'owner/flaky', '1.0');
    // Only the docker.io names stay on the engine: the switch must pull the ghcr.io image itself.
    await engine.docker(['rmi', `${hub.server}/owner/same:1.0`, `${hub.server}/owner/other:1.0`, `${hub.server}/owner/flaky:1.0`, `${ghcr.server}/owner/other:1.0`]);
    vigil = await startVigil({
      args: ['--docker-host', engine.host],
      env: { VIGIL_REGISTRY_HOST_MAP: `docker.io=${hub.server},ghcr.io=${ghcrProxy.server}` },
    });
    await eventually('the inventory to list the containers', async () => {
      const list = await rest<Array<{ name: string }>>('GET', '/api/containers');
      return list.status === 200 && ['same', 'other', 'flaky'].every((name) => list.body.some((container) => container.name === name)) ? true : undefined;
    });
  });

  after(async () => {
    await vigil?.stop();
    await ghcrProxy?.stop();
    await ghcr?.cleanup();
    await hub?.cleanup();
    if (engine !== undefined) await cleanupEngine(engine);
  });

  async function rest<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${vigil.url}${path}`, {
      method,
      headers: { ...vigil.headers(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(deadlines.request),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
  }

  async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = deadlines.containerCondition): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await probe();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
      await sleep(200);
    }
  }

  async function configImage(name: string): Promise<string> {
    return (await engine.docker(['inspect', '--format', '{{.Config.Image}}', name]).catch(() => '')).trim();
  }

  async function runningFrom(name: string, image: string): Promise<boolean> {
    const state = (await engine.docker(['inspect', '--format', '{{.Config.Image}} {{.State.Running}}', name]).catch(() => '')).trim();
    return state === `${image} true`;
  }

  async function records(name: string): Promise<UpdateRecordItem[]> {
    const answer = await rest<{ items: UpdateRecordItem[] }>('GET', '/apis/vigil.dev/v1alpha1/namespaces/local/updaterecords');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.items.filter((record) => record.spec.containerName === name);
  }

  test('the same build on GHCR is offered, and the switch runs as an update onto the ghcr.io reference', async () => {
    const offered = await rest<Alternative>('GET', '/api/containers/same/ghcr');
    assert.equal(offered.status, 200, JSON.stringify(offered.body));
    assert.equal(offered.body.docker_hub_image, 'owner/same');
    assert.equal(offered.body.ghcr_image, 'ghcr.io/owner/same');
    assert.equal(offered.body.tag, '1.0');
    assert.equal(offered.body.available, true);
    assert.equal(offered.body.digest_match, true);
    assert.equal(offered.body.hub_digest, digests.same);
    assert.equal(offered.body.ghcr_digest, digests.same);
    const listed = await rest<Alternative[]>('GET', '/api/ghcr/alternatives');
    assert.ok(listed.body.some((entry) => entry.docker_hub_image === 'owner/same' && entry.digest_match === true), JSON.stringify(listed.body));

    const switched = await rest<{ status: string; name: string; ghcr_image: string; message: string }>('POST', '/api/containers/same/switch-ghcr');
    assert.equal(switched.status, 200, JSON.stringify(switched.body));
    assert.deepEqual(switched.body, { status: 'started', name: 'same', ghcr_image: 'ghcr.io/owner/same:1.0', message: 'migration to GHCR started for same' });
    await eventually('same running from ghcr.io/owner/same:1.0', async () => ((await runningFrom('same', 'ghcr.io/owner/same:1.0')) ? true : undefined));
    assert.equal((await engine.docker(['inspect', '--format', '{{.Image}}', 'same'])).trim(), imageIDs.same, 'the same build: the same image');
    const record = await eventually('an UpdateRecord of the switch', async () => (await records('same')).find((entry) => entry.spec.type === 'update'));
    assert.equal(record.spec.outcome, 'success', JSON.stringify(record.spec));
    assert.equal(record.spec.newImage, 'ghcr.io/owner/same:1.0');
    assert.equal(record.spec.reason, 'SwitchRegistry');
  });

  test('a different build is not offered by default, and is switched when the request allows it', async () => {
    const offered = await rest<Alternative>('GET', '/api/containers/other/ghcr');
    assert.equal(offered.status, 200, JSON.stringify(offered.body));
    assert.equal(offered.body.available, true);
    assert.equal(offered.body.digest_match, false);
    assert.equal(offered.body.hub_digest, digests.other);
    assert.notEqual(offered.body.ghcr_digest, digests.other);

    const refused = await rest<{ error: string }>('POST', '/api/containers/other/switch-ghcr');
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.match(refused.body.error, /^ghcr\.io\/owner\/other:1\.0 is a different build .*allow_different_build.* for other$/);
    assert.equal(await configImage('other'), 'owner/other:1.0');
    assert.deepEqual(await records('other'), [], 'nothing was attempted');

    const allowed = await rest<{ status: string; ghcr_image: string }>('POST', '/api/containers/other/switch-ghcr', { allow_different_build: true });
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
    assert.equal(allowed.body.ghcr_image, 'ghcr.io/owner/other:1.0');
    await eventually('other running from ghcr.io/owner/other:1.0', async () => ((await runningFrom('other', 'ghcr.io/owner/other:1.0')) ? true : undefined));
    assert.equal((await engine.docker(['inspect', '--format', '{{.Image}}', 'other'])).trim(), imageIDs.otherGhcr, 'the GHCR build runs');
  });

  test('a transient 503 from GHCR is not cached as unavailable: the next request finds the alternative', async () => {
    ghcrProxy.inject({ kind: 'status', status: 503, body: 'upstream unavailable' }, { path: /^\/v2\/owner\/flaky\/manifests\//, times: 1 });
    const failed = await rest<Alternative>('GET', '/api/containers/flaky/ghcr');
    assert.equal(failed.status, 200, JSON.stringify(failed.body));
    assert.equal(failed.body.available, false);
    assert.equal(failed.body.checked, false);
    assert.match(failed.body.error ?? '', /HTTP 503/);
    const listed = await rest<Alternative[]>('GET', '/api/ghcr/alternatives');
    assert.ok(!listed.body.some((entry) => entry.docker_hub_image === 'owner/flaky'), 'no entry cached for the failed probe');
    const switchDuringFailure = ghcrProxy.requests.length;
    const found = await rest<Alternative>('GET', '/api/containers/flaky/ghcr');
    assert.equal(found.body.available, true, JSON.stringify(found.body));
    assert.equal(found.body.digest_match, true);
    assert.ok(ghcrProxy.requests.length > switchDuringFailure, 'GHCR was asked again');
  });

  test('a container now on ghcr.io has no alternative, and the answer says why', async () => {
    // `same` runs ghcr.io/owner/same:1.0 since the first test (once the inventory has seen it).
    const self = await eventually('the inventory to see same on ghcr.io', async () => {
      const answer = await rest<Alternative & { reason?: string }>('GET', '/api/containers/same/ghcr');
      return answer.body.reason === undefined ? undefined : answer;
    });
    assert.equal(self.body.available, false);
    assert.match(self.body.reason ?? '', /not a Docker Hub image/);
    const refused = await rest<{ error: string }>('POST', '/api/containers/same/switch-ghcr');
    assert.equal(refused.status, 400);
    assert.match(refused.body.error, /^no GHCR alternative available for same: ghcr\.io\/owner\/same:1\.0 is not a Docker Hub image/);
  });
});
