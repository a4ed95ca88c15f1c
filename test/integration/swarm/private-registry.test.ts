// A Swarm service of a private image in an htpasswd registry (Basic authentication over TLS with a self-made CA)
// updated by Vigil with the credentials of a Registry resource and its Secrets: Vigil's registry client resolves the
// tag to its digest with them (and trusts the CA from the Registry's caSecretRef), and the ServiceUpdate carries them
// as X-Registry-Auth, so that the node pulls the new image. The engine treats 127.0.0.0/8 registries as insecure,
// which for a TLS registry means it does not verify the certificate: nothing needs to be put in certs.d. The new
// image is removed from the engine after its push, and the service was created without registry auth, so its task
// can only start if the pull with Vigil's credentials succeeded.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry as MetricsRegistry } from 'prom-client';
import type { Registry, Secret, SwarmService } from '../../../schemas/generated/types.ts';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import { Manager } from '../../../controllers/runtime/index.ts';
import { registerDockerControllers } from '../../../controllers/docker-hosts.ts';
import { registerRegistryCheckControllers } from '../../../controllers/registry-check/register.ts';
import { registerSwarmControllers } from '../../../controllers/swarm/register.ts';
import { digestOf } from '../../../controllers/swarm/service-spec.ts';
import { startApi, type TestApi } from '../apiserver/fixtures/api.ts';
import { buildTestImage } from '../../testbed/docker.ts';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { startRegistry, TEST_PASSWORD, TEST_USERNAME, type TestRegistry } from '../../testbed/registry.ts';
import { startTestSwarm, waitUntil, type TestSwarm } from '../../testbed/swarm.ts';

let swarm: TestSwarm;
let registry: TestRegistry;
let api: TestApi;
let manager: Manager;
/** The docker CLI's own config folder for this test (the login), never the user's ~/.docker. */
let cliConfig: string;

function cli(args: string[], input?: string): Promise<string> {
  return swarm.engine.docker(['--config', cliConfig, ...args], { timeoutMs: deadlines.dockerCommand, ...(input === undefined ? {} : { input }) });
}

/** Builds a busybox image, pushes it with the CLI's login, returns its digest. */
async function push(reference: string, version: string): Promise<string> {
  await buildTestImage(swarm.engine, { tag: reference, version, health: 'ok' });
  await cli(['push', reference]);
  const repoDigests = JSON.parse(await cli(['image', 'inspect', '--format', '{{json .RepoDigests}}', reference])) as string[];
  const repository = reference.slice(0, reference.lastIndexOf(':'));
  const entry = repoDigests.find((value) => value.startsWith(`${repository}@`));
  if (entry === undefined) throw new Error(`docker push of ${reference} left no RepoDigest: ${JSON.stringify(repoDigests)}`);
  return entry.slice(entry.indexOf('@') + 1);
}

async function service(name: string): Promise<SwarmService | undefined> {
  const list = (await api.resources.list('SwarmService')).items as unknown as SwarmService[];
  const found = list.find((item) => item.metadata.name === name);
  if (found === undefined) return undefined;
  const { managedFields: _managed, ...metadata } = found.metadata;
  return { ...found, metadata };
}

function runningDigests(resource: SwarmService): string[] {
  return (resource.status?.tasks ?? []).filter((task) => task.desiredState === 'running' && task.state === 'running').map((task) => digestOf(task.image ?? '') ?? '').sort();
}

describe('a private image in an htpasswd registry, updated with a Registry resource\'s credentials', { timeout: 1_200_000 }, () => {
  before(async () => {
    swarm = await startTestSwarm('swarm-private');
    registry = await startRegistry({ mode: 'basic', name: 'swarm-private-registry' });
    cliConfig = makeTempDir('swarm-private-cli');
    await cli(['login', registry.server, '--username', TEST_USERNAME, '--password-stdin'], TEST_PASSWORD);
    api = await startApi();
    // What an administrator sets up with kubectl: the CA and the password in Secrets, a Registry naming them.
    await api.resources.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'private-registry', namespace: 'vigil-system' }, stringData: { 'ca.crt': registry.caPem ?? '', password: TEST_PASSWORD } } satisfies Secret);
    await api.resources.create({
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'Registry',
      metadata: { name: 'private' },
      spec: { server: registry.server, caSecretRef: { name: 'private-registry', key: 'ca.crt' }, credentials: { username: TEST_USERNAME, passwordSecretRef: { name: 'private-registry', key: 'password' } } },
    } satisfies Registry);
    manager = new Manager({ client: api.resources, metricsRegistry: new MetricsRegistry() });
    const docker = registerDockerControllers({ manager, defaultDockerHost: swarm.engine.host, backoff: { initialMs: 200, maxMs: 2000 } });
    const checks = registerRegistryCheckControllers({ manager, registryClient: { timeoutMs: 10_000 } });
    registerSwarmControllers({
      manager,
      sessions: docker.sessions,
      registry: checks.access.client,
      credentials: (server) => checks.access.credentials(server),
      timing: { followMs: 500, resyncMs: 2_000 },
    });
    await manager.start();
  });
  after(async () => {
    await manager?.stop();
    await api?.close();
    await swarm?.cleanup();
    await registry?.cleanup();
    if (cliConfig !== undefined) removeTempDir(cliConfig);
  });

  it('resolves the new tag with the credentials and the CA, and the node pulls it with the X-Registry-Auth Vigil sends', async () => {
    const repository = `${registry.server}/team/private`;
    const v1 = await push(`${repository}:1.0`, 'private-1.0');
    const v2 = await push(`${repository}:2.0`, 'private-2.0');
    // Only the registry has 2.0 now: the task of the update must pull it.
    await cli(['image', 'rm', `${repository}:2.0`]);
    // And the registry refuses a pull without credentials (a CLI config without the login). The engine, after the
    // 401 over HTTPS, tries its plain-HTTP fallback for an insecure registry, which the TLS port resets: that is the
    // error it reports.
    const anonymousConfig = makeTempDir('swarm-private-anonymous');
    try {
      await assert.rejects(swarm.engine.docker(['--config', anonymousConfig, 'pull', `${repository}:2.0`], { timeoutMs: deadlines.dockerCommand }), /no basic auth credentials|unauthorized|authentication required|connection reset/i);
    } finally {
      removeTempDir(anonymousConfig);
    }
    // Created without --with-registry-auth: the spec holds no credentials the daemon could fall back on.
    await swarm.createService('private', `${repository}:1.0@${v1}`, ['--replicas', '1']);
    await waitUntil('private runs 1.0', () => service('private'), (resource) => resource !== undefined && runningDigests(resource).join() === v1);
    await api.resources.modify('SwarmService', undefined, 'private', (current) => ({ ...current, spec: { ...(current.spec as object), rollout: { monitorSeconds: 1, parallelism: 1 } } }) as ResourceObject);

    const update = await api.request('POST', `/api/services/private/update?version=${encodeURIComponent(`${repository}:2.0`)}`);
    assert.equal(update.status, 200, update.text);
    const done = await waitUntil('the update ended', () => service('private'), (resource) => resource?.status?.lastUpdate !== undefined && resource.status.operation === undefined);
    assert.equal(done?.status?.lastUpdate?.outcome, 'success', done?.status?.lastUpdate?.message);
    assert.equal(done?.status?.digest, v2, 'the tag was resolved through the authenticated registry');
    await waitUntil('the task runs 2.0, pulled from the registry', () => service('private'), (resource) => resource !== undefined && runningDigests(resource).join() === v2);
    const pulled = JSON.parse(await cli(['image', 'inspect', '--format', '{{json .RepoDigests}}', `${repository}@${v2}`])) as string[];
    assert.ok(pulled.includes(`${repository}@${v2}`), 'the engine pulled the new image');
  });
});
