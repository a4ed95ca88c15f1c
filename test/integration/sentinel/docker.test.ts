// The REST facade on a real Docker engine with the Docker controllers behind it: containers as the inventory found
// them, logs, lifecycle actions carried out by the inventory controller (and their history), images, and the
// dependency graph of the engine's containers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestImage, startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { dependencyGraph } from '../../../controllers/dependencies/graph.ts';
import { startFacadeStack, type FacadeStack } from './stack.ts';
import { assertError, assertShape } from './fixtures.ts';

const IMAGE = 'vigil-test/facade:1';
// stdout and stderr are separate pipes: the pause keeps the stderr line after the others in the log.
const LOG_SCRIPT = 'for i in 1 2 3 4 5; do echo line-$i; done; sleep 0.3; echo oops >&2; trap "exit 0" TERM; while true; do sleep 0.2; done';
let engine: DockerEngine;
let stack: FacadeStack;

before(async () => {
  engine = await startDockerEngine({ name: 'facade' });
  await buildTestImage(engine, { tag: IMAGE, version: '1', health: 'none', cmd: ['sh', '-c', LOG_SCRIPT] });
  await engine.docker(['run', '-d', '--name', 'web', '--label', 'com.docker.compose.project=shop', IMAGE]);
  stack = await startFacadeStack({ defaultDockerHost: engine.host, more: () => ({ dependencies: dependencyGraph }) });
  await stack.eventually('the inventory lists web', async () => {
    const list = (await stack.request('GET', '/api/containers')).json<Array<Record<string, unknown>>>();
    return list.some((entry) => entry.name === 'web' && entry.state === 'running');
  });
});
after(async () => {
  await stack?.close();
  await engine?.cleanup();
});

describe('containers and logs from a real engine', () => {
  test('GET /api/containers shows the Docker container with its ID, image and compose project', async () => {
    const inspect = await engine.inspect('web');
    const web = (await stack.request('GET', '/api/containers')).json<Array<Record<string, unknown>>>().find((entry) => entry.name === 'web');
    assert.deepEqual({ id: web?.id, image: web?.image, stack: web?.stack, state: web?.state }, { id: inspect.Id, image: IMAGE, stack: 'shop', state: 'running' });
  });

  test('logs answer the last lines of stdout and stderr', async () => {
    const response = await stack.eventually('six log lines', async () => {
      const answer = await stack.request('GET', '/api/containers/web/logs?lines=2');
      return answer.status === 200 && answer.json<{ logs: string }>().logs.includes('oops') ? answer : undefined;
    });
    const body = response.json<Record<string, unknown>>();
    assertShape(body, { logs: 'string', lines: 'number', remote: 'boolean' });
    assert.deepEqual(body, { logs: 'line-5\noops\n', lines: 2, remote: false });
    const all = (await stack.request('GET', '/api/containers/web/logs')).json<{ logs: string; lines: number }>();
    assert.equal(all.lines, 50);
    assert.equal(all.logs, 'line-1\nline-2\nline-3\nline-4\nline-5\noops\n');
    assert.equal((await stack.request('GET', '/api/containers/web/logs?lines=9000')).json<{ lines: number }>().lines, 500);
  });
});

describe('lifecycle actions, carried out by the inventory controller', () => {
  test('stop, then start: the engine follows, the list shows it, and history records both', async () => {
    assert.equal((await stack.request('POST', '/api/containers/web/stop')).status, 200);
    await stack.eventually('web exited in Docker and in the list', async () => {
      const state = ((await engine.inspect('web')).State as { Status?: string } | undefined)?.Status;
      const listed = (await stack.request('GET', '/api/containers')).json<Array<Record<string, unknown>>>().find((entry) => entry.name === 'web');
      return state === 'exited' && listed?.state === 'exited';
    });
    assert.equal((await stack.request('POST', '/api/containers/web/start')).status, 200);
    await stack.eventually('web running again', async () => ((await engine.inspect('web')).State as { Status?: string } | undefined)?.Status === 'running');
    const logs = await stack.eventually('two lifecycle entries in the activity log', async () => {
      const entries = (await stack.request('GET', '/api/logs')).json<Array<Record<string, unknown>>>().filter((entry) => entry.container === 'web');
      return entries.length >= 2 ? entries : undefined;
    });
    assert.deepEqual(logs.slice(0, 2).map((entry) => [entry.type, entry.outcome, entry.user]), [['start', 'success', 'admin'], ['stop', 'success', 'admin']]);
    const history = (await stack.request('GET', '/api/containers/web')).json<{ history: Array<Record<string, unknown>> }>().history;
    assert.deepEqual(history.slice(0, 2).map((entry) => entry.type), ['lifecycle', 'lifecycle']);
  });
});

describe('images', () => {
  test('GET /api/images lists the engine images, the one in use marked', async () => {
    const response = await stack.request('GET', '/api/images');
    assert.equal(response.status, 200);
    const images = response.json<Array<Record<string, unknown>>>();
    const image = images.find((entry) => (entry.repo_tags as string[]).includes(IMAGE));
    assertShape(image, { id: 'string', repo_tags: 'array', size: 'number', created: 'number', in_use: 'boolean' });
    assert.equal(image?.in_use, true);
  });

  test('DELETE refuses an image in use (409) and removes an unused one; prune removes dangling ones', async () => {
    const used = String((await engine.inspect(IMAGE)).Id);
    assertError(await stack.request('DELETE', `/api/images/${used}`), 409, /in use by web/);
    const spare = (await engine.docker(['commit', 'web', 'vigil-test/spare:1'])).trim();
    const removed = await stack.request('DELETE', `/api/images/${spare}`);
    assert.equal(removed.status, 200, removed.text);
    await assert.rejects(engine.docker(['image', 'inspect', spare]), /No such image/);
    assertError(await stack.request('DELETE', `/api/images/${spare}`), 404, /not found/);
    assertError(await stack.request('DELETE', '/api/images/not-an-id'), 400, /^id: "not-an-id" is not an image ID/);
    const dangling = (await engine.docker(['commit', 'web'])).trim();
    const pruned = await stack.request('POST', '/api/images/prune');
    assert.equal(pruned.status, 200);
    assertShape(pruned.json(), { images_deleted: 'number', space_reclaimed: 'number' });
    assert.ok(pruned.json<{ images_deleted: number }>().images_deleted >= 1);
    await assert.rejects(engine.docker(['image', 'inspect', dangling]), /No such image/);
  });

  test('a host that is not connected answers 503', async () => {
    assertError(await stack.request('GET', '/api/images?host=elsewhere'), 503, /host "elsewhere" is not connected/);
  });
});

describe('GET /api/deps on the engine\'s containers', () => {
  interface Graph {
    containers: Array<{ name: string; dependencies: string[]; dependents: string[] }>;
    order: string[];
    has_cycles: boolean;
  }

  /** The graph once the inventory has seen every one of `names` running. */
  async function graphWith(names: string[]): Promise<Graph> {
    return await stack.eventually(`the graph lists ${names.join(', ')}`, async () => {
      const listed = (await stack.request('GET', '/api/containers')).json<Array<Record<string, unknown>>>();
      if (!names.every((name) => listed.some((entry) => entry.name === name && entry.state === 'running'))) return undefined;
      return (await stack.request('GET', '/api/deps')).json<Graph>();
    });
  }

  test('the sentinel.depends-on label, a legacy link and network_mode container: are edges; order puts each dependency before its dependents (ties alphabetical); no cycles', async () => {
    await engine.docker(['run', '-d', '--name', 'db', IMAGE]);
    await engine.docker(['run', '-d', '--name', 'cache', IMAGE]);
    await engine.docker(['run', '-d', '--name', 'app', '--label', 'sentinel.depends-on=db', '--link', 'cache:redis', IMAGE]);
    await engine.docker(['run', '-d', '--name', 'sidecar', '--network', 'container:app', IMAGE]);
    const response = await stack.request('GET', '/api/deps');
    assert.equal(response.status, 200);
    const graph = await graphWith(['db', 'cache', 'app', 'sidecar']);
    assertShape(graph, { containers: 'array', order: 'array', has_cycles: 'boolean' });
    for (const node of graph.containers) assertShape(node, { name: 'string', dependencies: 'array', dependents: 'array' }, `node ${node.name}`);
    assert.deepEqual(graph, {
      containers: [
        { name: 'app', dependencies: ['cache', 'db'], dependents: ['sidecar'] },
        { name: 'cache', dependencies: [], dependents: ['app'] },
        { name: 'db', dependencies: [], dependents: ['app'] },
        { name: 'sidecar', dependencies: ['app'], dependents: [] },
        { name: 'web', dependencies: [], dependents: [] },
      ],
      order: ['cache', 'db', 'app', 'sidecar', 'web'],
      has_cycles: false,
    });
    const one = await stack.request('GET', '/api/deps/app');
    assert.equal(one.status, 200);
    assert.deepEqual(one.json(), { name: 'app', dependencies: ['cache', 'db'], dependents: ['sidecar'] });
    assertError(await stack.request('GET', '/api/deps/nothing'), 404, /^container "nothing" not found$/);
  });

  test('two containers that depend on each other: has_cycles, and they come last in order', async () => {
    await engine.docker(['run', '-d', '--name', 'loop-a', '--label', 'sentinel.depends-on=loop-b', IMAGE]);
    await engine.docker(['run', '-d', '--name', 'loop-b', '--label', 'sentinel.depends-on=loop-a', IMAGE]);
    const graph = await graphWith(['loop-a', 'loop-b']);
    assert.equal(graph.has_cycles, true);
    assert.deepEqual(graph.order, ['cache', 'db', 'app', 'sidecar', 'web', 'loop-a', 'loop-b']);
    assert.deepEqual(graph.containers.filter((node) => node.name.startsWith('loop-')), [
      { name: 'loop-a', dependencies: ['loop-b'], dependents: ['loop-b'] },
      { name: 'loop-b', dependencies: ['loop-a'], dependents: ['loop-a'] },
    ]);
  });
});
