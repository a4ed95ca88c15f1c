// A Docker registry for the update tests, until the shared registry test bed (issue 5) lands: `docker-registry serve`
// on a free 127.0.0.1 port with filesystem storage in a private folder (TESTBED.md). Kept in this one file so that it
// can be swapped for the shared one.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, freePort, makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import type { DockerEngine } from '../../testbed/docker.ts';

export interface LocalRegistry {
  /** `localhost:PORT`: engines treat loopback registries as insecure, so plain HTTP works. */
  readonly host: string;
  /** Tags a local image as HOST/REPOSITORY:TAG on `engine` and pushes it; returns the pushed reference. */
  push(engine: DockerEngine, image: string, repositoryAndTag: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const dir = makeTempDir('registry');
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const daemon = new Daemon({
    name: 'docker-registry',
    command: 'docker-registry',
    args: ['serve', config],
    logFile: join(dir, 'registry.log'),
    ready: async () => (await fetch(`http://127.0.0.1:${port}/v2/`)).ok,
  });
  await daemon.start();
  const host = `localhost:${port}`;
  return {
    host,
    push: async (engine, image, repositoryAndTag) => {
      const reference = `${host}/${repositoryAndTag}`;
      await engine.docker(['tag', image, reference]);
      await engine.docker(['push', reference], { timeoutMs: 120_000 });
      return reference;
    },
    cleanup: async () => {
      await daemon.stop();
      removeTempDir(dir);
    },
  };
}
