// Every failure of the resource API is a Kubernetes Status with the code and reason kube-apiserver would give, served
// as application/json; unexpected errors leak nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { container, GROUP_PATH, startApi, statusOf, updatePolicy, type TestApi } from './fixtures/api.ts';

describe('resource API errors', () => {
  let api: TestApi;
  let logsCalled = 0;
  before(async () => {
    api = await startApi({
      app: {
        bodyLimit: 64 * 1024,
        containerLogs: async () => {
          logsCalled += 1;
          throw new Error('docker said: /var/lib/secret-path is broken\n    at internal (file.ts:1:1)');
        },
      },
    });
  });
  after(async () => await api.close());

  test('an unknown resource, a wrong scope or an unknown subresource is a 404 NotFound Status', async () => {
    for (const path of [
      `${GROUP_PATH}/nothings`,
      `${GROUP_PATH}/namespaces/local/updatepolicies`,
      `${GROUP_PATH}/containers/web`,
      `${GROUP_PATH}/updatepolicies/p/scale`,
      `${GROUP_PATH}/updatepolicies/p/log`,
      '/api/v1/namespaces/default/pods',
      '/apis/other.dev/v1/things',
    ]) {
      const response = await api.request('GET', path);
      assert.equal(response.status, 404, path);
      const status = statusOf(response);
      assert.equal(status.reason, 'NotFound');
      assert.equal(status.message, 'the server could not find the requested resource');
    }
  });

  test('a missing object is NotFound naming the resource and the object', async () => {
    const status = statusOf(await api.request('GET', `${GROUP_PATH}/updatepolicies/absent`));
    assert.equal(status.code, 404);
    assert.equal(status.message, 'updatepolicies.vigil.dev "absent" not found');
    assert.deepEqual(status.details, { name: 'absent', group: 'vigil.dev', kind: 'updatepolicies' });
  });

  test('a verb the path does not support is a 405 MethodNotAllowed', async () => {
    const cases: Array<[string, string]> = [
      ['POST', `${GROUP_PATH}/updatepolicies/p`],
      ['PUT', `${GROUP_PATH}/updatepolicies`],
      ['PATCH', `${GROUP_PATH}/updatepolicies`],
      ['POST', `${GROUP_PATH}/containers`],
      ['DELETE', `${GROUP_PATH}/namespaces/local/containers/web/status`],
      ['PUT', `${GROUP_PATH}/namespaces/local/containers/web/log`],
    ];
    for (const [method, path] of cases) {
      const response = await api.request(method, path, { body: {} });
      assert.equal(response.status, 405, `${method} ${path}`);
      assert.equal(statusOf(response).reason, 'MethodNotAllowed');
    }
  });

  test('a second object of the same name is AlreadyExists; a stale resourceVersion is a Conflict', async () => {
    const created = await api.request('POST', `${GROUP_PATH}/updatepolicies`, { body: updatePolicy('dup') });
    assert.equal(created.status, 201);
    const again = statusOf(await api.request('POST', `${GROUP_PATH}/updatepolicies`, { body: updatePolicy('dup') }));
    assert.equal(again.code, 409);
    assert.equal(again.reason, 'AlreadyExists');
    assert.equal(again.message, 'updatepolicies.vigil.dev "dup" already exists');
    const first = created.json();
    assert.equal((await api.request('PUT', `${GROUP_PATH}/updatepolicies/dup`, { body: { ...first, spec: { policy: 'auto' } } })).status, 200);
    const stale = statusOf(await api.request('PUT', `${GROUP_PATH}/updatepolicies/dup`, { body: { ...first, spec: { policy: 'pinned' } } }));
    assert.equal(stale.code, 409);
    assert.equal(stale.reason, 'Conflict');
    assert.equal(stale.message, 'Operation cannot be fulfilled on updatepolicies.vigil.dev "dup": the object has been modified; please apply your changes to the latest version and try again');
  });

  test('an invalid object is a 422 Invalid with one cause per bad field', async () => {
    const response = await api.request('POST', `${GROUP_PATH}/updatepolicies`, {
      body: updatePolicy('bad', { policy: 'sometimes', timeoutSeconds: -1 }, { labels: { 'bad key!': 'x' } }),
    });
    const status = statusOf(response);
    assert.equal(status.code, 422);
    assert.equal(status.reason, 'Invalid');
    const fields = (status.details?.causes ?? []).map((cause) => cause.field).sort();
    assert.ok(fields.includes('spec.policy'), JSON.stringify(status));
    assert.ok(fields.includes('metadata.labels'), JSON.stringify(status));
    assert.equal(status.details?.kind, 'UpdatePolicy');
    assert.match(status.message ?? '', /^UpdatePolicy\.vigil\.dev "bad" is invalid: \[/);
  });

  test('malformed JSON or YAML, a wrong kind or apiVersion, a name or namespace that contradicts the path are 400 BadRequest', async () => {
    const cases: Array<[string, string, { text?: string; body?: unknown; contentType?: string }, RegExp]> = [
      ['POST', `${GROUP_PATH}/updatepolicies`, { text: '{"apiVersion":', contentType: 'application/json' }, /not valid JSON/],
      ['POST', `${GROUP_PATH}/updatepolicies`, { text: 'a: [unclosed', contentType: 'application/yaml' }, /YAML/],
      ['POST', `${GROUP_PATH}/updatepolicies`, { body: { ...updatePolicy('k'), kind: 'Hook' } }, /kind in the data \(Hook\) does not match the expected kind \(UpdatePolicy\)/],
      ['POST', `${GROUP_PATH}/updatepolicies`, { body: { ...updatePolicy('k'), apiVersion: 'vigil.dev/v9' } }, /API version in the data/],
      ['PUT', `${GROUP_PATH}/updatepolicies/other`, { body: updatePolicy('k') }, /does not match the name on the URL/],
      ['POST', `${GROUP_PATH}/namespaces/local/containers`, { body: container('web', 'nas') }, /namespace of the provided object \(nas\) does not match the namespace sent on the request \(local\)/],
      ['POST', `${GROUP_PATH}/updatepolicies`, { text: '[1,2]', contentType: 'application/json' }, /must be a JSON object/],
      ['POST', `${GROUP_PATH}/updatepolicies`, { text: '{"metadata":{"name":"x"},"__proto__":{"polluted":true}}', contentType: 'application/json' }, /__proto__/],
    ];
    for (const [method, path, options, message] of cases) {
      const status = statusOf(await api.request(method, path, options));
      assert.equal(status.code, 400, `${method} ${path} ${JSON.stringify(options)}`);
      assert.equal(status.reason, 'BadRequest');
      assert.match(status.message ?? '', message);
    }
  });

  test('YAML bodies are accepted for create; answers are JSON whatever the Accept header', async () => {
    const yaml = 'apiVersion: vigil.dev/v1alpha1\nkind: UpdatePolicy\nmetadata:\n  name: from-yaml\nspec:\n  policy: auto\n';
    const response = await api.request('POST', `${GROUP_PATH}/updatepolicies`, {
      text: yaml,
      contentType: 'application/yaml',
      headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json' },
    });
    assert.equal(response.status, 201);
    assert.equal(response.json().spec !== undefined, true);
    const odd = await api.request('GET', `${GROUP_PATH}/updatepolicies/from-yaml`, { headers: { accept: 'application/vnd.kubernetes.protobuf' } });
    assert.equal(odd.status, 200);
    assert.match(String(odd.headers['content-type']), /^application\/json/);
  });

  test('unsupported body types are a 415 UnsupportedMediaType, strategic merge patch included', async () => {
    await api.request('POST', `${GROUP_PATH}/updatepolicies`, { body: updatePolicy('smp') });
    const smp = statusOf(await api.request('PATCH', `${GROUP_PATH}/updatepolicies/smp`, { text: '{"spec":{"policy":"auto"}}', contentType: 'application/strategic-merge-patch+json' }));
    assert.equal(smp.code, 415);
    assert.equal(smp.reason, 'UnsupportedMediaType');
    assert.match(smp.message ?? '', /application\/merge-patch\+json/);
    const protobuf = statusOf(await api.request('POST', `${GROUP_PATH}/updatepolicies`, { text: 'x', contentType: 'application/vnd.kubernetes.protobuf' }));
    assert.equal(protobuf.code, 415);
  });

  test('a body over the limit is a 413 RequestEntityTooLarge Status', async () => {
    const huge = updatePolicy('huge', { policy: 'auto' }, { annotations: { big: 'x'.repeat(70 * 1024) } });
    const status = statusOf(await api.request('POST', `${GROUP_PATH}/updatepolicies`, { body: huge }));
    assert.equal(status.code, 413);
    assert.equal(status.reason, 'RequestEntityTooLarge');
    assert.equal((await api.request('GET', `${GROUP_PATH}/updatepolicies/huge`)).status, 404);
  });

  test('fieldValidation=Strict refuses unknown fields with 400; Warn (the default) prunes them with a Warning header; Ignore prunes silently', async () => {
    const body = updatePolicy('strict', { policy: 'auto', foo: 1 });
    const strict = statusOf(await api.request('POST', `${GROUP_PATH}/updatepolicies?fieldValidation=Strict`, { body }));
    assert.equal(strict.code, 400);
    assert.equal(strict.reason, 'BadRequest');
    assert.equal(strict.message, 'strict decoding error: unknown field "spec.foo"');
    const warned = await api.request('POST', `${GROUP_PATH}/updatepolicies`, { body });
    assert.equal(warned.status, 201);
    assert.deepEqual(warned.headers.warning, '299 - "unknown field \\"spec.foo\\""');
    assert.deepEqual(warned.json().spec, { policy: 'auto' });
    const ignored = await api.request('POST', `${GROUP_PATH}/updatepolicies?fieldValidation=Ignore`, { body: { ...body, metadata: { name: 'ignored' } } });
    assert.equal(ignored.status, 201);
    assert.equal(ignored.headers.warning, undefined);
    const bad = statusOf(await api.request('POST', `${GROUP_PATH}/updatepolicies?fieldValidation=Loose`, { body }));
    assert.equal(bad.code, 422);
    assert.match(bad.message ?? '', /^CreateOptions\.meta\.k8s\.io "" is invalid: fieldValidation: Unsupported value: "Loose"/);
  });

  test('request options apimachinery refuses are a 422 Invalid on the options kind', async () => {
    const dryRun = statusOf(await api.request('POST', `${GROUP_PATH}/updatepolicies?dryRun=Some`, { body: updatePolicy('o') }));
    assert.equal(dryRun.code, 422);
    assert.match(dryRun.message ?? '', /^CreateOptions\.meta\.k8s\.io "" is invalid: dryRun: Unsupported value: "Some": supported values: "All"/);
    const list = statusOf(await api.request('GET', `${GROUP_PATH}/updatepolicies?resourceVersionMatch=Exact`));
    assert.equal(list.code, 422);
    assert.match(list.message ?? '', /^ListOptions\.meta\.k8s\.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided/);
    const watch = statusOf(await api.request('GET', `${GROUP_PATH}/updatepolicies?watch=true&sendInitialEvents=true`));
    assert.equal(watch.code, 422);
    assert.match(watch.message ?? '', /sendInitialEvents requires setting resourceVersionMatch to NotOlderThan/);
    const selector = statusOf(await api.request('GET', `${GROUP_PATH}/updatepolicies?fieldSelector=spec.policy%3Dauto`));
    assert.equal(selector.code, 400);
    const limit = statusOf(await api.request('GET', `${GROUP_PATH}/updatepolicies?limit=ten`));
    assert.equal(limit.code, 400);
    const policy = statusOf(await api.request('DELETE', `${GROUP_PATH}/updatepolicies/o`, { body: { propagationPolicy: 'Sideways' } }));
    assert.equal(policy.code, 422);
    assert.match(policy.message ?? '', /^DeleteOptions\.meta\.k8s\.io/);
    const force = statusOf(await api.request('PATCH', `${GROUP_PATH}/updatepolicies/o?force=true`, { text: '{}', contentType: 'application/merge-patch+json' }));
    assert.equal(force.code, 422);
    assert.match(force.message ?? '', /force: Forbidden: may not be specified for non-apply patch/);
  });

  test('an unexpected failure is a 500 InternalError that reveals nothing of it', async () => {
    await api.resources.create(container('web'));
    const response = await api.request('GET', `${GROUP_PATH}/namespaces/local/containers/web/log`);
    const status = statusOf(response);
    assert.equal(logsCalled, 1);
    assert.equal(status.code, 500);
    assert.equal(status.reason, 'InternalError');
    assert.doesNotMatch(response.text, /secret-path|file\.ts|at internal/);
  });
});
