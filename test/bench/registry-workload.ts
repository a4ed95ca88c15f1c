// The workload of issue 5's registry benchmark, shared by its two parts: 50 repositories with tags 1.0.0, 1.0.1,
// 1.1.0 and 2.0.0 (distinct digests) in a local registry, 200 containers (4 per repository) at 1.0.0 with scope
// major, and the floor: one tag list and one HEAD per repository at concurrency 8 with a bare HTTP client (undici).
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { Agent, request } from 'undici';
import { MANIFEST_ACCEPT } from '../../controllers/registry/manifest.ts';
import { pushImage } from '../testbed/registry-push.ts';
import type { TestRegistry } from '../testbed/registry.ts';
import { pool } from './stats.ts';

export const REPOSITORIES = 50;
export const CONTAINERS_PER_REPOSITORY = 4;
export const VERSIONS = ['1.0.0', '1.0.1', '1.1.0', '2.0.0'];
export const CONCURRENCY = 8;

export function repository(i: number): string {
  return `bench/app-${String(i).padStart(2, '0')}`;
}

export async function seed(registry: TestRegistry): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  await pool(REPOSITORIES, 8, async (i) => {
    for (const version of VERSIONS) {
      const pushed = await pushImage(registry, repository(i), [version], { version: `${repository(i)} ${version}` });
      digests.set(`${repository(i)}:${version}`, pushed.digest);
    }
  });
  return digests;
}

/** The floor: one tag list and one HEAD per repository, CONCURRENCY at a time, a bare undici client. */
export async function floor(registry: TestRegistry): Promise<number> {
  const agent = new Agent({ connections: CONCURRENCY });
  let requests = 0;
  try {
    await pool(REPOSITORIES, CONCURRENCY, async (i) => {
      const tags = await request(`${registry.url}/v2/${repository(i)}/tags/list`, { dispatcher: agent });
      const body = (await tags.body.json()) as { tags: string[] };
      const head = await request(`${registry.url}/v2/${repository(i)}/manifests/${body.tags.includes('2.0.0') ? '2.0.0' : '1.0.0'}`, { method: 'HEAD', headers: { accept: MANIFEST_ACCEPT }, dispatcher: agent });
      await head.body.dump();
      requests += 2;
    });
  } finally {
    await agent.close();
  }
  return requests;
}

export function collectGarbage(): () => void {
  setFlagsFromString('--expose_gc');
  const gc: unknown = runInNewContext('gc');
  return typeof gc === 'function' ? () => (gc as () => void)() : () => undefined;
}
