// Actions of the REST facade become requests in the Container's spec (written by the field manager vigil-rest, with
// the user as requestedBy), answered at once with the reference's bodies; Vigil's own container is refused; bad bodies
// get a 400 naming the field.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addContainer, addSnapshot, assertError, getContainer, setStatus, startFacade, type TestApi } from './fixtures.ts';

let api: TestApi;
let operatorToken: string;

before(async () => {
  api = await startFacade();
  operatorToken = (await api.auth.user('operator', 'olivia')).token;
  await addContainer(api, { name: 'web', status: { image: 'nginx:1.27.4' } });
  await addContainer(api, { name: 'vigil', status: { image: 'ghcr.io/vigil/vigil:1.0.0', self: true, labels: { 'vigil.self': 'true' } } });
  await addContainer(api, { name: 'edge-app', host: 'edge-1', status: { image: 'app:2' } });
});
after(async () => await api.close());

function managers(object: { metadata: { managedFields?: unknown[] } }): string[] {
  return (object.metadata.managedFields ?? []).map((entry) => (entry as { manager: string }).manager);
}

describe('restart, stop and start', () => {
  for (const [action, status] of [['restart', 'restarting'], ['stop', 'stopping'], ['start', 'starting']] as const) {
    test(`${action} writes spec.lifecycle {action: ${action}} and answers ${status}`, async () => {
      const response = await api.request('POST', `/api/containers/web/${action}`, { headers: { authorization: `Bearer ${operatorToken}` } });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json(), { status, name: 'web', message: `${action} initiated for web` });
      const web = await getContainer(api, 'web');
      assert.equal(web.spec.lifecycle?.action, action);
      assert.equal(web.spec.lifecycle?.requestedBy, 'olivia');
      assert.ok(managers(web).includes('vigil-rest'), 'written by the vigil-rest field manager');
    });
  }

  test('a new request is later than the one handled, even when the clock did not move', async () => {
    const before = (await getContainer(api, 'web')).spec.lifecycle?.requestedAt ?? '';
    await setStatus(api, 'web', (status) => ({ ...status, handledRequests: { lifecycle: before } }));
    await api.request('POST', '/api/containers/web/restart');
    const after = (await getContainer(api, 'web')).spec.lifecycle?.requestedAt ?? '';
    assert.ok(Date.parse(after) > Date.parse(before), `${after} after ${before}`);
  });

  test('?host= acts on the container of another host', async () => {
    assert.equal((await api.request('POST', '/api/containers/edge-app/stop?host=edge-1')).status, 200);
    assert.equal((await getContainer(api, 'edge-app', 'edge-1')).spec.lifecycle?.action, 'stop');
    assertError(await api.request('POST', '/api/containers/edge-app/stop'), 404, /container "edge-app" not found/);
  });
});

describe("Vigil's own container", () => {
  test('refuses restart, stop, start, update, rollback and policy changes with 403', async () => {
    for (const [method, path] of [
      ['POST', '/api/containers/vigil/restart'],
      ['POST', '/api/containers/vigil/stop'],
      ['POST', '/api/containers/vigil/start'],
      ['POST', '/api/update/vigil'],
      ['POST', '/api/containers/vigil/rollback'],
    ] as const) {
      assertError(await api.request(method, path), 403, /Vigil's own container/);
    }
    assertError(await api.request('POST', '/api/containers/vigil/policy', { body: { policy: 'auto' } }), 403, /Vigil's own container/);
    assertError(await api.request('DELETE', '/api/containers/vigil/policy'), 403, /Vigil's own container/);
    const vigil = await getContainer(api, 'vigil');
    assert.deepEqual(Object.keys(vigil.spec).sort(), ['containerName', 'hostRef'], 'nothing was written');
  });

  test('update-to-version and self-update answer 501: self-update is not implemented yet', async () => {
    assertError(await api.request('POST', '/api/containers/vigil/update-to-version', { body: { tag: '1.1.0' } }), 501, /not implemented/);
    assertError(await api.request('POST', '/api/self-update'), 501, /self-update is not implemented/);
  });
});

describe('update and update-to-version', () => {
  test('update writes spec.update {reason: Manual} and answers started', async () => {
    const response = await api.request('POST', '/api/update/web');
    assert.deepEqual(response.json(), { status: 'started', name: 'web', message: 'update started for web' });
    const update = (await getContainer(api, 'web')).spec.update;
    assert.equal(update?.reason, 'Manual');
    assert.equal(update?.requestedBy, 'admin');
    assert.equal(update?.requestedAt, '2026-11-22T15:00:00.000Z');
  });

  test('update-to-version writes spec.update {reason: ChosenTag, tag} and names the target image', async () => {
    const response = await api.request('POST', '/api/containers/web/update-to-version', { body: { tag: '1.27.5' } });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json(), { status: 'started', name: 'web', message: 'Updating web to nginx:1.27.5' });
    const update = (await getContainer(api, 'web')).spec.update;
    assert.deepEqual({ reason: update?.reason, tag: update?.tag }, { reason: 'ChosenTag', tag: '1.27.5' });
  });

  test('a missing, mistyped or malformed tag is a 400 naming the field; nothing is written', async () => {
    const before = (await getContainer(api, 'web')).metadata.resourceVersion;
    assertError(await api.request('POST', '/api/containers/web/update-to-version', { body: {} }), 400, /^missing required field "tag"$/);
    assertError(await api.request('POST', '/api/containers/web/update-to-version', { body: { tag: 5 } }), 400, /^tag: must be a string \(got 5\)$/);
    assertError(await api.request('POST', '/api/containers/web/update-to-version', { body: { tag: '../etc' } }), 400, /^tag: "\.\.\/etc" is not a valid image tag/);
    assertError(await api.request('POST', '/api/containers/web/update-to-version', { body: { tag: 'x'.repeat(129) } }), 400, /^tag: .* is not a valid image tag/);
    assertError(await api.request('POST', '/api/containers/web/update-to-version', { text: '{"tag": ' }), 400, /JSON/);
    assertError(await api.request('POST', '/api/containers/web/update-to-version', { body: ['1.0'] }), 400, /^request body must be a JSON object$/);
    assert.equal((await getContainer(api, 'web')).metadata.resourceVersion, before);
  });

  test('an action on an unknown container is a 404', async () => {
    assertError(await api.request('POST', '/api/update/ghost'), 404, /container "ghost" not found/);
  });

  test('an empty body with Content-Type: application/json counts as no body', async () => {
    const response = await api.request('POST', '/api/update/web', { text: '', contentType: 'application/json' });
    assert.equal(response.status, 200, response.text);
  });
});

describe('rollback', () => {
  test('without a snapshot is a 404 saying so', async () => {
    assertError(await api.request('POST', '/api/containers/web/rollback'), 404, /no snapshot of "web" to roll back to/);
  });

  test('writes spec.rollback naming the newest snapshot', async () => {
    const web = await getContainer(api, 'web');
    await addSnapshot(api, web, '2026-11-20T10:00:00Z', 'nginx:1.27.2');
    const newest = await addSnapshot(api, web, '2026-11-21T10:00:00Z', 'nginx:1.27.3');
    const response = await api.request('POST', '/api/containers/web/rollback');
    assert.deepEqual(response.json(), { status: 'started', name: 'web', message: 'rollback started for web' });
    const rollback = (await getContainer(api, 'web')).spec.rollback;
    assert.equal(rollback?.snapshot, newest.metadata.name);
    assert.equal(rollback?.requestedBy, 'admin');
  });
});

describe('check and scan without the registry-check controllers', () => {
  test('answer 503 saying registry checks are not running', async () => {
    assertError(await api.request('POST', '/api/check/web'), 503, /registry checks are not running/);
    assertError(await api.request('POST', '/api/scan'), 503, /registry checks are not running/);
    assertError(await api.request('POST', '/api/check/ghost'), 404, /not found/);
  });

  test('switch-ghcr answers 503 without the GHCR service, 403 for Vigil itself, 400 for a bad body', async () => {
    assertError(await api.request('POST', '/api/containers/web/switch-ghcr'), 503, /GHCR checks are not running/);
    assertError(await api.request('POST', '/api/containers/vigil/switch-ghcr'), 403, /Vigil's own container/);
    assertError(await api.request('POST', '/api/containers/web/switch-ghcr', { body: { allow_different_build: 'yes' } }), 400, /^allow_different_build: must be true or false/);
  });
});
