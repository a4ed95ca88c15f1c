// Fault injection on Vigil itself: real `vigil serve` child processes on a real engine and registry. An update is
// requested through the resource API (spec.update, the request pattern); VIGIL_FAILPOINTS pauses the update controller
// at one step (after the stop, the rename, the create, the removal of the old container, during validation, in the
// middle of a rollback), where the process is killed with SIGKILL; a `vigil serve` started again on the same data
// directory, without the failpoint, converges: the container exists exactly once under its name, runs the new image
// after a success or the exact old image after a rollback, no recovery copy is left, and one UpdateRecord says what
// happened. (fault-injection.test.ts kills the update machine alone after every one of its actions.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Container, UpdateRecord } from '../../../schemas/generated/types.ts';
import { convergenceProblems } from '../../../controllers/update/machine/invariant.ts';
import type { UpdateOperation } from '../../../controllers/update/machine/operation.ts';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { NEW_IMAGE, startUpdateTestbed, type UpdateTestbed } from './update-testbed.ts';
import { deadlines } from '../../testbed/deadlines.ts';

const GROUP = '/apis/vigil.dev/v1alpha1';
const TERMINAL = new Set(['Succeeded', 'Skipped', 'RolledBack', 'Failed']);

interface Case {
  /** The VIGIL_FAILPOINTS value. */
  failpoint: string;
  /** What the engine shows at the pause: proof that the kill fell where it was meant to. */
  atPause: string;
  /** The image's tag to update to ('bad' fails its health check). */
  tag: '2' | 'bad';
  outcome: 'success' | 'rollback';
  /** More `docker run` flags of the container. */
  run?: string[];
}

// The user's own health check, which the new container keeps: it stays `starting` for 3 s after the start, so that
// validation is still under way when a pass finds the operation at `verify` (app:2 has no health check of its own,
// and would be validated in the pass that ends the grace period).
const HEALTH_CHECK = ['--health-cmd', 'true', '--health-interval', '3s', '--health-retries', '1'];

const CASES: Case[] = [
  { failpoint: 'update-after=stop', atPause: 'the old container stopped under its name', tag: '2', outcome: 'success' },
  { failpoint: 'update-after=rename', atPause: 'only the renamed old container', tag: '2', outcome: 'success' },
  { failpoint: 'update-after=create', atPause: 'the renamed old container and the new one, created', tag: '2', outcome: 'success' },
  { failpoint: 'update-at=verify', atPause: 'the new container running, the old one kept aside', tag: '2', outcome: 'success', run: HEALTH_CHECK },
  { failpoint: 'update-after=removeOld', atPause: 'only the new container, the update not recorded yet', tag: '2', outcome: 'success' },
  { failpoint: 'update-at=verify', atPause: 'the new container (failing its health check) running, the old one kept aside', tag: 'bad', outcome: 'rollback' },
  { failpoint: 'update-after=rollbackRemoveNew', atPause: 'only the renamed old container: the failed new one removed', tag: 'bad', outcome: 'rollback' },
];

describe('fault injection: vigil serve killed with SIGKILL in the middle of an update, started again', () => {
  let bed: UpdateTestbed;
  let badReference = '';
  const imageIDs = new Map<string, string>();
  let run = 0;

  before(async () => {
    bed = await startUpdateTestbed('serve-faults');
    badReference = await bed.publish('bad', { ...NEW_IMAGE, version: 'bad', health: 'fail' });
    await bed.engine.docker(['pull', bed.newReference]);
    for (const [tag, reference] of [['2', bed.newReference], ['bad', badReference]] as const) {
      imageIDs.set(tag, (await bed.engine.docker(['image', 'inspect', '--format', '{{.Id}}', reference])).trim());
    }
  });

  after(async () => {
    await bed?.cleanup();
  });

  async function api<T>(server: VigilChild, method: string, path: string, body?: unknown): Promise<T | undefined> {
    const response = await fetch(`${server.url}${GROUP}${path}`, {
      method,
      headers: { ...server.headers(), ...(body === undefined ? {} : { 'content-type': 'application/merge-patch+json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status === 404 && method === 'GET') return undefined;
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  function logOf(dataDir: string): string {
    const file = join(dataDir, 'vigil.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  async function eventually<T>(what: string, dataDir: string, probe: () => Promise<T | undefined>, timeoutMs = deadlines.containerCondition): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await probe();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}; vigil.log ends with:\n${logOf(dataDir).split('\n').slice(-20).join('\n')}`);
      await sleep(100);
    }
  }

  /** The names of the engine's containers that start with `name` (the container and any recovery copy), sorted. */
  async function namesLike(name: string): Promise<string[]> {
    const output = (await bed.engine.docker(['ps', '-a', '--format', '{{.Names}}', '--filter', `name=^${name}`])).trim();
    return output === '' ? [] : output.split('\n').sort();
  }

  async function state(reference: string): Promise<{ id: string; image: string; running: boolean }> {
    const inspect = await bed.inspect(reference);
    return { id: String(inspect.Id), image: String(inspect.Image), running: (inspect.State as { Running: boolean }).Running };
  }

  /** Checks what the engine shows while the controller is paused at the failpoint. */
  async function assertPausedState(item: Case, name: string, oldID: string): Promise<void> {
    const names = await namesLike(name);
    const recovery = names.find((found) => found.startsWith(`${name}-vigil-old-`));
    const where = `${item.failpoint}: ${item.atPause} (${names.join(', ')})`;
    switch (item.failpoint) {
      case 'update-after=stop': {
        assert.deepEqual(names, [name], where);
        const old = await state(name);
        assert.equal(old.id, oldID, where);
        assert.equal(old.running, false, where);
        break;
      }
      case 'update-after=rename':
      case 'update-after=rollbackRemoveNew':
        assert.equal(names.length, 1, where);
        assert.ok(recovery !== undefined && (await state(recovery)).id === oldID, where);
        break;
      case 'update-after=create': {
        assert.equal(names.length, 2, where);
        assert.ok(recovery !== undefined && (await state(recovery)).id === oldID, where);
        const created = await state(name);
        assert.equal(created.image, imageIDs.get(item.tag), where);
        assert.equal(created.running, false, where);
        break;
      }
      case 'update-at=verify': {
        assert.equal(names.length, 2, where);
        assert.ok(recovery !== undefined && (await state(recovery)).id === oldID, where);
        const started = await state(name);
        assert.equal(started.image, imageIDs.get(item.tag), where);
        assert.equal(started.running, true, where);
        break;
      }
      case 'update-after=removeOld': {
        assert.deepEqual(names, [name], where);
        assert.equal((await state(name)).image, imageIDs.get(item.tag), where);
        break;
      }
      default:
        assert.fail(`no expectation for ${item.failpoint}`);
    }
  }

  for (const item of CASES) {
    test(`killed ${item.failpoint.replace('update-', '').replace('=', ' ')} of ${item.outcome === 'success' ? 'an update' : 'an update that fails validation'}: it converges on the ${item.outcome === 'success' ? 'new' : 'old'} image, recorded once as ${item.outcome}`, async () => {
      run += 1;
      const name = `web${run}`;
      const dataDir = makeTempDir('serve-faults');
      const servers: VigilChild[] = [];
      try {
        // A grace period of 0: validation starts at once after the start.
        const oldID = (await bed.engine.docker(['run', '-d', '--name', name, '--label', 'sentinel.grace-period=0s', ...(item.run ?? []), bed.oldReference])).trim();
        const oldImageID = (await state(name)).image;
        const args = ['--docker-host', bed.engine.host];
        const paused = await startVigil({ dataDir, args, env: { VIGIL_FAILPOINTS: item.failpoint } });
        servers.push(paused);
        await eventually(`${name} discovered with a grace period of 0s`, dataDir, async () => {
          const found = await api<Container>(paused, 'GET', `/namespaces/local/containers/${name}`);
          return found?.status?.effective?.gracePeriod?.value === '0s' ? found : undefined;
        });
        const requestedAt = new Date().toISOString();
        await api(paused, 'PATCH', `/namespaces/local/containers/${name}`, { spec: { update: { requestedAt, reason: 'ChosenTag', tag: item.tag } } });
        await eventually(`the failpoint ${item.failpoint} reached`, dataDir, async () => (logOf(dataDir).includes('failpoint reached') ? true : undefined));
        await paused.kill();
        await assertPausedState(item, name, oldID);
        const restarted = await startVigil({ dataDir, args });
        servers.push(restarted);
        // Stored before the kill: the operation the restarted process takes over.
        const takenOver = await api<Container>(restarted, 'GET', `/namespaces/local/containers/${name}`);
        assert.equal(takenOver?.status?.operation?.request, requestedAt);

        const converged = await eventually(`${name}'s update ended and recorded`, dataDir, async () => {
          const found = await api<Container>(restarted, 'GET', `/namespaces/local/containers/${name}`);
          const operation = found?.status?.operation;
          return operation !== undefined && TERMINAL.has(operation.phase) && found?.status?.lastUpdate?.record !== undefined ? found : undefined;
        });
        const operation = converged.status?.operation as unknown as UpdateOperation;
        assert.equal(operation.details.outcome, item.outcome, operation.details.error);
        assert.equal(converged.status?.handledRequests?.update, requestedAt);
        assert.deepEqual(await convergenceProblems(bed.docker, operation, AbortSignal.timeout(10_000)), []);
        assert.deepEqual(await namesLike(name), [name], 'exactly one container, no recovery copy');
        const holder = await state(name);
        assert.equal(holder.image, item.outcome === 'success' ? imageIDs.get(item.tag) : oldImageID);
        assert.equal(holder.running, true);
        if (item.outcome === 'rollback') assert.equal(holder.id, oldID, 'the old container itself, given its name back');

        const records = (await api<{ items: UpdateRecord[] }>(restarted, 'GET', '/namespaces/local/updaterecords'))?.items ?? [];
        const ours = records.filter((record) => record.spec.containerName === name && record.spec.type === 'update');
        assert.equal(ours.length, 1, `one record of the update: ${JSON.stringify(ours.map((record) => record.metadata.name))}`);
        const record = ours[0]?.spec;
        assert.equal(record?.outcome, item.outcome);
        assert.equal(record?.reason, 'ChosenTag');
        assert.equal(record?.oldImage, bed.oldReference);
        assert.equal(record?.newImage, item.tag === '2' ? bed.newReference : badReference);
        assert.equal(converged.status?.lastUpdate?.record, ours[0]?.metadata.name);
        const steps = (record?.steps ?? []).map((step) => step.name);
        for (const step of ['pull', 'stop', 'rename', 'create', 'start', 'verify']) assert.ok(steps.includes(step), `the record lists ${step}: ${steps.join(', ')}`);
        if (item.outcome === 'rollback') assert.ok(steps.includes('rollbackRename'), `the record lists the rollback: ${steps.join(', ')}`);
        else assert.ok(steps.includes('removeOld'), `the record lists the removal of the old container: ${steps.join(', ')}`);
      } finally {
        for (const server of servers) await server.stop();
        removeTempDir(dataDir);
        // Done with this one (and whatever a failure left): its names are not reused.
        for (const left of await namesLike(name)) await bed.engine.docker(['rm', '-f', left]);
      }
    });
  }
});
