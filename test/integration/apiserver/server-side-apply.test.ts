// Server-side apply over HTTP (PATCH with application/apply-patch+yaml), as kubectl apply --server-side and GitOps
// tools use it: field ownership in managedFields, no-op re-applies, removal of fields a manager stopped applying,
// conflicts between managers and force, dry runs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import { GROUP_PATH, startApi, statusOf, type TestApi } from './fixtures/api.ts';

const policies = `${GROUP_PATH}/updatepolicies`;

function policyYaml(name: string, lines: string[]): string {
  return ['apiVersion: vigil.dev/v1alpha1', 'kind: UpdatePolicy', 'metadata:', `  name: ${name}`, ...lines].join('\n') + '\n';
}

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  time: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
}

function entries(object: ResourceObject): Entry[] {
  return (object.metadata.managedFields ?? []) as unknown as Entry[];
}

describe('server-side apply', () => {
  let api: TestApi;
  const apply = (name: string, manager: string | undefined, yaml: string, query = '') =>
    api.request('PATCH', `${policies}/${name}?${manager === undefined ? '' : `fieldManager=${manager}&`}${query}`, { text: yaml, contentType: 'application/apply-patch+yaml' });

  before(async () => {
    api = await startApi({ app: { garbageCollection: false } });
  });
  after(async () => await api.close());

  test('apply creates a missing object (201) and records the manager\'s fields as an Apply entry (set lists by value)', async () => {
    const response = await apply('created', 'gitops', policyYaml('created', ['  labels:', '    app: web', 'spec:', '  policy: auto', '  hosts: [a, b]']));
    assert.equal(response.status, 201, response.text);
    const object = response.json();
    assert.deepEqual(entries(object), [{
      manager: 'gitops',
      operation: 'Apply',
      apiVersion: 'vigil.dev/v1alpha1',
      time: '2026-11-22T15:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:hosts': { 'v:"a"': {}, 'v:"b"': {} }, 'f:policy': {} } },
    }]);
  });

  test('re-applying the same configuration changes nothing: same resourceVersion, same managedFields time', async () => {
    const yaml = policyYaml('same', ['spec:', '  policy: auto']);
    const first = (await apply('same', 'gitops', yaml)).json();
    api.clock.advance(60_000);
    const second = await apply('same', 'gitops', yaml);
    assert.equal(second.status, 200);
    assert.equal(second.json().metadata.resourceVersion, first.metadata.resourceVersion);
    assert.deepEqual(second.json().metadata.managedFields, first.metadata.managedFields);
  });

  test('fields a manager no longer applies are removed, unless another manager owns them too', async () => {
    await apply('prune', 'gitops', policyYaml('prune', ['  labels:', '    a: "1"', '    b: "2"', '    shared: "x"', 'spec:', '  policy: auto', '  schedule: "0 4 * * *"']));
    // Another manager applies the same value of one label: both own it.
    await apply('prune', 'other', policyYaml('prune', ['  labels:', '    shared: "x"']));
    const after = (await apply('prune', 'gitops', policyYaml('prune', ['  labels:', '    a: "1"', 'spec:', '  policy: auto']))).json();
    assert.deepEqual(after.metadata.labels, { a: '1', shared: 'x' });
    assert.deepEqual(after.spec, { policy: 'auto' });
    const gitops = entries(after).find((entry) => entry.manager === 'gitops');
    assert.deepEqual(gitops?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:a': {} } }, 'f:spec': { 'f:policy': {} } });
  });

  test('changing a field another manager owns is a 409 Conflict naming field and manager; force takes it over', async () => {
    await apply('contest', 'alice', policyYaml('contest', ['spec:', '  policy: auto']));
    const conflict = statusOf(await apply('contest', 'bob', policyYaml('contest', ['spec:', '  policy: manual'])));
    assert.equal(conflict.code, 409);
    assert.equal(conflict.reason, 'Conflict');
    assert.equal(conflict.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.policy');
    assert.deepEqual(conflict.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.policy' }]);
    const forced = await apply('contest', 'bob', policyYaml('contest', ['spec:', '  policy: manual']), 'force=true');
    assert.equal(forced.status, 200, forced.text);
    assert.deepEqual(forced.json().spec, { policy: 'manual' });
    assert.deepEqual(entries(forced.json()).map((entry) => [entry.manager, entry.fieldsV1]), [['bob', { 'f:spec': { 'f:policy': {} } }]]);
  });

  test('an Update (merge patch, kubectl edit) takes ownership of what it changes; a later apply of it conflicts with the Update manager', async () => {
    await apply('edited', 'gitops', policyYaml('edited', ['spec:', '  policy: auto']));
    const edited = await api.request('PATCH', `${policies}/edited?fieldManager=kubectl-edit`, { text: '{"spec":{"policy":"pinned"}}', contentType: 'application/merge-patch+json' });
    const editEntry = entries(edited.json()).find((entry) => entry.manager === 'kubectl-edit');
    assert.deepEqual(editEntry?.operation, 'Update');
    assert.deepEqual(editEntry?.fieldsV1, { 'f:spec': { 'f:policy': {} } });
    assert.equal(entries(edited.json()).some((entry) => entry.manager === 'gitops'), false, 'gitops lost its only field');
    const conflict = statusOf(await apply('edited', 'gitops', policyYaml('edited', ['spec:', '  policy: auto'])));
    assert.equal(conflict.message, 'Apply failed with 1 conflict: conflict with "kubectl-edit" using vigil.dev/v1alpha1 at 2026-11-22T15:01:00Z: .spec.policy');
  });

  test('a create without fieldManager records the User-Agent\'s product as manager, with "." on new containers', async () => {
    const response = await api.request('POST', policies, {
      body: { apiVersion: 'vigil.dev/v1alpha1', kind: 'UpdatePolicy', metadata: { name: 'ua', labels: { a: 'b' } }, spec: { policy: 'auto' } },
      headers: { 'user-agent': 'kubectl/v1.20.2 (linux/amd64) kubernetes/faf1b8b' },
    });
    assert.deepEqual(entries(response.json()).map((entry) => [entry.manager, entry.operation, entry.fieldsV1]), [
      ['kubectl', 'Update', { 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } }, 'f:spec': { '.': {}, 'f:policy': {} } }],
    ]);
  });

  test('apply needs a fieldManager; an applied configuration must not carry managedFields; dryRun persists nothing', async () => {
    const missing = statusOf(await apply('rules', undefined, policyYaml('rules', ['spec:', '  policy: auto'])));
    assert.equal(missing.code, 422);
    assert.equal(missing.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const managed = statusOf(await apply('rules', 'm', policyYaml('rules', ['  managedFields: [{manager: x}]', 'spec:', '  policy: auto'])));
    assert.equal(managed.code, 400);
    const dry = await apply('rules', 'm', policyYaml('rules', ['spec:', '  policy: auto']), 'dryRun=All');
    assert.equal(dry.status, 201);
    assert.equal(dry.json().metadata.name, 'rules');
    assert.equal((await api.request('GET', `${policies}/rules`)).status, 404);
    await apply('rules', 'm', policyYaml('rules', ['spec:', '  policy: auto']));
    const dryChange = await apply('rules', 'm', policyYaml('rules', ['spec:', '  policy: manual']), 'dryRun=All');
    assert.deepEqual(dryChange.json().spec, { policy: 'manual' });
    assert.deepEqual((await api.request('GET', `${policies}/rules`)).json().spec, { policy: 'auto' });
  });

  test('an applied configuration with an invalid value is a 422; with an unknown field under Strict a 400', async () => {
    const invalid = statusOf(await apply('bad', 'm', policyYaml('bad', ['spec:', '  policy: whenever'])));
    assert.equal(invalid.code, 422);
    const unknown = statusOf(await apply('bad', 'm', policyYaml('bad', ['spec:', '  policy: auto', '  colour: red']), 'fieldValidation=Strict'));
    assert.equal(unknown.code, 400);
    assert.equal(unknown.message, 'strict decoding error: unknown field "spec.colour"');
    const warned = await apply('bad', 'm', policyYaml('bad', ['spec:', '  policy: auto', '  colour: red']));
    assert.equal(warned.status, 201);
    assert.deepEqual(entries(warned.json())[0]?.fieldsV1, { 'f:spec': { 'f:policy': {} } }, 'a pruned unknown field is owned by nobody');
  });

  test('apply to /status owns only status; the main resource\'s apply owns no status', async () => {
    const containerYaml = (lines: string[]) => ['apiVersion: vigil.dev/v1alpha1', 'kind: Container', 'metadata:', '  name: web', '  namespace: local', ...lines].join('\n');
    const path = `${GROUP_PATH}/namespaces/local/containers/web`;
    const main = await api.request('PATCH', `${path}?fieldManager=gitops`, { text: containerYaml(['spec:', '  containerName: web', 'status:', '  state: running']), contentType: 'application/apply-patch+yaml' });
    assert.equal(main.status, 201, main.text);
    assert.equal(main.json().status, undefined);
    const status = await api.request('PATCH', `${path}/status?fieldManager=inventory`, { text: containerYaml(['status:', '  state: running']), contentType: 'application/apply-patch+yaml' });
    assert.equal(status.status, 200, status.text);
    assert.deepEqual(status.json().status, { state: 'running' });
    const statusEntry = (status.json().metadata.managedFields as unknown as Array<Entry & { subresource?: string }>).find((entry) => entry.manager === 'inventory');
    assert.deepEqual(statusEntry?.subresource, 'status');
    assert.deepEqual(statusEntry?.fieldsV1, { 'f:status': { 'f:state': {} } });
  });
});
