// The Portainer stand-in's contract (auth, endpoint lists with paging and the snapshot toggle, status) and Vigil's
// Docker client over its Docker proxy to a real engine: engine facts, containers, a streamed event, a 401 that
// names the key's refusal but never the key, a down endpoint that reads as unreachable, and TLS with a pin and a CA.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { DockerodeClient } from '../../../controllers/docker/dockerode-client.ts';
import { isDockerError } from '../../../domain/docker/client.ts';
import { buildTestImage, startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { selfSignedCertificate, serverCertificate } from '../../testbed/certificates.ts';
import { ENDPOINT_TYPE, startPortainerStandIn, type PortainerStandIn } from '../../testbed/portainer.ts';

const API_KEY = 'ptr_proxy-transport-key-0123456789';
const IMAGE = 'vigil-test/app:1';

describe('the Portainer stand-in and the Docker client through its proxy', () => {
  let engine: DockerEngine;
  let portainer: PortainerStandIn;

  before(async () => {
    engine = await startDockerEngine({ name: 'ptr-proxy' });
    await buildTestImage(engine, { tag: IMAGE, version: '1' });
    portainer = await startPortainerStandIn({
      apiKey: API_KEY,
      endpoints: [
        { id: 1, name: 'local', type: ENDPOINT_TYPE.docker, engine },
        { id: 2, name: 'down', type: ENDPOINT_TYPE.agentOnDocker, engine, status: 2 },
        { id: 3, name: 'k8s', type: ENDPOINT_TYPE.kubernetesLocal },
        { id: 4, name: 'edge', type: ENDPOINT_TYPE.edgeAgentOnDocker, edgeAsync: true },
      ],
    });
  });
  after(async () => {
    await portainer?.close();
    await engine?.cleanup();
  });

  const client = (url: string, apiKey = API_KEY): DockerodeClient => new DockerodeClient({ url, portainer: { apiKey } });

  test('answers 401 in Portainer\'s error shape without a key and with a wrong one; status is public', async () => {
    const none = await fetch(`${portainer.url}/api/endpoints`);
    assert.equal(none.status, 401);
    assert.deepEqual(await none.json(), { message: 'A valid authorisation token is missing', details: 'Unauthorized' });
    const wrong = await fetch(`${portainer.url}/api/endpoints`, { headers: { 'X-API-Key': 'nope' } });
    assert.equal(wrong.status, 401);
    assert.deepEqual(await wrong.json(), { message: 'Invalid API key', details: 'Unauthorized' });
    const status = await fetch(`${portainer.url}/api/system/status`);
    assert.equal(status.status, 200);
    assert.equal(((await status.json()) as { Version: string }).Version, '2.23.0');
  });

  test('pages endpoints with start and limit, counts them in X-Total-Count, and leaves snapshots out on request', async () => {
    const page = await fetch(`${portainer.url}/api/endpoints?start=1&limit=2&excludeSnapshots=true`, { headers: { 'X-API-Key': API_KEY } });
    assert.equal(page.headers.get('x-total-count'), '4');
    const items = (await page.json()) as { Id: number; Status: number; Snapshots: unknown[] }[];
    assert.deepEqual(items.map((item) => [item.Id, item.Status, item.Snapshots.length]), [[2, 2, 0], [3, 1, 0]]);
    const full = (await (await fetch(`${portainer.url}/api/endpoints`, { headers: { 'X-API-Key': API_KEY } })).json()) as { Snapshots: unknown[] }[];
    assert.equal(full[0]?.Snapshots.length, 1, 'a snapshot without excludeSnapshots');
  });

  test('the Docker client reads the engine, its containers and a streamed event through the proxy', async () => {
    const docker = client(`${portainer.url}/api/endpoints/1/docker`);
    try {
      const signal = AbortSignal.timeout(deadlines.request);
      const info = await docker.engineInfo({ signal });
      assert.equal(info.engineID, (await engine.docker(['info', '--format', '{{.ID}}'])).trim());
      const controller = new AbortController();
      const events = docker.containerEvents({ signal: controller.signal })[Symbol.asyncIterator]();
      const first = events.next();
      const id = (await engine.docker(['run', '-d', '--name', 'through', IMAGE])).trim();
      const event = await first;
      assert.equal(event.done, false);
      assert.equal(event.value?.containerID, id);
      controller.abort();
      const listed = await docker.listContainers({ signal });
      assert.ok(listed.some((summary) => summary.id === id), 'the container is listed through the proxy');
      const calls = portainer.proxied.filter((call) => call.endpointId === 1);
      assert.ok(calls.some((call) => call.path.includes('/events')), 'the event stream went through the proxy');
      assert.ok(calls.every((call) => !call.path.startsWith('/api/')), 'the client did not repeat the proxy prefix');
    } finally {
      docker.close();
    }
  });

  test('a wrong key is an engine error that says Invalid API key and never shows the key', async () => {
    const docker = client(`${portainer.url}/api/endpoints/1/docker`, 'ptr_wrong-secret-key');
    try {
      await assert.rejects(docker.listContainers({ signal: AbortSignal.timeout(deadlines.request) }), (error: unknown) => {
        assert.ok(isDockerError(error, 'EngineError'), String(error));
        assert.equal(error.statusCode, 401);
        assert.match(error.message, /Invalid API key/);
        assert.doesNotMatch(error.message, /wrong-secret-key/);
        return true;
      });
    } finally {
      docker.close();
    }
  });

  test('a down endpoint and an async Edge endpoint are unreachable / refused, as Portainer answers them', async () => {
    const down = client(`${portainer.url}/api/endpoints/2/docker`);
    const edge = client(`${portainer.url}/api/endpoints/4/docker`);
    try {
      const signal = AbortSignal.timeout(deadlines.request);
      await assert.rejects(down.listContainers({ signal }), (error: unknown) => isDockerError(error, 'Unreachable') && error.statusCode === 502);
      await assert.rejects(edge.listContainers({ signal }), (error: unknown) => isDockerError(error, 'EngineError') && /No Edge agent/.test(error.message));
    } finally {
      down.close();
      edge.close();
    }
  });

  test('over HTTPS: refused without trust, accepted with its CA or the certificate\'s SHA-256 pin, refused with another pin', async () => {
    const dir = makeTempDir('ptr-tls');
    const ca = selfSignedCertificate(dir, 'portainer-ca', { ca: true });
    const pair = serverCertificate(dir, 'portainer', ca);
    const secure = await startPortainerStandIn({ apiKey: API_KEY, endpoints: [{ id: 1, name: 'local', type: 1, engine }], tls: { cert: pair.certPem, key: pair.keyPem } });
    const url = `${secure.url}/api/endpoints/1/docker`;
    const pin = createHash('sha256').update(new X509Certificate(pair.certPem).raw).digest('hex');
    const attempt = async (tls: { ca?: string; pinnedSha256?: string }): Promise<unknown> => {
      const docker = new DockerodeClient({ url, portainer: { apiKey: API_KEY, tls } });
      try {
        return await docker.listContainers({ signal: AbortSignal.timeout(deadlines.request) });
      } catch (error) {
        return error;
      } finally {
        docker.close();
      }
    };
    try {
      const untrusted = await attempt({});
      assert.ok(isDockerError(untrusted, 'Unreachable') && /self.signed|certificate/i.test(untrusted.message), String(untrusted));
      assert.ok(Array.isArray(await attempt({ ca: ca.certPem })), 'trusted through its CA');
      assert.ok(Array.isArray(await attempt({ pinnedSha256: pin.toUpperCase().match(/../g)?.join(':') ?? pin })), 'trusted through its pin');
      const otherPin = await attempt({ pinnedSha256: 'ab'.repeat(32) });
      assert.ok(isDockerError(otherPin, 'Unreachable') && /does not match the pinned/.test(otherPin.message), String(otherPin));
      assert.equal(secure.proxied.length, 2, 'no request reached the proxy without trust');
    } finally {
      await secure.close();
      removeTempDir(dir);
    }
  });
});
