// The contract every DockerClient implementation passes: the client over dockerode against a real engine
// (test/integration/docker/docker-client.test.ts) and the fake engine (test/unit/docker/fake-engine.test.ts). A test
// file calls describeDockerClientContract(name, harness) and nothing else. When the interface grows (the update
// lifecycle adds create, rename, pull…), the new behaviour is added here so that fake and engine cannot drift apart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventCursor, isDockerError, type ContainerEvent, type DockerClient, type DockerErrorCode, type LogLine } from '../../domain/docker/client.ts';

export interface WorldContainer {
  name: string;
  labels?: Record<string, string>;
  /** Default true; false = `docker create`. */
  running?: boolean;
  /** The process ignores SIGTERM and exits with 0 on SIGUSR1; this sets the container's StopSignal. */
  stopSignal?: 'SIGUSR1';
  /** The container's StopTimeout in seconds. */
  stopTimeout?: number;
  /** Lines the process writes at start, in this order, before it idles. */
  logs?: LogLine[];
}

/** A Docker engine as the contract sees it: a client, and a way to change the engine behind the client's back. */
export interface DockerWorld {
  client: DockerClient;
  /** An image that exists on the engine. */
  image: string;
  /** Runs a container from `image`; resolves with its ID once it runs (or exists, for running: false). */
  run(container: WorldContainer): Promise<string>;
  remove(name: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** `docker commit CONTAINER [TAG]`: a new image (dangling without a tag); resolves with its ID. */
  commitImage(container: string, tag?: string): Promise<string>;
  /** `docker tag IMAGE TAG`. */
  tagImage(image: string, tag: string): Promise<void>;
  cleanup(): Promise<void>;
}

export interface DockerClientContractHarness {
  world(): Promise<DockerWorld>;
}

function unique(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

function signal(ms = 20_000): AbortSignal {
  return AbortSignal.timeout(ms);
}

async function rejectsWithCode(promise: Promise<unknown>, code: DockerErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isDockerError(error), `expected a DockerError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

/** Reads events until `done` says so; fails after `timeoutMs` listing what arrived. */
async function eventsUntil(stream: AsyncIterable<ContainerEvent>, done: (seen: ContainerEvent[]) => boolean, timeoutMs = 15_000): Promise<ContainerEvent[]> {
  const seen: ContainerEvent[] = [];
  const iterator = stream[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (!done(seen)) {
    const remaining = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out; events so far: ${seen.map((event) => `${event.action} ${event.name}`).join(', ')}`)), Math.max(remaining, 0));
    });
    try {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done === true) throw new Error(`the event stream ended; events so far: ${seen.map((event) => event.action).join(', ')}`);
      seen.push(next.value);
    } finally {
      clearTimeout(timer);
    }
  }
  return seen;
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function describeDockerClientContract(name: string, harness: DockerClientContractHarness): void {
  describe(`DockerClient contract: ${name}`, () => {
    let world: DockerWorld;
    let client: DockerClient;
    before(async () => {
      world = await harness.world();
      client = world.client;
    });
    after(async () => {
      await world.cleanup();
    });

    test('engine info names the engine, its versions, its Swarm role and its container counts', async () => {
      const name1 = unique('info');
      await world.run({ name: name1 });
      const info = await client.engineInfo({ signal: signal() });
      const listed = await client.listContainers({ signal: signal() });
      assert.notEqual(info.engineID, '');
      assert.match(info.engineVersion, /^\d+\.\d+/);
      assert.match(info.apiVersion, /^1\.\d+$/);
      assert.equal(info.swarm.role, 'none');
      assert.equal(info.containers.total, listed.length);
      assert.equal(info.containers.running + info.containers.paused + info.containers.stopped, info.containers.total);
      assert.ok(info.containers.running >= 1);
    });

    test('lists every container, stopped ones included, with name, image and labels', async () => {
      const running = unique('list-run');
      const created = unique('list-created');
      const runningID = await world.run({ name: running, labels: { 'sentinel.policy': 'auto' } });
      const createdID = await world.run({ name: created, running: false });
      const listed = await client.listContainers({ signal: signal() });
      const first = listed.find((container) => container.id === runningID);
      const second = listed.find((container) => container.id === createdID);
      assert.equal(first?.name, running);
      assert.equal(first?.state, 'running');
      assert.equal(first?.image, world.image);
      assert.equal(first?.labels['sentinel.policy'], 'auto');
      assert.match(first?.imageID ?? '', /^sha256:[0-9a-f]{64}$/);
      assert.equal(second?.name, created);
      assert.equal(second?.state, 'created');
    });

    test('inspects a container by name or ID, and says NotFound for one that does not exist', async () => {
      const name1 = unique('inspect');
      const id = await world.run({ name: name1, labels: { team: 'a' } });
      const byName = await client.inspectContainer(name1, { signal: signal() });
      const byID = await client.inspectContainer(id, { signal: signal() });
      assert.equal(byName.Id, id);
      assert.equal(byName.Name, `/${name1}`);
      assert.equal(byName.State?.Status, 'running');
      assert.equal(byName.Config?.Labels?.team, 'a');
      assert.equal(byName.Config?.Image, world.image);
      assert.deepEqual(byID.Id, byName.Id);
      await rejectsWithCode(client.inspectContainer(unique('missing'), { signal: signal() }), 'NotFound');
    });

    test('inspects an image by reference and by ID, and says NotFound for an unknown one', async () => {
      const image = await client.inspectImage(world.image, { signal: signal() });
      assert.match(image.Id, /^sha256:[0-9a-f]{64}$/);
      assert.ok(Array.isArray(image.RepoDigests), 'RepoDigests is a list (empty for a local build)');
      assert.equal((await client.inspectImage(image.Id, { signal: signal() })).Id, image.Id);
      await rejectsWithCode(client.inspectImage('vigil-test/never-built:0', { signal: signal() }), 'NotFound');
    });

    test('the event stream reports create, start, rename and destroy, and replays from a cursor', async () => {
      const controller = new AbortController();
      const since = eventCursor((await client.engineInfo({ signal: signal() })).systemTime);
      const stream = client.containerEvents({ signal: controller.signal, since });
      const iterator = stream[Symbol.asyncIterator]();
      const replayable: AsyncIterable<ContainerEvent> = { [Symbol.asyncIterator]: () => iterator };
      const first = unique('events');
      const renamed = unique('renamed');
      const pending = eventsUntil(replayable, (seen) => seen.some((event) => event.action === 'start' && event.name === first));
      const id = await world.run({ name: first, labels: { 'com.docker.swarm.task': '' } });
      const started = await pending;
      const create = started.find((event) => event.action === 'create' && event.containerID === id);
      assert.ok(create !== undefined, 'a create event for the container');
      assert.equal(create.name, first);
      assert.ok(Object.hasOwn(create.attributes, 'com.docker.swarm.task'), 'labels are among the attributes');
      await world.rename(first, renamed);
      const renames = await eventsUntil(replayable, (seen) => seen.some((event) => event.action === 'rename'));
      const rename = renames.find((event) => event.action === 'rename');
      assert.equal(rename?.name, renamed);
      assert.equal(rename?.oldName, first);
      await world.remove(renamed);
      const destroyed = await eventsUntil(replayable, (seen) => seen.some((event) => event.action === 'destroy' && event.containerID === id));
      assert.ok(destroyed.every((event) => !event.action.startsWith('exec')));
      controller.abort();

      const replay = new AbortController();
      const replayed = await eventsUntil(client.containerEvents({ signal: replay.signal, since: create.cursor }), (seen) => seen.some((event) => event.action === 'destroy' && event.containerID === id));
      replay.abort();
      assert.ok(replayed.some((event) => event.action === 'create' && event.containerID === id), 'since replays the create');
    });

    test('an aborted event stream ends without an error, and an aborted call fails with Aborted', async () => {
      const controller = new AbortController();
      const iteration = (async () => {
        let count = 0;
        for await (const _event of client.containerEvents({ signal: controller.signal })) count += 1;
        return count;
      })();
      await new Promise((resolve) => setTimeout(resolve, 200));
      controller.abort();
      assert.equal(typeof (await iteration), 'number');
      const aborted = new AbortController();
      aborted.abort();
      await rejectsWithCode(client.listContainers({ signal: aborted.signal }), 'Aborted');
    });

    test('start, stop and restart change the state; starting a running or stopping a stopped container is a no-op', async () => {
      const name1 = unique('life');
      await world.run({ name: name1, stopSignal: 'SIGUSR1', stopTimeout: 5 });
      await client.startContainer(name1, { signal: signal() });
      await client.stopContainer(name1, { signal: signal() });
      assert.equal((await client.inspectContainer(name1, { signal: signal() })).State?.Status, 'exited');
      await client.stopContainer(name1, { signal: signal() });
      await client.startContainer(name1, { signal: signal() });
      const started = await client.inspectContainer(name1, { signal: signal() });
      assert.equal(started.State?.Status, 'running');
      await client.restartContainer(name1, { signal: signal() });
      const restarted = await client.inspectContainer(name1, { signal: signal() });
      assert.equal(restarted.State?.Status, 'running');
      assert.ok((restarted.State?.StartedAt ?? '') > (started.State?.StartedAt ?? ''), 'restart starts the process again');
      await rejectsWithCode(client.startContainer(unique('missing'), { signal: signal() }), 'NotFound');
    });

    test('stop honours the container StopSignal (a clean exit) and StopTimeout (SIGKILL after it)', async () => {
      const graceful = unique('stop-signal');
      const stubborn = unique('stop-timeout');
      await world.run({ name: graceful, stopSignal: 'SIGUSR1', stopTimeout: 30 });
      await world.run({ name: stubborn, stopTimeout: 1 });
      await client.stopContainer(graceful, { signal: signal() });
      const started = Date.now();
      await client.stopContainer(stubborn, { signal: signal() });
      const elapsed = Date.now() - started;
      assert.equal((await client.inspectContainer(graceful, { signal: signal() })).State?.ExitCode, 0, 'SIGUSR1 was sent, not SIGTERM');
      assert.equal((await client.inspectContainer(stubborn, { signal: signal() })).State?.ExitCode, 137, 'killed after the timeout');
      // The engine's default timeout is 10 s: stopping well before it shows the container's 1 s was used.
      assert.ok(elapsed < 8000, `stopped after ${elapsed} ms`);
    });

    test('lists images with ID, tags, size and creation time; a dangling image has no tags', async () => {
      const source = unique('img-list');
      await world.run({ name: source });
      const tag = `vigil-test/${unique('listed')}:1`;
      const tagged = await world.commitImage(source, tag);
      const dangling = await world.commitImage(source);
      const images = await client.listImages({ signal: signal() });
      const base = (await client.inspectImage(world.image, { signal: signal() })).Id;
      const entry = (id: string) => images.find((image) => image.id === id);
      assert.ok(entry(base)?.repoTags.includes(world.image), 'the world image with its tag');
      assert.deepEqual(entry(tagged)?.repoTags, [tag]);
      assert.deepEqual(entry(dangling)?.repoTags, [], 'no <none>:<none> placeholder');
      for (const id of [base, tagged, dangling]) {
        assert.match(id, /^sha256:[0-9a-f]{64}$/);
        assert.ok((entry(id)?.size ?? 0) > 0, 'a size in bytes');
        assert.ok((entry(id)?.created.getTime() ?? 0) > Date.parse('2020-01-01T00:00:00Z'), 'a creation time');
      }
    });

    test('removes an unused image; refuses one a container uses and, unless forced, one with several tags', async () => {
      const source = unique('img-rm');
      await world.run({ name: source });
      const tagged = await world.commitImage(source, `vigil-test/${unique('rm')}:1`);
      await world.tagImage(tagged, `vigil-test/${unique('rm-again')}:1`);
      await rejectsWithCode(client.removeImage(tagged, { signal: signal() }), 'Conflict');
      await client.removeImage(tagged, { force: true, signal: signal() });
      assert.ok(!(await client.listImages({ signal: signal() })).some((image) => image.id === tagged), 'the image is gone');
      const used = (await client.inspectImage(world.image, { signal: signal() })).Id;
      await rejectsWithCode(client.removeImage(used, { signal: signal() }), 'Conflict');
      await rejectsWithCode(client.removeImage(used, { force: true, signal: signal() }), 'Conflict');
      await rejectsWithCode(client.removeImage(`sha256:${'0'.repeat(64)}`, { signal: signal() }), 'NotFound');
    });

    test('prune removes the dangling images no container uses and keeps tagged ones', async () => {
      const source = unique('img-prune');
      await world.run({ name: source });
      const dangling = await world.commitImage(source);
      const kept = await world.commitImage(source, `vigil-test/${unique('kept')}:1`);
      const result = await client.pruneImages({ signal: signal() });
      assert.ok(result.deleted.includes(dangling), `deleted: ${result.deleted.join(', ')}`);
      assert.ok(result.spaceReclaimed >= 0);
      const left = (await client.listImages({ signal: signal() })).map((image) => image.id);
      assert.ok(!left.includes(dangling));
      assert.ok(left.includes(kept));
      assert.ok(left.includes((await client.inspectImage(world.image, { signal: signal() })).Id));
    });

    test('the log tail returns the last lines of stdout and stderr in order, at most 500', async () => {
      const name1 = unique('logs');
      const lines: LogLine[] = [
        { stream: 'stdout', text: 'one' },
        { stream: 'stderr', text: 'two (error)' },
        { stream: 'stdout', text: 'three' },
        { stream: 'stderr', text: 'four' },
      ];
      await world.run({ name: name1, logs: lines });
      const all = await until(() => client.containerLogs(name1, { tailLines: 500, signal: signal() }), (tail) => tail.length >= 4, 'four log lines');
      assert.deepEqual(all, lines);
      assert.deepEqual(await client.containerLogs(name1, { tailLines: 2, signal: signal() }), lines.slice(2));
      await assert.rejects(client.containerLogs(name1, { tailLines: 501, signal: signal() }), RangeError);
      await assert.rejects(client.containerLogs(name1, { tailLines: 0, signal: signal() }), RangeError);
      await rejectsWithCode(client.containerLogs(unique('missing'), { tailLines: 10, signal: signal() }), 'NotFound');
    });
  });
}
