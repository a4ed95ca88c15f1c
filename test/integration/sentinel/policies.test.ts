// Policy overrides through the REST facade are spec.policy on the Container: set, removed (the label decides again),
// and changed in bulk with a preview first; Vigil's own container is blocked, and a policy set in git is refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { containerResourceName } from '../../../schemas/container-name.ts';
import { addContainer, assertError, getContainer, startFacade, type TestApi } from './fixtures.ts';

let api: TestApi;

before(async () => {
  api = await startFacade();
  await addContainer(api, { name: 'nginx', status: { effective: { policy: { value: 'auto', source: 'label' } } } });
  await addContainer(api, { name: 'redis', status: { effective: { policy: { value: 'pinned', source: 'spec' } } }, spec: { policy: 'pinned' } });
  await addContainer(api, { name: 'My_App', status: { effective: { policy: { value: 'manual', source: 'default' } } } });
  await addContainer(api, { name: 'vigil', status: { self: true } });
  await addContainer(api, { name: 'from-git' });
  // The GitOps controller owns spec.policy of this one (server-side apply under its field manager).
  await api.resources.apply(
    { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'from-git', namespace: 'local', labels: { 'vigil.dev/manifest-source': 'default' } }, spec: { policy: 'auto' } },
    { fieldManager: 'vigil-gitops', force: true },
  );
});
after(async () => await api.close());

describe('POST and DELETE /api/containers/{name}/policy', () => {
  test('sets spec.policy and answers the reference body', async () => {
    const response = await api.request('POST', '/api/containers/nginx/policy', { body: { policy: 'manual' } });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json(), { status: 'ok', name: 'nginx', policy: 'manual', message: 'policy set to manual for nginx' });
    assert.equal((await getContainer(api, 'nginx')).spec.policy, 'manual');
  });

  test('works for a Docker name that is not a resource name', async () => {
    assert.equal((await api.request('POST', '/api/containers/My_App/policy', { body: { policy: 'pinned' } })).status, 200);
    const stored = await api.resources.get('Container', 'local', containerResourceName('My_App'));
    assert.equal((stored.spec as { policy?: string }).policy, 'pinned');
  });

  test('a policy that is not auto, manual or pinned, or of the wrong type, is a 400 naming the field', async () => {
    assertError(await api.request('POST', '/api/containers/nginx/policy', { body: { policy: 'sometimes' } }), 400, /^policy: must be one of "auto", "manual", "pinned" \(got "sometimes"\)$/);
    assertError(await api.request('POST', '/api/containers/nginx/policy', { body: { policy: true } }), 400, /^policy: must be a string \(got true\)$/);
    assertError(await api.request('POST', '/api/containers/nginx/policy', { body: {} }), 400, /^missing required field "policy"$/);
  });

  test('DELETE removes the override', async () => {
    const response = await api.request('DELETE', '/api/containers/nginx/policy');
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json<Record<string, unknown>>().status, 'ok');
    assert.equal((await getContainer(api, 'nginx')).spec.policy, undefined);
  });

  test('a policy set in git is refused with 409 naming the ManifestSource, and left as it is', async () => {
    assertError(await api.request('POST', '/api/containers/from-git/policy', { body: { policy: 'pinned' } }), 409, /is set in git \(ManifestSource default\)/);
    assertError(await api.request('DELETE', '/api/containers/from-git/policy'), 409, /is set in git/);
    assert.equal((await getContainer(api, 'from-git')).spec.policy, 'auto');
  });
});

describe('POST /api/bulk/policy', () => {
  test('previews by default: changes, blocked (self, git, unknown) and unchanged, writing nothing', async () => {
    const before = (await getContainer(api, 'nginx')).metadata.resourceVersion;
    const response = await api.request('POST', '/api/bulk/policy', { body: { containers: ['nginx', 'redis', 'vigil', 'from-git', 'ghost'], policy: 'pinned' } });
    assert.equal(response.status, 200, response.text);
    const preview = response.json<{ mode: string; changes: unknown[]; blocked: Array<{ name: string; reason: string }>; unchanged: unknown[] }>();
    assert.equal(preview.mode, 'preview');
    assert.deepEqual(preview.changes, [{ name: 'nginx', from: 'auto', to: 'pinned' }]);
    assert.deepEqual(preview.unchanged, [{ name: 'redis', reason: 'already pinned' }]);
    assert.deepEqual(preview.blocked.map((entry) => entry.name), ['vigil', 'from-git', 'ghost']);
    assert.match(preview.blocked[0]?.reason ?? '', /self-protected/);
    assert.equal((await getContainer(api, 'nginx')).metadata.resourceVersion, before);
  });

  test('confirm applies the changes and answers the counts', async () => {
    const response = await api.request('POST', '/api/bulk/policy', { body: { containers: ['nginx', 'redis', 'vigil'], policy: 'pinned', confirm: true } });
    assert.deepEqual(response.json(), { mode: 'executed', applied: 1, blocked: 1, unchanged: 1 });
    assert.equal((await getContainer(api, 'nginx')).spec.policy, 'pinned');
    assert.equal((await getContainer(api, 'vigil')).spec.policy, undefined);
  });

  test('malformed bodies are 400s naming the field', async () => {
    assertError(await api.request('POST', '/api/bulk/policy', { body: { containers: 'nginx', policy: 'auto' } }), 400, /^containers: must be an array/);
    assertError(await api.request('POST', '/api/bulk/policy', { body: { containers: [], policy: 'auto' } }), 400, /^containers: must NOT have fewer than 1 items/);
    assertError(await api.request('POST', '/api/bulk/policy', { body: { containers: ['nginx', 3], policy: 'auto' } }), 400, /^containers\[1\]: must be a string \(got 3\)$/);
    assertError(await api.request('POST', '/api/bulk/policy', { body: { containers: ['nginx'], policy: 'auto', confirm: 'true' } }), 400, /^confirm: must be a boolean \(got "true"\)$/);
  });
});
