// The update's behaviour on a real engine and registry: validation and rollback to the exact old image, stop
// semantics, identical images, hooks, pull-only, backup and cleanup, namespace dependents, registry credentials.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { connectUpdateDocker } from '../../../controllers/update/docker/dockerode-update-docker.ts';
import type { UpdateOperation } from '../../../controllers/update/machine/operation.ts';
import { IDLE, NEW_IMAGE, OLD_IMAGE, startUpdateTestbed, type UpdateTestbed } from './update-testbed.ts';
import { deadlines } from '../../testbed/deadlines.ts';

describe('the update lifecycle on a real engine', () => {
  let bed: UpdateTestbed;
  let badReference = '';
  let out = '';
  const docker = (args: string[]): Promise<string> => bed.engine.docker(args);
  const idOf = async (reference: string): Promise<string> => (await docker(['image', 'inspect', '--format', '{{.Id}}', reference])).trim();
  const names = async (): Promise<string[]> => (await docker(['ps', '-a', '--format', '{{.Names}}'])).trim().split('\n').filter(Boolean).sort();
  const stepDuration = (result: UpdateOperation, step: string): number => {
    const record = result.details.steps.find((candidate) => candidate.name === step);
    assert.ok(record?.finishedAt, `${step} was recorded`);
    return Date.parse(record.finishedAt) - Date.parse(record.startedAt);
  };

  before(async () => {
    bed = await startUpdateTestbed('lifecycle');
    badReference = await bed.publish('bad', { ...NEW_IMAGE, version: 'bad', health: 'fail' });
    await docker(['rmi', badReference, 'vigil-test/app:bad']);
    out = join(bed.engine.dir, 'out');
    mkdirSync(out, { mode: 0o777 });
  });

  after(async () => {
    await bed.cleanup();
  });

  test('a new image whose health check fails is rolled back to the old container on the old image ID', async () => {
    const id = (await docker(['run', '-d', '--name', 'unhealthy', bed.oldReference])).trim();
    const result = await bed.update('unhealthy', badReference, { healthTimeoutMs: deadlines.healthy });
    assert.equal(result.details.outcome, 'rollback');
    assert.match(result.details.error ?? '', /unhealthy/);
    const now = await bed.inspect('unhealthy');
    assert.equal(now.Id, id);
    assert.equal(now.Image, bed.oldImageID);
    assert.equal((now.State as { Running: boolean }).Running, true);
    assert.ok(!(await names()).some((name) => name.startsWith('unhealthy-vigil-old')), 'no recovery copy left');
  });

  test('a tag moved in the registry between update and rollback: the rollback still runs the old image', async () => {
    const moving = await bed.push('vigil-test/app:1', 'team/app:moving');
    const id = (await docker(['run', '-d', '--name', 'moving', moving])).trim();
    // The tag now names the failing image in the registry; the update pulls it, so locally it moves too.
    await docker(['pull', badReference]);
    await bed.push(badReference, 'team/app:moving');
    const result = await bed.update('moving', moving, { healthTimeoutMs: deadlines.healthy });
    assert.equal(result.details.outcome, 'rollback');
    const now = await bed.inspect('moving');
    assert.equal(now.Id, id);
    assert.equal(now.Image, bed.oldImageID);
    // The rollback puts the local tag back on the old image, so Config.Image means on the engine what it meant before.
    assert.equal((now.Config as { Image: string }).Image, moving);
    assert.equal(await idOf(moving), bed.oldImageID, 'the local tag names the old image again');
    assert.notEqual(await idOf(badReference), bed.oldImageID);
  });

  test('the old container is stopped with its own stop signal', async () => {
    const script = `trap "echo USR2 > /out/stop-signal; exit 0" USR2; trap "echo TERM > /out/stop-signal; exit 0" TERM; while true; do sleep 0.1; done`;
    await docker(['run', '-d', '--name', 'signalled', '-u', '0', '-v', `${out}:/out`, '--stop-signal', 'SIGUSR2', '--entrypoint', '/bin/sh', bed.oldReference, '-c', script]);
    const result = await bed.update('signalled', bed.newReference);
    assert.equal(result.details.outcome, 'success', result.details.error);
    assert.equal(readFileSync(join(out, 'stop-signal'), 'utf8').trim(), 'USR2');
  });

  test('the old container is stopped within its own stop timeout, not a fixed one', async () => {
    const stubborn = 'trap "" TERM INT USR1 USR2; while true; do sleep 0.1; done';
    await docker(['run', '-d', '--name', 'stubborn', '--stop-timeout', '2', '--entrypoint', '/bin/sh', bed.oldReference, '-c', stubborn]);
    const result = await bed.update('stubborn', bed.newReference);
    assert.equal(result.details.outcome, 'success', result.details.error);
    const stop = stepDuration(result, 'stop');
    assert.ok(stop >= 1900 && stop < 8000, `stop took ${stop} ms; StopTimeout is 2 s, Docker's default 10 s`);
  });

  test('an identical image ends as identical and the container is not recreated', async () => {
    const id = (await docker(['run', '-d', '--name', 'same', bed.oldReference])).trim();
    const startedAt = (await bed.inspect('same')).State as { StartedAt: string };
    const result = await bed.update('same', bed.oldReference);
    assert.equal(result.details.outcome, 'identical');
    const now = await bed.inspect('same');
    assert.equal(now.Id, id);
    assert.equal((now.State as { StartedAt: string }).StartedAt, startedAt.StartedAt, 'not even restarted');
  });

  test('pre- and post-update hooks run in the old and the new container', async () => {
    const id = (await docker(['run', '-d', '--name', 'hooked', '-u', '0', '-v', `${out}:/out`, bed.oldReference])).trim();
    const result = await bed.update('hooked', bed.newReference, {
      preHooks: [{ command: ['sh', '-c', 'hostname > /out/pre-hook'], timeoutSeconds: 10, skipExitCode: 75 }],
      postHooks: [{ command: ['sh', '-c', 'hostname > /out/post-hook'], timeoutSeconds: 10, skipExitCode: 75 }],
    });
    assert.equal(result.details.outcome, 'success', result.details.error);
    assert.equal(readFileSync(join(out, 'pre-hook'), 'utf8').trim(), id.slice(0, 12));
    assert.equal(readFileSync(join(out, 'post-hook'), 'utf8').trim(), result.newContainerID?.slice(0, 12));
  });

  test('a pre-update hook exiting 75 skips the update, one that runs too long fails it; neither touches the container', async () => {
    const id = (await docker(['run', '-d', '--name', 'guarded', bed.oldReference])).trim();
    const skipped = await bed.update('guarded', bed.newReference, { preHooks: [{ command: ['sh', '-c', 'exit 75'], timeoutSeconds: 10, skipExitCode: 75 }] });
    assert.equal(skipped.details.outcome, 'skipped');
    const slow = await bed.update('guarded', bed.newReference, { preHooks: [{ command: ['sh', '-c', 'sleep 30'], timeoutSeconds: 1, skipExitCode: 75 }] });
    assert.equal(slow.details.outcome, 'failed');
    assert.match(slow.details.error ?? '', /timed out after 1 s/);
    assert.equal((await bed.inspect('guarded')).Id, id);
  });

  test('pull-only pulls the new image and leaves the container as it is', async () => {
    const reference = await bed.publish('pullonly', { ...NEW_IMAGE, version: 'pull-only' });
    await docker(['rmi', reference, 'vigil-test/app:pullonly']);
    const id = (await docker(['run', '-d', '--name', 'pullonly', bed.oldReference])).trim();
    const result = await bed.update('pullonly', reference, { pullOnly: true });
    assert.equal(result.details.outcome, 'pull_only');
    assert.equal((await bed.inspect('pullonly')).Id, id);
    assert.ok((await idOf(reference)).startsWith('sha256:'));
  });

  test('the backup tag keeps the old image; cleanup removes an old image nothing uses any more', async () => {
    const c1 = await bed.publish('c1', { ...OLD_IMAGE, version: 'c1' });
    const c2 = await bed.publish('c2', { ...OLD_IMAGE, version: 'c2' });
    await docker(['rmi', 'vigil-test/app:c1', 'vigil-test/app:c2']);
    const c1ID = await idOf(c1);
    await docker(['run', '-d', '--name', 'backedup', c1]);
    const backedUp = await bed.update('backedup', c2, { imageBackup: true, imageCleanup: true });
    assert.equal(backedUp.details.outcome, 'success', backedUp.details.error);
    assert.equal(await idOf(`${c1.replace(/:c1$/, '')}:${backedUp.details.backupTag ?? ''}`), c1ID);
    const c3 = await bed.publish('c3', { ...OLD_IMAGE, version: 'c3' });
    await docker(['rmi', 'vigil-test/app:c3', c3]);
    const c2ID = await idOf(c2);
    const cleaned = await bed.update('backedup', c3, { imageCleanup: true });
    assert.equal(cleaned.details.outcome, 'success', cleaned.details.error);
    await assert.rejects(docker(['image', 'inspect', c2ID]), /No such image/);
  });

  test('containers in the network namespace are recreated on the new container and reach it over localhost', async () => {
    await docker(['run', '-d', '--name', 'nsowner', bed.oldReference]);
    const dependentID = (await docker(['run', '-d', '--name', 'nsdependent', '--network', 'container:nsowner', '--entrypoint', '/bin/sh', bed.oldReference, '-c', IDLE])).trim();
    const result = await bed.update('nsowner', bed.newReference);
    assert.equal(result.details.outcome, 'success', result.details.error);
    const dependent = await bed.inspect('nsdependent');
    assert.notEqual(dependent.Id, dependentID);
    assert.equal((dependent.HostConfig as { NetworkMode: string }).NetworkMode, `container:${result.newContainerID ?? ''}`);
    assert.equal((dependent.State as { Running: boolean }).Running, true);
    assert.match(await docker(['exec', 'nsdependent', 'wget', '-q', '-O', '-', '-S', 'http://127.0.0.1:8080/']).catch((error: Error) => error.message), /HTTP\/1\.[01] (200|404)/);
  });

  test('a container linking to the updated one is recreated linking to the new container and reaches it by its alias', async () => {
    await docker(['run', '-d', '--name', 'linked', bed.oldReference]);
    const linkerID = (await docker(['run', '-d', '--name', 'linker', '--link', 'linked:backend', '--entrypoint', '/bin/sh', bed.oldReference, '-c', IDLE])).trim();
    const result = await bed.update('linked', bed.newReference);
    assert.equal(result.details.outcome, 'success', result.details.error);
    const linker = await bed.inspect('linker');
    assert.notEqual(linker.Id, linkerID, 'recreated: Docker binds a link to the replaced container\'s ID');
    assert.deepEqual((linker.HostConfig as { Links: string[] }).Links, ['/linked:/linker/backend']);
    assert.equal((linker.State as { Running: boolean }).Running, true);
    assert.match(await docker(['exec', 'linker', 'wget', '-q', '-O', '-', '-S', 'http://backend:8080/']).catch((error: Error) => error.message), /HTTP\/1\.[01] (200|404)/);
    // A restart works: the link is to the running new container.
    await docker(['restart', '-t', '1', 'linker']);
  });

  test('the pull carries the registry credentials (X-Registry-Auth) to the engine', async () => {
    // A recording proxy in front of the engine's socket: what the adapter sends is what the engine gets.
    const socketPath = join(bed.engine.dir, 'recording.sock');
    const seen: string[] = [];
    const proxy = createServer((incoming, outgoing) => {
      if (incoming.url?.startsWith('/images/create') === true) seen.push(String(incoming.headers['x-registry-auth'] ?? ''));
      const forwarded = httpRequest({ socketPath: bed.engine.socketPath, path: incoming.url, method: incoming.method, headers: incoming.headers }, (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      });
      incoming.pipe(forwarded);
    });
    await new Promise<void>((resolve) => proxy.listen(socketPath, resolve));
    try {
      const recorded = connectUpdateDocker({ url: `unix://${socketPath}` });
      try {
        await recorded.docker.pullImage(bed.newReference, { serveraddress: bed.registry.server, username: 'vigil', password: 'secret-password' }, AbortSignal.timeout(60_000));
      } finally {
        recorded.close();
      }
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
    assert.equal(seen.length, 1);
    const decoded: unknown = JSON.parse(Buffer.from(seen[0] ?? '', 'base64url').toString('utf8'));
    assert.deepEqual(decoded, { serveraddress: bed.registry.server, username: 'vigil', password: 'secret-password' });
  });

  test('the engine is left with exactly one container per name and no recovery copies', async () => {
    assert.ok(!(await names()).some((name) => name.includes('-vigil-old-')), (await names()).join(', '));
  });
});
