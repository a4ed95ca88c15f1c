// A rollback that looks exactly like before (issue 13 §4), on a real `vigil serve`, engine and registry: web on
// team/app:1.0.0 is approved onto 1.1.0 with image cleanup on (the default: the old image leaves the engine), then
// team/app:1.0.0 is re-pushed as another image, so the registry's tag no longer names the old one. POST
// /api/containers/web/rollback restores the snapshot: the old image comes back by digest, and the local tag
// REGISTRY/team/app:1.0.0 is pointed at it again, so Config.Image shows the tag it had, never REPO@sha256. The same
// for a rollback to a Snapshot chosen through the resource API (Container spec.rollback.snapshot).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { NEW_IMAGE, OLD_IMAGE, startUpdateTestbed, type UpdateTestbed } from '../update/update-testbed.ts';
import { deadlines } from '../../testbed/deadlines.ts';

interface QueueEntry {
  key: string;
  container_name: string;
}

describe('a rollback after cleanup and a moved tag shows the old tag on the old image ID', () => {
  let bed: UpdateTestbed;
  let vigil: VigilChild;
  let oldReference = '';
  let newReference = '';
  let oldImageID = '';
  let newImageID = '';

  before(async () => {
    bed = await startUpdateTestbed('rollback-tag');
    oldReference = await bed.publish('1.0.0', OLD_IMAGE);
    newReference = await bed.publish('1.1.0', NEW_IMAGE);
    oldImageID = (await bed.engine.docker(['image', 'inspect', '--format', '{{.Id}}', oldReference])).trim();
    newImageID = (await bed.engine.docker(['image', 'inspect', '--format', '{{.Id}}', newReference])).trim();
    await bed.engine.docker(['rmi', newReference, 'vigil-test/app:1.1.0']);
    await bed.engine.docker(['run', '-d', '--name', 'web', '--label', 'sentinel.policy=manual', '--label', 'sentinel.semver=minor', '--label', 'sentinel.grace-period=0s', oldReference]);
    // Only the registry reference names the old image, so that cleanup removes it from the engine entirely.
    await bed.engine.docker(['rmi', 'vigil-test/app:1.0.0']);
    vigil = await startVigil({ args: ['--docker-host', bed.engine.host] });
  });

  after(async () => {
    await vigil?.stop();
    await bed?.cleanup();
  });

  async function rest<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${vigil.url}${path}`, {
      method,
      headers: { ...vigil.headers(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(70_000),
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

  /** The image ID container `name` runs; '' while no container has the name (in the middle of a recreate). */
  async function imageOf(name: string): Promise<string> {
    const output = await bed.engine.docker(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.ID}}']);
    const id = output.trim();
    return id === '' ? '' : (await bed.engine.docker(['inspect', '--format', '{{.Image}}', id]).catch(() => '')).trim();
  }

  async function configImage(name: string): Promise<string> {
    return (await bed.engine.docker(['inspect', '--format', '{{.Config.Image}}', name])).trim();
  }

  async function localTagID(reference: string): Promise<string> {
    return (await bed.engine.docker(['image', 'inspect', '--format', '{{.Id}}', reference]).catch(() => '')).trim();
  }

  test('approved update to 1.1.0 with cleanup on: the old image leaves the engine', async () => {
    assert.equal(await configImage('web'), oldReference);
    await eventually('the inventory to list web', async () => {
      const list = await rest<Array<{ name: string }>>('GET', '/api/containers');
      return list.status === 200 && list.body.some((container) => container.name === 'web') ? true : undefined;
    });
    const check = await rest<{ status: string }>('POST', '/api/check/web');
    assert.equal(check.status, 200, JSON.stringify(check.body));
    const queue = await eventually('web in the queue', async () => (await rest<QueueEntry[]>('GET', '/api/queue')).body.find((entry) => entry.container_name === 'web'));
    const approved = await rest<{ status: string }>('POST', `/api/approve/${queue.key}`);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    await eventually('web running 1.1.0', async () => ((await imageOf('web')) === newImageID ? true : undefined));
    await eventually('image cleanup to remove the old image', async () => ((await localTagID(oldImageID)) === '' ? true : undefined));
  });

  test('team/app:1.0.0 moved in the registry; the rollback shows REGISTRY/team/app:1.0.0 again, on the old image ID', async () => {
    const moved = await bed.publish('1.0.0', { ...NEW_IMAGE, version: '3' });
    assert.equal(moved, oldReference);
    const movedID = await localTagID(moved);
    assert.notEqual(movedID, oldImageID);
    // As on a host that never pulled the moved tag: the engine has no team/app:1.0.0 at all.
    await bed.engine.docker(['rmi', moved, 'vigil-test/app:1.0.0']);

    const rollback = await rest<{ status: string }>('POST', '/api/containers/web/rollback');
    assert.equal(rollback.status, 200, JSON.stringify(rollback.body));
    await eventually('web back on the old image ID', async () => ((await imageOf('web')) === oldImageID ? true : undefined));
    await eventually('web running', async () => ((await bed.engine.docker(['inspect', '--format', '{{.State.Running}}', 'web'])).trim() === 'true' ? true : undefined));
    assert.equal(await configImage('web'), oldReference);
    assert.doesNotMatch(await configImage('web'), /@sha256:/);
    assert.equal(await localTagID(oldReference), oldImageID, 'the local tag points at the old image, not at the re-pushed one');
  });

  test('a rollback to a chosen Snapshot (spec.rollback.snapshot through the resource API) looks the same', async () => {
    // Onto 1.1.0 again; cleanup removes the old image again.
    const check = await rest<{ status: string }>('POST', '/api/check/web');
    assert.equal(check.status, 200, JSON.stringify(check.body));
    const queue = await eventually('web in the queue again', async () => (await rest<QueueEntry[]>('GET', '/api/queue')).body.find((entry) => entry.container_name === 'web'));
    assert.equal((await rest<{ status: string }>('POST', `/api/approve/${queue.key}`)).status, 200);
    await eventually('web running 1.1.0 again', async () => ((await imageOf('web')) === newImageID ? true : undefined));
    await eventually('image cleanup to remove the old image again', async () => ((await localTagID(oldImageID)) === '' ? true : undefined));

    // The oldest snapshot of web on the old image: the one taken before the first update, not the newest.
    const snapshots = await rest<{ items: Array<{ metadata: { name: string }; spec: { imageID: string; image: string; takenAt: string } }> }>('GET', '/apis/vigil.dev/v1alpha1/namespaces/local/snapshots');
    assert.equal(snapshots.status, 200, JSON.stringify(snapshots.body));
    const chosen = snapshots.body.items.filter((snapshot) => snapshot.spec.imageID === oldImageID).sort((a, b) => a.spec.takenAt.localeCompare(b.spec.takenAt))[0];
    assert.ok(chosen, 'a snapshot of web on the old image');
    assert.equal(chosen.spec.image, oldReference);
    const response = await fetch(`${vigil.url}/apis/vigil.dev/v1alpha1/namespaces/local/containers/web`, {
      method: 'PATCH',
      headers: { ...vigil.headers(), 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { rollback: { requestedAt: new Date().toISOString(), snapshot: chosen.metadata.name } } }),
      signal: AbortSignal.timeout(deadlines.request),
    });
    assert.equal(response.status, 200, await response.text());

    await eventually('web back on the old image ID', async () => ((await imageOf('web')) === oldImageID ? true : undefined));
    await eventually('web running', async () => ((await bed.engine.docker(['inspect', '--format', '{{.State.Running}}', 'web'])).trim() === 'true' ? true : undefined));
    assert.equal(await configImage('web'), oldReference);
    assert.equal(await localTagID(oldReference), oldImageID, 'the local tag points at the old image, not at the re-pushed one');
  });
});
