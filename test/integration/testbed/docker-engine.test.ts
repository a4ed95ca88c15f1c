// The Docker test bed itself: two engines side by side, each with its own bridge, images built from busybox.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestImage, startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';

describe('docker test bed', () => {
  const engines: DockerEngine[] = [];
  after(async () => {
    await Promise.all(engines.map((engine) => engine.cleanup()));
  });

  test('two engines run side by side, each with its own containers, and images carry distinct digests', async () => {
    const [first, second] = await Promise.all([startDockerEngine({ name: 'one' }), startDockerEngine({ name: 'two' })]);
    engines.push(first, second);
    assert.notEqual(first.bridge, second.bridge);
    const v1 = await buildTestImage(first, { tag: 'vigil-test/app:1', version: '1' });
    const v2 = await buildTestImage(first, { tag: 'vigil-test/app:2', version: '2' });
    assert.notEqual(v1, v2);
    await first.docker(['run', '-d', '--name', 'web', 'vigil-test/app:1']);
    assert.equal((await first.docker(['ps', '-q'])).trim().split('\n').length, 1);
    assert.equal((await second.docker(['ps', '-aq'])).trim(), '');
    const inspected = await first.inspect('web');
    assert.equal(inspected.Image, v1);
  });
});
