// The update machine end to end on the fake engine: what the world looks like after each kind of update.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerError } from '../../../domain/docker/client.ts';
import { convergenceProblems } from '../../../controllers/update/machine/invariant.ts';
import { newUpdateOperation, type UpdateOperation } from '../../../controllers/update/machine/operation.ts';
import { DEFAULT_OPTIONS, imageConfig, MachineWorld, NEW_REFERENCE, OLD_REFERENCE } from './machine-fixture.ts';

async function converged(world: MachineWorld, operation: UpdateOperation): Promise<void> {
  assert.deepEqual(await convergenceProblems(world.docker, operation, AbortSignal.timeout(1000)), []);
}

describe('update machine on a fake engine', () => {
  test('a successful update replaces the container, keeps its settings and removes the old container and image', async () => {
    const world = await new MachineWorld().setUp();
    const result = await world.run(world.operation());
    assert.equal(result.phase, 'Succeeded');
    assert.equal(result.details.outcome, 'success');
    await converged(world, result);
    const web = await world.inspect();
    assert.notEqual(web?.Id, world.webID);
    assert.equal(web?.Config.Image, NEW_REFERENCE);
    assert.ok(web?.Config.Env?.includes('MODE=production'));
    assert.ok(web?.Config.Env?.includes('VERSION=2'), 'image env follows the new image');
    assert.equal(web?.Config.WorkingDir, '/srv/2');
    assert.deepEqual(Object.keys(web?.NetworkSettings.Networks ?? {}).sort(), ['back', 'front']);
    assert.deepEqual(web?.NetworkSettings.Networks?.back?.IPAMConfig, { IPv4Address: '10.9.0.5' });
    assert.ok(web?.NetworkSettings.Networks?.front?.Aliases?.includes('www'));
    assert.deepEqual(web?.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] });
    assert.equal(world.docker.images.has(world.oldImageID), false, 'the unused old image is removed');
    assert.deepEqual(world.containerNames(), ['web']);
    assert.deepEqual(
      result.details.steps.map((step) => step.name),
      ['snapshot', 'pull', 'stop', 'rename', 'create', 'connect', 'start', 'grace', 'verify', 'removeOld', 'cleanup'],
    );
  });

  test('the pulled image being the running one ends as identical without touching the container', async () => {
    const world = await new MachineWorld().setUp();
    world.docker.publish(OLD_REFERENCE, { config: imageConfig('1') });
    // The registry serves exactly the local image: same content digest.
    const local = world.docker.images.get(world.oldImageID);
    assert.ok(local);
    local.RepoDigests = [`registry.test/team/app@sha256:${(await import('node:crypto')).createHash('sha256').update(JSON.stringify(imageConfig('1'))).digest('hex')}`];
    const result = await world.run(world.operation({}, { targetImage: OLD_REFERENCE }));
    assert.equal(result.details.outcome, 'identical');
    assert.equal((await world.inspect())?.Id, world.webID);
    assert.equal((await world.inspect())?.State.Running, true);
  });

  test('a registry switch to the same build (same image ID) recreates the container on the new reference', async () => {
    const world = await new MachineWorld().setUp();
    const switched = 'ghcr.test/team/app:1';
    world.docker.publish(switched, { id: world.oldImageID, config: imageConfig('1') });
    const operation = { ...world.operation({}, { targetImage: switched }), reason: 'SwitchRegistry' as const };
    const result = await world.run(operation);
    assert.equal(result.details.outcome, 'success');
    const inspect = await world.inspect();
    assert.notEqual(inspect?.Id, world.webID, 'recreated');
    assert.equal(inspect?.Image, world.oldImageID, 'the same image');
    assert.equal(inspect?.Config.Image, switched);
  });

  test('pull-only pulls the image and leaves the container running as it is', async () => {
    const world = await new MachineWorld().setUp();
    const result = await world.run(world.operation({ pullOnly: true }));
    assert.equal(result.details.outcome, 'pull_only');
    assert.equal((await world.inspect())?.Id, world.webID);
    assert.ok(await world.docker.inspectImage(NEW_REFERENCE, AbortSignal.timeout(100)));
  });

  test('an approval for another digest fails with ApprovalStale before the container is touched', async () => {
    const world = await new MachineWorld().setUp();
    const result = await world.run(world.operation({}, { targetDigest: 'sha256:approved' }));
    assert.equal(result.details.outcome, 'failed');
    assert.match(result.details.error ?? '', /^ApprovalStale/);
    assert.equal((await world.inspect())?.Id, world.webID);
  });

  test('an unhealthy new container is rolled back to the old container, on the old image ID', async () => {
    const world = await new MachineWorld({ newBehaviour: { health: 'unhealthy' } }).setUp();
    const result = await world.run(world.operation());
    assert.equal(result.phase, 'RolledBack');
    assert.equal(result.details.outcome, 'rollback');
    assert.match(result.details.error ?? '', /unhealthy/);
    await converged(world, result);
    const web = await world.inspect();
    assert.equal(web?.Id, world.webID, 'the old container itself is back');
    assert.equal(web?.Image, world.oldImageID);
    assert.equal(web?.State.Running, true);
    assert.ok(world.docker.images.has(world.oldImageID));
  });

  test('a new container that stays starting longer than the health timeout is rolled back', async () => {
    const world = await new MachineWorld({ newBehaviour: { health: 'never' } }).setUp();
    const started = world.clock.now();
    const result = await world.run(world.operation({ gracePeriodMs: 2000, healthTimeoutMs: 10_000 }));
    assert.equal(result.details.outcome, 'rollback');
    assert.match(result.details.error ?? '', /not healthy within 10 s/);
    assert.ok(world.clock.now() - started >= 12_000, 'it waited the grace period and the health timeout');
    await converged(world, result);
  });

  test('a new container that exits or restarts is rolled back', async () => {
    for (const restartPolicy of ['no', 'always']) {
      const world = await new MachineWorld({ newBehaviour: { crashes: true }, hostConfig: { RestartPolicy: { Name: restartPolicy } } }).setUp();
      const result = await world.run(world.operation());
      assert.equal(result.details.outcome, 'rollback', restartPolicy);
      assert.match(result.details.error ?? '', restartPolicy === 'always' ? /restarted/ : /exited with code 1/);
      await converged(world, result);
    }
  });

  test('a rollback after the tag moved on runs the exact old image, under its tag again', async () => {
    const world = await new MachineWorld({ newBehaviour: { health: 'unhealthy' } }).setUp();
    const result = await world.run(world.operation(), (_operation, action) => {
      // Meanwhile the tag the old container was created from comes to name another image (a mutable tag moved).
      if (action.kind === 'stop') world.docker.addImage([OLD_REFERENCE], { config: imageConfig('moved') });
    });
    assert.equal(result.details.outcome, 'rollback');
    assert.equal((await world.docker.inspectImage(OLD_REFERENCE, AbortSignal.timeout(100)))?.Id, world.oldImageID, 'the tag names the old image again');
    const web = await world.inspect();
    assert.equal(web?.Image, world.oldImageID);
    assert.equal(web?.Config.Image, OLD_REFERENCE);
    await converged(world, result);
  });

  test('an auto-removed old container is recreated from the snapshot on the old image ID when the update fails', async () => {
    const world = await new MachineWorld({ newBehaviour: { health: 'unhealthy' }, hostConfig: { AutoRemove: true } }).setUp();
    const result = await world.run(world.operation(), (_operation, action) => {
      if (action.kind === 'create' && action.purpose === 'restore') world.docker.addImage([OLD_REFERENCE], { config: imageConfig('moved') });
    });
    assert.equal(result.details.outcome, 'rollback');
    await converged(world, result);
    const web = await world.inspect();
    assert.notEqual(web?.Id, world.webID);
    assert.equal(web?.Image, world.oldImageID, 'the old image by ID, not the moved tag');
    assert.equal(web?.Config.Image, world.oldImageID, 'the tag names another image now, so the ID is shown');
    assert.ok(web?.Config.Env?.includes('MODE=production'));
    assert.deepEqual(Object.keys(web?.NetworkSettings.Networks ?? {}).sort(), ['back', 'front']);
  });

  test('an auto-removed old container recreated after its tag moved on (an update to the same tag) is shown under that tag again', async () => {
    const world = await new MachineWorld({ newBehaviour: { health: 'unhealthy' }, hostConfig: { AutoRemove: true } }).setUp();
    const result = await world.run(world.operation(), (_operation, action) => {
      if (action.kind === 'stop') world.docker.addImage([OLD_REFERENCE], { config: imageConfig('moved') });
    });
    assert.equal(result.details.outcome, 'rollback');
    await converged(world, result);
    const web = await world.inspect();
    assert.notEqual(web?.Id, world.webID);
    assert.equal(web?.Image, world.oldImageID);
    assert.equal(web?.Config.Image, OLD_REFERENCE);
    assert.equal((await world.docker.inspectImage(OLD_REFERENCE, AbortSignal.timeout(100)))?.Id, world.oldImageID);
    assert.ok(result.details.steps.some((step) => step.name === 'rollbackTag'), 'the record lists the re-tag');
  });

  test('a stopped container is updated and left stopped, without health validation', async () => {
    const world = await new MachineWorld({ stopped: true }).setUp();
    const result = await world.run(world.operation());
    assert.equal(result.details.outcome, 'success');
    const web = await world.inspect();
    assert.equal(web?.State.Running, false);
    assert.equal(web?.Config.Image, NEW_REFERENCE);
    assert.deepEqual(await convergenceProblems(world.docker, result, AbortSignal.timeout(100)), []);
  });

  test('a pre-update hook exiting 75 skips the update; another exit code fails it; both leave the container alone', async () => {
    for (const [exitCode, outcome] of [[75, 'skipped'], [3, 'failed']] as const) {
      const world = await new MachineWorld({ exec: () => ({ exitCode, output: 'hook says no' }) }).setUp();
      const result = await world.run(world.operation({ preHooks: [{ command: ['/bin/check'], timeoutSeconds: 5, skipExitCode: 75 }] }));
      assert.equal(result.details.outcome, outcome);
      assert.equal((await world.inspect())?.Id, world.webID);
      assert.equal(world.journal.snapshotCount, 0, 'no snapshot is taken for an update that does not happen');
    }
  });

  test('a pre-update hook that does not finish in time fails the update', async () => {
    const world = await new MachineWorld({ exec: () => ({ exitCode: 0, durationMs: 60_000 }) }).setUp();
    const result = await world.run(world.operation({ preHooks: [{ command: ['/bin/slow'], timeoutSeconds: 2, skipExitCode: 75 }] }));
    assert.equal(result.details.outcome, 'failed');
    assert.match(result.details.error ?? '', /timed out after 2 s/);
  });

  test('hooks run in the old container before and in the new one after; a failing post-update hook is reported, not rolled back', async () => {
    const ran: Array<{ container: string; command: string }> = [];
    const world = await new MachineWorld({
      exec: (container, command) => {
        ran.push({ container: container.Id, command: command.join(' ') });
        return { exitCode: command[0] === '/bin/post' ? 1 : 0 };
      },
    }).setUp();
    const result = await world.run(
      world.operation({
        preHooks: [{ command: ['/bin/pre'], timeoutSeconds: 5, skipExitCode: 75 }],
        postHooks: [{ command: ['/bin/post'], timeoutSeconds: 5, skipExitCode: 75 }],
      }),
    );
    assert.equal(result.details.outcome, 'success');
    assert.deepEqual(ran.map((run) => run.command), ['/bin/pre', '/bin/post']);
    assert.equal(ran[0]?.container, world.webID);
    assert.equal(ran[1]?.container, result.newContainerID);
    assert.match(result.details.steps.find((step) => step.name === 'postHook')?.message ?? '', /exited with 1/);
  });

  test('the backup tag names the old image and keeps it', async () => {
    const world = await new MachineWorld().setUp();
    const result = await world.run(world.operation({ imageBackup: true }));
    assert.equal(result.details.backupTag, 'sentinel-backup-20250115-143000');
    const backup = await world.docker.inspectImage(`registry.test/team/app:${result.details.backupTag}`, AbortSignal.timeout(100));
    assert.equal(backup?.Id, world.oldImageID);
  });

  test('a pull that fails twice is retried and the update goes on', async () => {
    const world = await new MachineWorld().setUp();
    world.docker.failures.push({ method: 'pullImage', error: new DockerError('EngineError', 'registry hiccup') }, { method: 'pullImage', error: new DockerError('EngineError', 'registry hiccup') });
    const result = await world.run(world.operation());
    assert.equal(result.details.outcome, 'success');
    assert.equal(world.docker.pulls.length, 1);
  });

  test('a pull that keeps failing fails the update without touching the container', async () => {
    const world = await new MachineWorld().setUp();
    const result = await world.run(world.operation({}, { targetImage: 'registry.test/team/app:404' }));
    assert.equal(result.details.outcome, 'failed');
    assert.match(result.details.error ?? '', /manifest unknown/);
    assert.equal((await world.inspect())?.Id, world.webID);
    assert.equal((await world.inspect())?.State.Running, true);
  });

  test('a create that keeps failing rolls back to the old container', async () => {
    const world = await new MachineWorld().setUp();
    for (let i = 0; i < 3; i += 1) world.docker.failures.push({ method: 'createContainer', error: new DockerError('EngineError', 'no space left on device') });
    const result = await world.run(world.operation());
    assert.equal(result.details.outcome, 'failed', 'nothing was replaced');
    assert.match(result.details.error ?? '', /no space left/);
    await converged(world, result);
  });

  test('a rollback step that fails is retried until it succeeds', async () => {
    const world = await new MachineWorld({ newBehaviour: { health: 'unhealthy' } }).setUp();
    const result = await world.run(world.operation(), (operation, action) => {
      if (operation.step === 'rollbackRename' && action.kind === 'rename' && operation.attempt === 0) {
        for (let i = 0; i < 5; i += 1) world.docker.failures.push({ method: 'renameContainer', error: new DockerError('EngineError', 'engine busy') });
      }
    });
    assert.equal(result.details.outcome, 'rollback');
    await converged(world, result);
  });

  test('containers in the network namespace are recreated on the new container, and restarted after a rollback', async () => {
    for (const [behaviour, outcome] of [[{}, 'success'], [{ health: 'unhealthy' as const }, 'rollback']] as const) {
      const world = await new MachineWorld({ newBehaviour: behaviour }).setUp();
      const sidecarID = await world.docker.run('sidecar', OLD_REFERENCE, { hostConfig: { NetworkMode: `container:${world.webID}` } });
      const result = await world.run(world.operation());
      assert.equal(result.details.outcome, outcome);
      const web = await world.inspect();
      const sidecar = await world.inspect('sidecar');
      assert.equal(sidecar?.HostConfig.NetworkMode, `container:${web?.Id}`);
      assert.equal(sidecar?.State.Running, true);
      if (outcome === 'success') assert.notEqual(sidecar?.Id, sidecarID, 'recreated: Docker cannot restart it on a removed owner');
      else assert.equal(sidecar?.Id, sidecarID, 'the owner kept its ID: a restart is enough');
      assert.equal(world.docker.images.has(world.oldImageID), true, 'the sidecar still uses the old image');
    }
  });

  test('a container linking to the updated one is recreated linking to the new container, and restarted after a rollback', async () => {
    for (const [behaviour, outcome] of [[{}, 'success'], [{ health: 'unhealthy' as const }, 'rollback']] as const) {
      const world = await new MachineWorld({ newBehaviour: behaviour }).setUp();
      const linkerID = await world.docker.run('linker', OLD_REFERENCE, { hostConfig: { Links: ['web:db'] } });
      const result = await world.run(world.operation());
      assert.equal(result.details.outcome, outcome, result.details.error);
      await converged(world, result);
      const linker = await world.inspect('linker');
      assert.deepEqual(linker?.HostConfig.Links, ['/web:/linker/db']);
      assert.equal(linker?.State.Running, true);
      if (outcome === 'success') {
        assert.notEqual(linker?.Id, linkerID, 'recreated: Docker binds a link to the replaced container\'s ID');
        // Restarting it proves the link is to the running new container.
        await world.docker.stopContainer('linker', AbortSignal.timeout(100));
        await world.docker.startContainer('linker', AbortSignal.timeout(100));
      } else {
        assert.equal(linker?.Id, linkerID, 'the linked container kept its ID: a restart is enough');
      }
      assert.deepEqual(world.containerNames(), ['linker', 'web']);
    }
  });

  test('a rollback request restores the snapshot\'s settings on its exact image ID, pulled by digest after image cleanup removed it', async () => {
    const world = await new MachineWorld().setUp();
    const updated = await world.run(world.operation());
    assert.equal(updated.details.outcome, 'success');
    assert.equal(world.docker.images.has(world.oldImageID), false, 'image cleanup removed the old image');
    const snapshot = updated.snapshot ?? '';
    const record = await world.journal.loadSnapshot(snapshot);
    assert.deepEqual(record?.repoDigests, ['registry.test/team/app@sha256:1111']);
    // The registry still serves the old image by digest; the tag has moved on to another image.
    world.docker.publish('registry.test/team/app@sha256:1111', { config: imageConfig('1'), id: world.oldImageID });
    const current = await world.inspect();
    const restore = newUpdateOperation({
      containerName: 'web',
      containerID: current?.Id ?? '',
      targetImage: OLD_REFERENCE,
      reason: 'Rollback',
      options: DEFAULT_OPTIONS,
      restore: { snapshot, imageID: world.oldImageID, image: OLD_REFERENCE, pullReference: 'registry.test/team/app@sha256:1111' },
      now: world.clock.now(),
    });
    assert.equal(restore.type, 'rollback');
    const result = await world.run(restore);
    assert.equal(result.details.outcome, 'success', result.details.error);
    await converged(world, result);
    const web = await world.inspect();
    assert.equal(web?.Image, world.oldImageID);
    assert.equal(web?.Config.Image, OLD_REFERENCE, 'shown under its old tag, not the digest it was pulled by');
    assert.equal((await world.docker.inspectImage(OLD_REFERENCE, AbortSignal.timeout(100)))?.Id, world.oldImageID, 'the old tag names the old image ID again');
    assert.ok(web?.Config.Env?.includes('VERSION=1'));
    assert.ok(web?.Config.Env?.includes('MODE=production'));
    assert.equal(web?.Config.WorkingDir, '/srv/1');
    assert.deepEqual(web?.NetworkSettings.Networks?.back?.IPAMConfig, { IPv4Address: '10.9.0.5' });
    const rollbackSnapshot = await world.journal.loadSnapshot(result.snapshot ?? '');
    assert.equal(rollbackSnapshot?.reason, 'pre-rollback');
    assert.equal(rollbackSnapshot?.imageID, updated.details.newImageID);
  });

  test('a rollback request for an image the engine no longer has and no digest names fails without touching the container', async () => {
    const world = await new MachineWorld().setUp();
    const updated = await world.run(world.operation());
    const current = await world.inspect();
    const restore = newUpdateOperation({
      containerName: 'web',
      containerID: current?.Id ?? '',
      targetImage: OLD_REFERENCE,
      options: DEFAULT_OPTIONS,
      restore: { snapshot: updated.snapshot ?? '', imageID: world.oldImageID },
      now: world.clock.now(),
    });
    const result = await world.run(restore);
    assert.equal(result.details.outcome, 'failed');
    assert.match(result.details.error ?? '', /no longer on the engine/);
    assert.equal((await world.inspect())?.Id, current?.Id);
    assert.equal((await world.inspect())?.State.Running, true);
  });
});
