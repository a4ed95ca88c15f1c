// Issue 15's figure: a 2-replica Swarm service updated by Vigil (the swarm-service controller as `vigil serve` runs it,
// with its default timing: a request in the spec, the tag resolved to its digest through the registry client, the
// ServiceUpdate, the rollout followed to the end, the record written) against `docker service update --image` of the
// same change (the CLI waits for convergence and its verify period), on the same single-node swarm and local registry
// in the same run, alternating rounds. Both use the same UpdateConfig: parallelism 1, start-first, monitor 1 s.
import { Registry as MetricsRegistry } from 'prom-client';
import type { ResourceObject } from '../../apiserver/resources/client.ts';
import type { SwarmService } from '../../schemas/generated/types.ts';
import { Manager } from '../../controllers/runtime/index.ts';
import { registerDockerControllers } from '../../controllers/docker-hosts.ts';
import { RegistryClient } from '../../controllers/registry/client.ts';
import { registerSwarmControllers } from '../../controllers/swarm/register.ts';
import { digestOf } from '../../controllers/swarm/service-spec.ts';
import { startApi, type TestApi } from '../integration/apiserver/fixtures/api.ts';
import { startRegistry } from '../testbed/registry.ts';
import { pushTestImage, startTestSwarm, waitUntil, type TestSwarm } from '../testbed/swarm.ts';
import { ms, percentile, table, type Row } from './stats.ts';

const ROUNDS = 6;
const ROLLOUT_FLAGS = ['--update-parallelism', '1', '--update-order', 'start-first', '--update-monitor', '1s', '--update-delay', '0s', '--update-failure-action', 'rollback'];

async function runningDigests(swarm: TestSwarm, name: string): Promise<string[]> {
  const inspect = await swarm.api.inspectService(name, { signal: AbortSignal.timeout(30_000) });
  const tasks = await swarm.api.listTasks(inspect.id, { signal: AbortSignal.timeout(30_000) });
  return tasks.filter((task) => task.desiredState === 'running' && task.state === 'running').map((task) => digestOf(task.image) ?? '').sort();
}

async function createService(swarm: TestSwarm, name: string, image: string, digest: string): Promise<void> {
  await swarm.createService(name, image, ['--replicas', '2', ...ROLLOUT_FLAGS]);
  await waitUntil(`${name} runs 2 tasks`, () => runningDigests(swarm, name), (digests) => digests.join() === [digest, digest].join());
}

async function serviceResource(api: TestApi, name: string): Promise<SwarmService | undefined> {
  try {
    return (await api.resources.get('SwarmService', undefined, name)) as unknown as SwarmService;
  } catch {
    return undefined;
  }
}

/** From the request in the spec to the rollout recorded as a success. */
async function updateWithVigil(api: TestApi, swarm: TestSwarm, name: string, target: string, digest: string): Promise<number> {
  await waitUntil(`${name} known to Vigil`, () => serviceResource(api, name), (resource) => resource?.status?.runningTasks === 2);
  const started = performance.now();
  await api.resources.modify('SwarmService', undefined, name, (current) => ({
    ...current,
    spec: { ...(current.spec as object), rollout: { parallelism: 1, order: 'start-first', monitorSeconds: 1, delaySeconds: 0, failureAction: 'rollback' }, update: { requestedAt: new Date().toISOString(), image: target } },
  }) as ResourceObject);
  let resource: SwarmService | undefined;
  for (;;) {
    resource = await serviceResource(api, name);
    if (resource?.status?.operation === undefined && resource?.status?.lastUpdate !== undefined) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const elapsed = performance.now() - started;
  if (resource.status?.lastUpdate?.outcome !== 'success') throw new Error(`bench update of ${name}: ${resource.status?.lastUpdate?.outcome ?? ''} ${resource.status?.lastUpdate?.message ?? ''}`);
  if ((await runningDigests(swarm, name)).join() !== [digest, digest].join()) throw new Error(`bench update of ${name}: not every task runs ${digest}`);
  return elapsed;
}

/** `docker service update --image` without -d: the CLI follows the rollout until it has converged and verified. */
async function updateWithCli(swarm: TestSwarm, name: string, target: string, digest: string): Promise<number> {
  const started = performance.now();
  await swarm.engine.docker(['service', 'update', '--quiet', '--image', target, ...ROLLOUT_FLAGS, name], { timeoutMs: 300_000 });
  const elapsed = performance.now() - started;
  if ((await runningDigests(swarm, name)).join() !== [digest, digest].join()) throw new Error(`bench CLI update of ${name}: not every task runs ${digest}`);
  return elapsed;
}

export async function swarmBenchmark(): Promise<string> {
  const swarm = await startTestSwarm('bench-swarm');
  const registry = await startRegistry({ name: 'bench-swarm-registry' });
  const api = await startApi();
  const manager = new Manager({ client: api.resources, metricsRegistry: new MetricsRegistry() });
  try {
    const docker = registerDockerControllers({ manager, defaultDockerHost: swarm.engine.host });
    // The default timing of `vigil serve` (follow every 2 s, resync every 30 s).
    registerSwarmControllers({ manager, sessions: docker.sessions, registry: new RegistryClient(), credentials: () => undefined });
    await manager.start();
    const v1 = await pushTestImage(swarm.engine, registry, 'bench/web', '1.0', 'bench-1.0');
    const v2 = await pushTestImage(swarm.engine, registry, 'bench/web', '2.0', 'bench-2.0');
    const from = `${registry.server}/bench/web:1.0@${v1}`;
    const target = `${registry.server}/bench/web:2.0`;
    const vigil: number[] = [];
    const cli: number[] = [];
    // Alternating, so that both see the same swarm (number of services and tasks) and the same machine load.
    for (let round = 0; round < ROUNDS; round += 1) {
      await createService(swarm, `vigil${round}`, from, v1);
      await createService(swarm, `cli${round}`, from, v1);
      vigil.push(await updateWithVigil(api, swarm, `vigil${round}`, target, v2));
      cli.push(await updateWithCli(swarm, `cli${round}`, target, v2));
      // Keep the swarm the same size for every round.
      await swarm.engine.docker(['service', 'rm', `vigil${round}`, `cli${round}`], { timeoutMs: 120_000 });
    }
    const ratio = percentile(vigil, 50) / percentile(cli, 50);
    const rows: Row[] = [
      { measure: '2-replica update, p50', values: [ms(percentile(vigil, 50)), ms(percentile(cli, 50))] },
      { measure: '2-replica update, p90', values: [ms(percentile(vigil, 90)), ms(percentile(cli, 90))] },
      { measure: 'ratio of the p50s (Vigil / CLI)', values: [ratio.toFixed(2), '1.00'], target: '≤ 1.2' },
    ];
    return [
      '## Swarm service update (issue 15)',
      '',
      `A replicated service with 2 replicas updated from web:1.0 to web:2.0 (parallelism 1, start-first, monitor 1 s, ` +
        `failure action rollback), ${ROUNDS} rounds alternating between Vigil and the docker CLI, on one single-node swarm ` +
        `and local registry. Vigil: from spec.update written to the rollout recorded as a success (the swarm-service ` +
        `controller with \`vigil serve\`'s timing: the tag resolved to its digest, the ServiceUpdate, the rollout followed ` +
        `until every task runs the new digest, the UpdateRecord written). CLI: \`docker service update --image\` without ` +
        `\`-d\`, which follows the rollout until it has converged and verified it.`,
      '',
      table(['Vigil', 'docker service update'], rows),
    ].join('\n');
  } finally {
    await manager.stop();
    await api.close();
    await swarm.cleanup();
    await registry.cleanup();
  }
}
