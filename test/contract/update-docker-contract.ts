// The UpdateDocker contract: one suite, run against the real engine (dockerode adapter) and against the fake, so that
// the fake used by the machine's unit tests behaves like Docker where the machine depends on it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDockerError } from '../../domain/docker/client.ts';

const conflict = (error: unknown): boolean => isDockerError(error, 'Conflict');
import type { CreateContainerRequest } from '../../controllers/update/docker/types.ts';
import type { UpdateDocker } from '../../controllers/update/docker/update-docker.ts';

export interface UpdateDockerHarness {
  docker: UpdateDocker;
  /** A local image whose default command keeps running and which has a shell (`sh -c`). */
  image: string;
  /** Its image ID. */
  imageID: string;
  /** A reference pullImage can fetch, not yet on the engine. */
  pullable: string;
  /** A user-defined network that exists. */
  network: string;
  cleanup(): Promise<void>;
}

const signal = (): AbortSignal => AbortSignal.timeout(60_000);

function request(name: string, image: string, extra: Partial<CreateContainerRequest> = {}): CreateContainerRequest {
  return { name, config: { Image: image, Env: ['FROM_USER=1'] }, hostConfig: { NetworkMode: 'default' }, networkingConfig: { EndpointsConfig: {} }, ...extra };
}

export function updateDockerContract(implementation: string, setUp: () => Promise<UpdateDockerHarness>): void {
  describe(`UpdateDocker contract: ${implementation}`, () => {
    let harness: UpdateDockerHarness;
    let docker: UpdateDocker;
    before(async () => {
      harness = await setUp();
      docker = harness.docker;
    });
    after(async () => {
      await harness.cleanup();
    });

    test('inspecting what does not exist gives undefined', async () => {
      assert.equal(await docker.inspectContainer('no-such-container', signal()), undefined);
      assert.equal(await docker.inspectImage('no-such-image:1', signal()), undefined);
    });

    test('create, start, stop and remove are idempotent where Docker allows it', async () => {
      const id = await docker.createContainer(request('c-life', harness.image), signal());
      const created = await docker.inspectContainer('c-life', signal());
      assert.equal(created?.Id, id);
      assert.equal(created?.Image, harness.imageID);
      assert.ok(created?.Config.Env?.includes('FROM_USER=1'));
      await docker.startContainer(id, signal());
      await docker.startContainer(id, signal());
      assert.equal((await docker.inspectContainer(id, signal()))?.State.Running, true);
      await docker.stopContainer(id, signal());
      await docker.stopContainer(id, signal());
      assert.equal((await docker.inspectContainer(id, signal()))?.State.Running, false);
      await docker.removeContainer(id, { removeVolumes: true, force: false }, signal());
      await docker.removeContainer(id, { removeVolumes: true, force: false }, signal());
      await docker.stopContainer(id, signal());
      assert.equal(await docker.inspectContainer(id, signal()), undefined);
    });

    test('a taken name is a conflict, for create and for rename', async () => {
      const first = await docker.createContainer(request('c-taken', harness.image), signal());
      const second = await docker.createContainer(request('c-other', harness.image), signal());
      await assert.rejects(docker.createContainer(request('c-taken', harness.image), signal()), conflict);
      await assert.rejects(docker.renameContainer(second, 'c-taken', signal()), conflict);
      await docker.renameContainer(second, 'c-renamed', signal());
      assert.equal((await docker.inspectContainer('c-renamed', signal()))?.Id, second);
      await docker.removeContainer(first, { removeVolumes: true, force: true }, signal());
      await docker.removeContainer(second, { removeVolumes: true, force: true }, signal());
    });

    test('a running container is removed only with force', async () => {
      const id = await docker.createContainer(request('c-force', harness.image), signal());
      await docker.startContainer(id, signal());
      await assert.rejects(docker.removeContainer(id, { removeVolumes: false, force: false }, signal()), conflict);
      await docker.removeContainer(id, { removeVolumes: false, force: true }, signal());
      assert.equal(await docker.inspectContainer(id, signal()), undefined);
    });

    test('a link follows its target\'s ID: renamed with it, stale once it is removed, and refusing to start without it', async () => {
      const target = await docker.createContainer(request('c-target', harness.image), signal());
      await docker.startContainer(target, signal());
      const linker = await docker.createContainer(request('c-linking', harness.image, { hostConfig: { NetworkMode: 'default', Links: ['c-target:db'] } }), signal());
      await docker.startContainer(linker, signal());
      assert.deepEqual((await docker.inspectContainer(linker, signal()))?.HostConfig.Links, ['/c-target:/c-linking/db']);
      await docker.renameContainer(target, 'c-target-aside', signal());
      assert.deepEqual((await docker.inspectContainer(linker, signal()))?.HostConfig.Links, ['/c-target-aside:/c-linking/db']);
      await docker.removeContainer(target, { removeVolumes: true, force: true }, signal());
      assert.deepEqual((await docker.inspectContainer(linker, signal()))?.HostConfig.Links, ['/c-target-aside:/c-linking/db']);
      await docker.stopContainer(linker, signal());
      await assert.rejects(docker.startContainer(linker, signal()), (error: unknown) => isDockerError(error) && /Cannot link to a non running container/.test(error.message));
      await docker.removeContainer(linker, { removeVolumes: true, force: true }, signal());
    });

    test('networks are connected with their aliases and disconnected', async () => {
      const id = await docker.createContainer(request('c-net', harness.image), signal());
      await docker.connectNetwork(harness.network, id, { Aliases: ['contract-alias'] }, signal());
      const connected = await docker.inspectContainer(id, signal());
      assert.ok(connected?.NetworkSettings.Networks?.[harness.network]?.Aliases?.includes('contract-alias'));
      await docker.disconnectNetwork(harness.network, id, signal());
      assert.equal((await docker.inspectContainer(id, signal()))?.NetworkSettings.Networks?.[harness.network], undefined);
      await docker.removeContainer(id, { removeVolumes: true, force: true }, signal());
    });

    test('a pull makes the image available; a pull of an unknown reference is an error', async () => {
      await docker.pullImage(harness.pullable, undefined, signal());
      const pulled = await docker.inspectImage(harness.pullable, signal());
      assert.ok(pulled?.Id.startsWith('sha256:'));
      assert.ok((pulled?.RepoDigests ?? []).length > 0, 'a pulled image has a repo digest');
      await assert.rejects(docker.pullImage(`${harness.pullable}-missing`, undefined, signal()), (error: unknown) => isDockerError(error, 'NotFound'));
    });

    test('tagging names an image by ID and moves an existing tag', async () => {
      const repository = harness.image.replace(/:[^:/]+$/, '');
      await docker.tagImage(harness.imageID, repository, 'sentinel-backup-20250115-143000', signal());
      assert.equal((await docker.inspectImage(`${repository}:sentinel-backup-20250115-143000`, signal()))?.Id, harness.imageID);
    });

    test('exec reports the exit code and output, and gives up after its timeout', async () => {
      const id = await docker.createContainer(request('c-exec', harness.image), signal());
      await docker.startContainer(id, signal());
      const result = await docker.exec(id, ['sh', '-c', 'echo hook-ran; exit 75'], 10_000, signal());
      assert.deepEqual({ exitCode: result.exitCode, timedOut: result.timedOut }, { exitCode: 75, timedOut: false });
      assert.match(result.output, /hook-ran/);
      const slow = await docker.exec(id, ['sh', '-c', 'sleep 30'], 500, signal());
      assert.deepEqual({ exitCode: slow.exitCode, timedOut: slow.timedOut }, { exitCode: undefined, timedOut: true });
      await docker.removeContainer(id, { removeVolumes: true, force: true }, signal());
    });

    test('an image is removed only when no container uses it', async () => {
      await docker.pullImage(harness.pullable, undefined, signal());
      const imageID = (await docker.inspectImage(harness.pullable, signal()))?.Id ?? '';
      const id = await docker.createContainer(request('c-image', harness.pullable), signal());
      assert.equal(await docker.removeImageIfUnused(imageID, signal()), 'inUse');
      await docker.removeContainer(id, { removeVolumes: true, force: true }, signal());
      assert.equal(await docker.removeImageIfUnused(imageID, signal()), 'removed');
      assert.equal(await docker.inspectImage(imageID, signal()), undefined);
      assert.equal(await docker.removeImageIfUnused(imageID, signal()), 'absent');
    });

    test('containers in another container\'s network namespace, and containers linking to it, are listed as its dependents', async () => {
      const owner = await docker.createContainer(request('c-owner', harness.image), signal());
      await docker.startContainer(owner, signal());
      const dependent = await docker.createContainer(request('c-dependent', harness.image, { hostConfig: { NetworkMode: `container:${owner}` } }), signal());
      const linker = await docker.createContainer(request('c-linker', harness.image, { hostConfig: { NetworkMode: 'default', Links: ['c-owner:db'] } }), signal());
      await docker.createContainer(request('c-unrelated', harness.image), signal());
      const dependents = await docker.listDependents(owner, signal());
      assert.deepEqual(dependents.map((row) => ({ id: row.id, name: row.name, kind: row.kind })), [{ id: dependent, name: 'c-dependent', kind: 'network' }, { id: linker, name: 'c-linker', kind: 'link' }]);
      await docker.removeContainer('c-linker', { removeVolumes: true, force: true }, signal());
      for (const name of ['c-dependent', 'c-unrelated', 'c-owner']) await docker.removeContainer(name, { removeVolumes: true, force: true }, signal());
    });
  });
}
