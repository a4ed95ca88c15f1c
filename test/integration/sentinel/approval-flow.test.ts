// The manual-approval flow end to end, as a Docker Sentinel user drives it through the REST API, on a real `vigil
// serve` child process, a real engine and a real registry: a container on app:1.0.0 with the manual policy, app:1.1.0
// pushed to the registry; POST /api/check finds it, GET /api/queue lists it, POST /api/approve updates the container
// (the registry-check, update and inventory controllers at work), GET /api/history records the update, and POST
// /api/containers/{name}/rollback returns it to the exact old image ID, which the history records too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { NEW_IMAGE, OLD_IMAGE, startUpdateTestbed, type UpdateTestbed } from '../update/update-testbed.ts';
import { deadlines } from '../../testbed/deadlines.ts';

interface QueueEntry {
  key: string;
  container_name: string;
  newer_versions: string[];
  resolved_target_version: string;
  remote_digest: string;
}

interface HistoryEntry {
  container_name: string;
  type: string;
  outcome: string;
  old_image: string;
  new_image: string;
  requested_by?: string;
}

describe('manual approval through the REST API: check, queue, approve, update, history, rollback', () => {
  let bed: UpdateTestbed;
  let vigil: VigilChild;
  let oldReference = '';
  let newReference = '';
  let oldImageID = '';
  let newImageID = '';

  before(async () => {
    bed = await startUpdateTestbed('approval-flow');
    oldReference = await bed.publish('1.0.0', OLD_IMAGE);
    newReference = await bed.publish('1.1.0', NEW_IMAGE);
    oldImageID = (await bed.engine.docker(['image', 'inspect', '--format', '{{.Id}}', oldReference])).trim();
    newImageID = (await bed.engine.docker(['image', 'inspect', '--format', '{{.Id}}', newReference])).trim();
    // As before a real update: the engine has 1.1.0 only in the registry.
    await bed.engine.docker(['rmi', newReference, 'vigil-test/app:1.1.0']);
    await bed.engine.docker(['run', '-d', '--name', 'web', '--label', 'sentinel.policy=manual', '--label', 'sentinel.semver=minor', '--label', 'sentinel.grace-period=0s', oldReference]);
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

  test('a check finds 1.1.0, the queue offers it, approving updates the container to exactly that image', async () => {
    await eventually('the inventory to list web', async () => {
      const list = await rest<Array<{ name: string }>>('GET', '/api/containers');
      return list.status === 200 && list.body.some((container) => container.name === 'web') ? true : undefined;
    });
    const check = await rest<{ status: string; newer_versions?: string[] }>('POST', '/api/check/web');
    assert.equal(check.status, 200, JSON.stringify(check.body));
    assert.equal(check.body.status, 'update_available');
    assert.deepEqual(check.body.newer_versions, ['1.1.0']);

    const queue = await eventually('web in the queue', async () => {
      const answer = await rest<QueueEntry[]>('GET', '/api/queue');
      return answer.body.find((entry) => entry.container_name === 'web');
    });
    assert.equal(queue.key, 'web');
    assert.equal(queue.resolved_target_version, '1.1.0');
    assert.deepEqual(queue.newer_versions, ['1.1.0']);
    assert.match(queue.remote_digest, /^sha256:[0-9a-f]{64}$/);
    // Manual: nothing happens before the approval.
    assert.equal(await imageOf('web'), oldImageID);

    const approved = await rest<{ status: string }>('POST', `/api/approve/${queue.key}`);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.status, 'approved');
    await eventually('web running 1.1.0', async () => ((await imageOf('web')) === newImageID ? true : undefined));

    const history = await eventually('the update in the history', async () => {
      const answer = await rest<HistoryEntry[]>('GET', '/api/history');
      return answer.body.find((entry) => entry.container_name === 'web' && entry.type === 'update');
    });
    assert.equal(history.outcome, 'success');
    assert.equal(history.old_image, oldReference);
    assert.equal(history.new_image, newReference);
    // Recorded once the old container is gone: one container under the name, no recovery copy.
    const names = (await bed.engine.docker(['ps', '-a', '--format', '{{.Names}}'])).trim().split('\n').filter((name) => name.startsWith('web'));
    assert.deepEqual(names, ['web']);
    await eventually('the queue to be empty', async () => ((await rest<QueueEntry[]>('GET', '/api/queue')).body.length === 0 ? true : undefined));
  });

  test('a rollback returns web to the exact old image ID and the history records it', async () => {
    const rollback = await rest<{ status: string }>('POST', '/api/containers/web/rollback');
    assert.equal(rollback.status, 200, JSON.stringify(rollback.body));
    await eventually('web back on the old image ID', async () => ((await imageOf('web')) === oldImageID ? true : undefined));
    const record = await eventually('the rollback in the history', async () => {
      const answer = await rest<HistoryEntry[]>('GET', '/api/history');
      return answer.body.find((entry) => entry.container_name === 'web' && entry.type === 'rollback');
    });
    assert.equal(record.outcome, 'success');
    const running = (await bed.engine.docker(['inspect', '--format', '{{.State.Running}}', 'web'])).trim();
    assert.equal(running, 'true');
  });
});
