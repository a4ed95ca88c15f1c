// Sentinel's /api/portainer/* routes over PortainerInstance resources, with the portainer and Docker controllers
// behind the facade and the Portainer stand-in in front of a real engine: create (token only in a Secret, answered
// "***"), list, test (success with the Docker endpoints, or the refusal), the endpoints the controller saw, the
// containers of an endpoint, update, the endpoint settings still 501, delete.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { registerPortainerController } from '../../../controllers/portainer/portainer-controller.ts';
import { testPortainerInstance } from '../../../controllers/portainer/instance-test.ts';
import type { PortainerInstance, Secret } from '../../../schemas/generated/types.ts';
import { buildTestImage, startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { ENDPOINT_TYPE, startPortainerStandIn, type PortainerStandIn } from '../../testbed/portainer.ts';
import { assertError } from '../sentinel/fixtures.ts';
import { startFacadeStack, type FacadeStack } from '../sentinel/stack.ts';

const TOKEN = 'ptr_rest-facade-token-0a1b2c3d4e5f';
const WRONG_TOKEN = 'ptr_rest-facade-wrong-9z8y7x';
const IMAGE = 'vigil-test/app:1';

describe('the /api/portainer routes', () => {
  let engine: DockerEngine;
  let portainer: PortainerStandIn;
  let stack: FacadeStack;
  const answers: string[] = [];

  before(async () => {
    engine = await startDockerEngine({ name: 'ptr-rest' });
    await buildTestImage(engine, { tag: IMAGE, version: '1' });
    portainer = await startPortainerStandIn({
      apiKey: TOKEN,
      endpoints: [
        { id: 1, name: 'office', type: ENDPOINT_TYPE.docker, engine },
        { id: 2, name: 'cluster', type: ENDPOINT_TYPE.agentOnKubernetes },
      ],
    });
    stack = await startFacadeStack({
      defaultDockerHost: engine.host,
      more: (manager) => {
        registerPortainerController({ manager });
        return { portainer: { test: testPortainerInstance } };
      },
    });
  });
  after(async () => {
    await stack?.close();
    await portainer?.close();
    await engine?.cleanup();
  });

  async function call(method: string, path: string, body?: unknown) {
    const response = await stack.request(method, path, body);
    answers.push(response.text);
    return response;
  }

  test('POST refuses a missing token and a URL that is not http(s)', async () => {
    assertError(await call('POST', '/api/portainer/instances', { name: 'x', url: portainer.url, token: '' }), 400, /token is required/);
    assertError(await call('POST', '/api/portainer/instances', { name: 'x', url: 'ftp://portainer', token: TOKEN }), 400, /http:\/\/ or https:\/\//);
  });

  test('POST creates the instance with the token in a Secret and answers it masked; GET lists it', async () => {
    const created = await call('POST', '/api/portainer/instances', { name: 'Office EU', url: portainer.url, token: TOKEN });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.json(), { id: 'office-eu', name: 'Office EU', url: portainer.url, token: '***', enabled: true, endpoints: {} });
    const instance = (await stack.registry.get('PortainerInstance', undefined, 'office-eu')) as unknown as PortainerInstance;
    const secret = (await stack.registry.get('Secret', 'vigil-system', instance.spec.apiKeySecretRef.name)) as unknown as Secret;
    assert.equal(Buffer.from(secret.data?.[instance.spec.apiKeySecretRef.key] ?? '', 'base64').toString(), TOKEN);
    assert.ok(!JSON.stringify(instance).includes(TOKEN), 'the token is not in the instance');
    const listed = await call('GET', '/api/portainer/instances');
    assert.equal(listed.json<{ id: string; token: string }[]>()[0]?.token, '***');
  });

  test('POST test lists the Docker endpoints; the endpoints route shows what the controller saw', async () => {
    const tested = await call('POST', '/api/portainer/instances/office-eu/test');
    assert.equal(tested.status, 200, tested.text);
    assert.deepEqual(tested.json(), { success: true, endpoints: [{ ID: 1, Name: 'office', URL: 'unix:///var/run/docker.sock' }] });
    const endpoints = await stack.eventually('endpoints seen', async () => {
      const answer = (await call('GET', '/api/portainer/instances/office-eu/endpoints')).json<unknown[]>();
      return answer.length > 0 ? answer : undefined;
    }, deadlines.condition);
    assert.deepEqual(endpoints, [{ id: 1, name: 'office', url: 'unix:///var/run/docker.sock', type: 1, status: 'up', instance_id: 'office-eu' }]);
    const listed = await call('GET', '/api/portainer/instances');
    assert.deepEqual(listed.json<{ endpoints: unknown }[]>()[0]?.endpoints, { 1: { enabled: true } });
  });

  test('the containers of an endpoint come from its Host\'s inventory, through the proxy', async () => {
    const id = (await engine.docker(['run', '-d', '--name', 'rest-view', IMAGE])).trim();
    const row = await stack.eventually('rest-view listed', async () => {
      const response = await call('GET', '/api/portainer/endpoints/1/containers?instance_id=office-eu');
      if (response.status !== 200) return undefined;
      return response.json<{ id: string }[]>().find((entry) => entry.id === id);
    }, deadlines.containerCondition);
    assert.deepEqual(row, { id, name: 'rest-view', image: IMAGE, state: 'running', labels: { 'org.opencontainers.image.version': '1' }, endpoint_id: 1, endpoint_name: 'office', instance_id: 'office-eu' });
    assertError(await call('GET', '/api/portainer/endpoints/2/containers?instance_id=office-eu'), 404, /no managed Portainer endpoint 2/);
  });

  test('PUT changes the token; a wrong one makes the test fail with Portainer\'s refusal, never showing a token', async () => {
    const updated = await call('PUT', '/api/portainer/instances/office-eu', { token: WRONG_TOKEN, name: 'Office' });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.json<{ name: string; token: string }>().name, 'Office');
    const tested = await call('POST', '/api/portainer/instances/office-eu/test');
    assert.equal(tested.status, 200);
    const answer = tested.json<{ success: boolean; error: string }>();
    assert.equal(answer.success, false);
    assert.match(answer.error, /Portainer refused the API key \(HTTP 401: Invalid API key\)/);
    // "***" keeps the stored token.
    assert.equal((await call('PUT', '/api/portainer/instances/office-eu', { token: '***' })).status, 200);
    assert.equal((await call('POST', '/api/portainer/instances/office-eu/test')).json<{ success: boolean }>().success, false);
    assert.equal((await call('PUT', '/api/portainer/instances/office-eu', { token: TOKEN })).status, 200);
    assert.equal((await call('POST', '/api/portainer/instances/office-eu/test')).json<{ success: boolean }>().success, true);
  });

  test('endpoint settings answer 501 saying why; DELETE removes the instance, its Secret and its Hosts', async () => {
    assertError(await call('PUT', '/api/portainer/instances/office-eu/endpoints/1', { enabled: false }), 501, /de-duplication/);
    const instance = (await stack.registry.get('PortainerInstance', undefined, 'office-eu')) as unknown as PortainerInstance;
    assert.deepEqual((await call('DELETE', '/api/portainer/instances/office-eu')).json(), { status: 'deleted' });
    await assert.rejects(stack.registry.get('Secret', 'vigil-system', instance.spec.apiKeySecretRef.name), /not found/i);
    await stack.eventually('Hosts removed', async () => (await stack.registry.list('Host')).items.every((item) => !item.metadata.name.startsWith('portainer-office-eu')), deadlines.condition);
    assertError(await call('GET', '/api/portainer/instances/office-eu/endpoints'), 404, /not found/);
  });

  test('no answer carried a token', () => {
    for (const text of answers) assert.ok(!text.includes(TOKEN) && !text.includes(WRONG_TOKEN), text);
  });
});
