// Secrets over HTTP: the store keeps the real values, no response or watch event carries them, writes that send the
// mask back keep them, and applying the same Secret again changes nothing. The in-process client sees real values.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import { SECRET_MASK } from '../../../apiserver/resources/secrets.ts';
import { startApi, type TestApi } from './fixtures/api.ts';
import { openWatch } from './fixtures/watch-client.ts';

const secrets = '/api/v1/namespaces/vigil-system/secrets';
const token = Buffer.from('hunter2').toString('base64');
const password = Buffer.from('correct horse').toString('base64');

function secret(name: string, data: Record<string, string>, annotations?: Record<string, string>): ResourceObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'vigil-system', ...(annotations === undefined ? {} : { annotations }) }, type: 'Opaque', data };
}

describe('Secrets over HTTP', () => {
  let api: TestApi;
  before(async () => {
    api = await startApi({ listen: true, app: { garbageCollection: false } });
  });
  after(async () => await api.close());

  const realData = async (name: string): Promise<unknown> => (await api.resources.get('Secret', 'vigil-system', name)).data;

  test('create, get, list and the write responses show every value masked; the store keeps the real ones', async () => {
    const lastApplied = JSON.stringify(secret('creds', { token }));
    const created = await api.request('POST', secrets, { body: secret('creds', { token }, { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied }) });
    assert.equal(created.status, 201);
    assert.deepEqual(created.json().data, { token: SECRET_MASK });
    assert.doesNotMatch(created.text, new RegExp(token));
    const got = await api.request('GET', `${secrets}/creds`);
    assert.deepEqual(got.json().data, { token: SECRET_MASK });
    assert.doesNotMatch(got.text, new RegExp(token), 'the last-applied annotation is masked too');
    const annotation = JSON.parse(got.json().metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}') as { data: unknown };
    assert.deepEqual(annotation.data, { token: SECRET_MASK });
    for (const path of [secrets, '/api/v1/secrets']) {
      const list = await api.request('GET', path);
      assert.doesNotMatch(list.text, new RegExp(token));
      assert.match(list.text, new RegExp(SECRET_MASK));
    }
    const table = await api.request('GET', `${secrets}?includeObject=Object`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    assert.doesNotMatch(table.text, new RegExp(token));
    assert.deepEqual(await realData('creds'), { token });
  });

  test('stringData is folded into data and never shown', async () => {
    const created = await api.request('POST', secrets, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain' }, stringData: { password: 'correct horse' } } });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.json().data, { password: SECRET_MASK });
    assert.equal(created.json().stringData, undefined);
    assert.doesNotMatch(created.text, /correct horse/);
    assert.deepEqual(await realData('plain'), { password });
  });

  test('a PUT or merge patch that sends the mask back keeps the stored value; a new value replaces it', async () => {
    await api.request('POST', secrets, { body: secret('edit', { token, password }) });
    const shown = (await api.request('GET', `${secrets}/edit`)).json();
    const put = await api.request('PUT', `${secrets}/edit`, { body: { ...shown, metadata: { ...shown.metadata, labels: { edited: 'yes' } } } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(await realData('edit'), { token, password });
    const newToken = Buffer.from('rotated').toString('base64');
    await api.request('PATCH', `${secrets}/edit`, { text: JSON.stringify({ data: { token: newToken, password: SECRET_MASK } }), contentType: 'application/merge-patch+json' });
    assert.deepEqual(await realData('edit'), { token: newToken, password });
    const jsonPatch = await api.request('PATCH', `${secrets}/edit`, {
      text: JSON.stringify([{ op: 'test', path: '/data/password', value: SECRET_MASK }, { op: 'remove', path: '/data/token' }]),
      contentType: 'application/json-patch+json',
    });
    assert.equal(jsonPatch.status, 200, jsonPatch.text);
    assert.deepEqual(await realData('edit'), { password });
  });

  test('server-side apply compares real values: applying the same Secret again is a no-op', async () => {
    const yaml = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: applied\n  namespace: vigil-system\ndata:\n  token: ${token}\n`;
    const first = await api.request('PATCH', `${secrets}/applied?fieldManager=gitops`, { text: yaml, contentType: 'application/apply-patch+yaml' });
    assert.equal(first.status, 201, first.text);
    assert.deepEqual(first.json().data, { token: SECRET_MASK });
    const second = await api.request('PATCH', `${secrets}/applied?fieldManager=gitops`, { text: yaml, contentType: 'application/apply-patch+yaml' });
    assert.equal(second.json().metadata.resourceVersion, first.json().metadata.resourceVersion);
    assert.deepEqual(await realData('applied'), { token });
  });

  test('watch events of Secrets are masked', async () => {
    const watch = await openWatch(`${api.url}${secrets}?watch=1&fieldSelector=metadata.name%3Dwatched`, api.headers());
    await api.resources.create(secret('watched', { token }));
    const [event] = await watch.waitForEvents(1);
    assert.deepEqual(event?.object.data, { token: SECRET_MASK });
    watch.close();
  });

  test('the in-process client returns real values', async () => {
    const created = await api.resources.create(secret('controller', { token }));
    assert.deepEqual(created.data, { token });
    const listed = await api.resources.list('Secret', { namespace: 'vigil-system', fieldSelector: 'metadata.name=controller' });
    assert.deepEqual(listed.items[0]?.data, { token });
  });
});
