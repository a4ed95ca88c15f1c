// `vigil serve` runs the Docker controllers: started against a real engine, it creates the Host local, connects to
// the engine given by --docker-host and discovers its containers; SIGTERM stops everything and leaves it stored.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openEmbeddedStore, embeddedStorePath } from '../../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import type { Container, Host } from '../../../schemas/generated/types.ts';
import { buildTestImage, startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { freePort, makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { projectRoot } from '../../testbed/provision.ts';

describe('vigil serve with Docker', () => {
  let engine: DockerEngine;
  let dataDir: string;
  before(async () => {
    engine = await startDockerEngine({ name: 'serve' });
    await buildTestImage(engine, { tag: 'vigil-test/app:1', version: '1', health: 'none' });
    await engine.docker(['run', '-d', '--name', 'already-there', 'vigil-test/app:1']);
    dataDir = makeTempDir('serve-data');
  });
  after(async () => {
    await engine?.cleanup();
    if (dataDir !== undefined) removeTempDir(dataDir);
  });

  test('connects the local Host to --docker-host and discovers its containers; SIGTERM stops cleanly', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(projectRoot, 'cli', 'vigil.ts'), 'serve', '--listen', '127.0.0.1', '--port', String(port), '--data-dir', dataDir,
      '--docker-host', engine.host, '--log-level', 'debug'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const seen: string[] = [];
    const discovered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no discovery within 60 s; log:\n${seen.join('\n')}`)), 60_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        seen.push(line);
        if (line.includes('"container discovered"') && line.includes('"already-there"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`vigil serve exited early; log:\n${seen.join('\n')}`)));
    });
    child.stderr.resume();
    try {
      await discovered;
      assert.ok(seen.some((line) => line.includes('connected to the Docker engine')), 'the session connected');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);

    const store = openEmbeddedStore({ path: embeddedStorePath(dataDir), compactionIntervalMs: 0 });
    try {
      const registry = new ResourceRegistry({ store });
      const local = (await registry.get('Host', undefined, 'local')) as Host;
      assert.equal(local.status?.endpoint, engine.host);
      assert.equal(local.status?.engineVersion, (await engine.docker(['version', '--format', '{{.Server.Version}}'])).trim());
      const found = (await registry.get('Container', 'local', 'already-there')) as Container;
      assert.equal(found.status?.state, 'running');
    } finally {
      await store.close();
    }
  });
});
